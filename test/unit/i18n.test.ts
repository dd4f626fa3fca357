import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCALES, formatter, loadCatalogs, localizedParams, negotiateLocale, translator } from '../../src/i18n/index.ts';

const catalogs = loadCatalogs();
const english = catalogs.en;
const placeholders = (message: string) => (message.match(/\{\w+\}/g) ?? []).sort();

describe('message catalogs', () => {
  it.each(LOCALES.filter((l) => l !== 'en'))('%s has exactly the English keys, each with the same placeholders', (locale) => {
    const catalog = catalogs[locale];
    expect(Object.keys(catalog).filter((k) => !(k in english))).toEqual([]);
    expect(Object.keys(english).filter((k) => !(k in catalog))).toEqual([]);
    const broken = Object.keys(english).filter((k) => placeholders(english[k]!).join() !== placeholders(catalog[k] ?? '').join());
    expect(broken).toEqual([]);
  });

  it.each(LOCALES.filter((l) => l !== 'en'))('%s is translated, not a copy of English', (locale) => {
    const same = Object.keys(english).filter((k) => catalogs[locale][k] === english[k]);
    // Very few short messages may legitimately read the same (a currency code, "OK"); most must differ.
    expect(same.length / Object.keys(english).length).toBeLessThan(0.1);
  });

  it('has a key in the catalog for every key the templates and code use literally', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const files = (dir: string): string[] =>
      readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(dir, e.name)) : /\.(ts|eta)$/.test(e.name) ? [path.join(dir, e.name)] : [],
      );
    const used = new Set<string>();
    for (const file of [...files('src'), ...files('views')]) {
      const source = readFileSync(path.join(root, file), 'utf8');
      for (const match of source.matchAll(/\bt\(\s*'([a-z0-9_.]+)'/g)) used.add(match[1]!);
      for (const match of source.matchAll(/(?:key|labelKey|label|messageKey|titleKey): '([a-z0-9_]+\.[a-z0-9_.]+)'/g)) used.add(match[1]!);
      for (const match of source.matchAll(/\.plural\(\s*'([a-z0-9_.]+)'/g)) used.add(`${match[1]}.other`);
      // Errors shown as pages need a title too.
      for (const match of source.matchAll(/HttpError\(\d{3}, '([a-z0-9_.]+)'/g)) used.add(match[1]!).add(`${match[1]}.title`);
    }
    // A key ending in '.' is a prefix completed at run time (role., scope.): some key must carry it.
    const missing = [...used].filter((k) => (k.endsWith('.') ? !Object.keys(english).some((e) => e.startsWith(k)) : !(k in english)));
    expect(missing).toEqual([]);
  });
});

describe('translation', () => {
  it('translates parameters stored as catalog keys for the reader', () => {
    expect(localizedParams(translator('de'), { title: 'X', statusKey: 'case.status.resolved', count: 2 })).toEqual({ title: 'X', status: translator('de')('case.status.resolved'), count: 2 });
  });

  it('fills placeholders and falls back to English, then the key', () => {
    const t = translator('de');
    expect(translator('en')('home.staff.heading', { name: 'Ana' })).toBe('Welcome, Ana');
    expect(t('no.such.key')).toBe('no.such.key');
  });

  it('negotiates Accept-Language by quality, then order, on primary tags', () => {
    expect(negotiateLocale('it-CH, de;q=0.9')).toBe('it');
    expect(negotiateLocale('fr;q=1, et;q=0.5, cs;q=0.7')).toBe('cs');
    expect(negotiateLocale('en-US;q=0, de')).toBe('de');
    expect(negotiateLocale('fr, es')).toBeUndefined();
    expect(negotiateLocale(undefined)).toBeUndefined();
    expect(negotiateLocale(';;;,q=abc')).toBeUndefined();
  });
});

describe('formatting for the reader', () => {
  const moment = new Date('2026-03-01T23:30:00Z');

  it('shows the same instant in each time zone', () => {
    expect(formatter('en', 'UTC').date(moment)).toBe('Mar 1, 2026');
    expect(formatter('en', 'Europe/Berlin').date(moment)).toBe('Mar 2, 2026');
  });

  it('formats numbers and money by locale', () => {
    expect(formatter('de', 'UTC').money(1234.5, 'EUR')).toBe('1.234,50\u00a0€');
    expect(formatter('en', 'UTC').money(1234.5, 'USD')).toBe('$1,234.50');
    expect(formatter('cs', 'UTC').number(1234567)).toBe('1\u00a0234\u00a0567');
    expect(formatter('it', 'UTC').money('99', 'EUR')).toBe('99,00\u00a0€');
  });
});
