import type { Locale } from './index.ts';

/** ISO 3166-1 alpha-2 codes of the countries and territories a partner can be in or serve. */
export const COUNTRY_CODES = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH ' +
  'CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN ' +
  'GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI ' +
  'LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM ' +
  'PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD ' +
  'TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

/** Languages partners commonly work in (ISO 639-1). */
export const LANGUAGE_CODES = (
  'ar bg bs ca cs da de el en es et fi fr ga he hi hr hu id is it ja ko lt lv mk ms mt nl no pl pt ro ru sk sl sq sr sv th tr uk vi zh'
).split(' ');

const cache = new Map<string, { code: string; name: string }[]>();

function named(kind: 'region' | 'language', codes: string[], locale: Locale) {
  const key = `${kind}:${locale}`;
  let list = cache.get(key);
  if (!list) {
    const names = new Intl.DisplayNames([locale], { type: kind });
    const collator = new Intl.Collator(locale);
    list = codes.map((code) => ({ code, name: names.of(code) ?? code })).sort((a, b) => collator.compare(a.name, b.name));
    cache.set(key, list);
  }
  return list;
}

/** Countries with names in the reader's language, sorted as that language sorts. */
export const countries = (locale: Locale) => named('region', COUNTRY_CODES, locale);
export const languages = (locale: Locale) => named('language', LANGUAGE_CODES, locale);

export function countryName(code: string | null | undefined, locale: Locale): string {
  if (!code) return '';
  return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
}

export function languageName(code: string, locale: Locale): string {
  return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code;
}

export const isCountry = (code: string) => COUNTRY_CODES.includes(code);
export const isLanguage = (code: string) => LANGUAGE_CODES.includes(code);
