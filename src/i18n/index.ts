import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../config.ts';

export const LOCALES = ['en', 'de', 'cs', 'et', 'it'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language named in itself, for the language switcher. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  de: 'Deutsch',
  cs: 'Čeština',
  et: 'Eesti',
  it: 'Italiano',
};

export type Catalog = Record<string, string>;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function loadCatalogs(dir = path.join(ROOT, 'locales')): Record<Locale, Catalog> {
  const out = {} as Record<Locale, Catalog>;
  for (const locale of LOCALES) {
    out[locale] = JSON.parse(readFileSync(path.join(dir, `${locale}.json`), 'utf8')) as Catalog;
  }
  return out;
}

const catalogs = loadCatalogs();

export type Vars = Record<string, string | number>;
export type Translate = ((key: string, vars?: Vars) => string) & {
  /** Picks `key.one`, `key.few`, … by the locale's plural rules for `count`, falling back to `key.other`. */
  plural: (key: string, count: number, vars?: Vars) => string;
  locale: Locale;
};

function interpolate(message: string, vars?: Vars): string {
  if (!vars) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/**
 * A missing key falls back to English, then to the key itself, so a page never breaks;
 * the catalog test keeps every key present in every language.
 */
export function translator(locale: Locale): Translate {
  const catalog = catalogs[locale];
  const english = catalogs.en;
  const rules = new Intl.PluralRules(locale);
  const t = ((key: string, vars?: Vars) => interpolate(catalog[key] ?? english[key] ?? key, vars)) as Translate;
  t.plural = (key, count, vars) => {
    const form = `${key}.${rules.select(count)}`;
    const message = catalog[form] ?? catalog[`${key}.other`] ?? english[`${key}.other`] ?? key;
    return interpolate(message, { count: new Intl.NumberFormat(locale).format(count), ...vars });
  };
  t.locale = locale;
  return t;
}

/**
 * Values stored for later display in someone else's language (notifications, emails): a parameter named
 * `fooKey` holds a catalog key and becomes `foo`, translated for the reader.
 */
export function localizedParams(t: Translate, params: Vars): Vars {
  const out: Vars = {};
  for (const [name, value] of Object.entries(params)) {
    if (name.endsWith('Key') && typeof value === 'string') out[name.slice(0, -3)] = t(value);
    else out[name] = value;
  }
  return out;
}

/** Best match from an Accept-Language header, by quality, then order; primary subtags only. */
export function negotiateLocale(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim().toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((entry) => entry.tag && entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return undefined;
}

/** Formatting for one reader: their language and time zone. Times are stored in UTC. */
export type Formatter = ReturnType<typeof formatter>;

export function formatter(locale: Locale, timeZone: string) {
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone });
  const dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const numberFmt = new Intl.NumberFormat(locale);
  const moneyFmts = new Map<string, Intl.NumberFormat>();
  return {
    locale,
    timeZone,
    date: (value: Date | string) => dateFmt.format(new Date(value)),
    dateTime: (value: Date | string) => dateTimeFmt.format(new Date(value)),
    /** Machine-readable value for <time datetime>. */
    iso: (value: Date | string) => new Date(value).toISOString(),
    number: (value: number) => numberFmt.format(value),
    money: (amount: number | string, currency: string) => {
      let fmt = moneyFmts.get(currency);
      if (!fmt) {
        fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
        moneyFmts.set(currency, fmt);
      }
      return fmt.format(Number(amount));
    },
  };
}

export function isTimeZone(value: string): boolean {
  if (!value) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function timeZones(): string[] {
  return Intl.supportedValuesOf('timeZone');
}
