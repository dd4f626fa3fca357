import { describe, expect, it } from 'vitest';
import { pickTranslation, audiencesFor, type Translation } from '../../src/repositories/knowledge.ts';
import { markMatches } from '../../src/web/highlight.ts';

describe('search highlights', () => {
  it('escapes the article text and only then turns the sentinels into <mark>', () => {
    const headline = 'see \u0002partner\u0003 <img src=x onerror="alert(1)"> & \u0002Partner\u0003';
    expect(markMatches(headline, '\u0002', '\u0003')).toBe('see <mark>partner</mark> &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; <mark>Partner</mark>');
  });
});

describe('choosing the language to show', () => {
  const tr = (language: string) => ({ language }) as unknown as Translation;
  it('takes the asked language, else the reader\'s, else English, else any', () => {
    expect(pickTranslation([tr('en'), tr('de')], ['de', 'cs'])?.language).toBe('de');
    expect(pickTranslation([tr('en'), tr('de')], [undefined, 'de'])?.language).toBe('de');
    expect(pickTranslation([tr('en'), tr('de')], ['it', 'cs'])?.language).toBe('en');
    expect(pickTranslation([tr('et')], ['it'])?.language).toBe('et');
    expect(pickTranslation([], ['en'])).toBeUndefined();
  });
});

describe('who reads what', () => {
  it('gives staff every audience, active partners two, everyone else the public articles', () => {
    const base = { id: 1, email: '', name: '', locale: null, timeZone: null, unread: 0, twoFactor: false, mustUseTwoFactor: false };
    expect(audiencesFor({ ...base, kind: 'staff', role: 'support_agent' })).toEqual(['public', 'partners', 'staff']);
    expect(audiencesFor({ ...base, kind: 'partner', role: 'sales_agent', partnerId: 1, partnerName: 'x', partnerStatus: 'active' })).toEqual(['public', 'partners']);
    expect(audiencesFor({ ...base, kind: 'partner', role: 'partner_admin', partnerId: 1, partnerName: 'x', partnerStatus: 'applicant' })).toEqual(['public']);
    expect(audiencesFor(null)).toEqual(['public']);
  });
});
