import { describe, expect, it } from 'vitest';
import { isDate, parseForm } from '../../src/web/forms.ts';
import { safeReturnPath } from '../../src/web/results.ts';

const spec = {
  email: { label: 'f.email', required: true, email: true, maxLength: 20 },
  note: { label: 'f.note', maxLength: 5 },
  colour: { label: 'f.colour', oneOf: ['red', 'blue'] },
  secret: { label: 'f.secret', raw: true },
} as const;

describe('parseForm', () => {
  it('trims values, keeps raw ones, and ignores undeclared fields', () => {
    const { values, errors } = parseForm({ email: '  a@b.co ', secret: ' x ', partner_id: '7' }, spec);
    expect(errors).toEqual([]);
    expect(values).toEqual({ email: 'a@b.co', note: '', colour: '', secret: ' x ' });
    expect('partner_id' in values).toBe(false);
  });

  it('reports each problem once, on its field', () => {
    const { errors } = parseForm({ email: 'nope', note: 'too long', colour: 'green' }, spec);
    expect(errors.map((e) => [e.field, e.key])).toEqual([
      ['email', 'form.email'],
      ['note', 'form.too_long'],
      ['colour', 'form.one_of'],
    ]);
  });

  it('treats a missing body, arrays and objects as bad fields rather than crashing', () => {
    expect(parseForm(undefined, spec).errors.map((e) => e.key)).toEqual(['form.required']);
    expect(parseForm({ email: ['a@b.co', 'c@d.co'] }, spec).errors[0]).toMatchObject({ field: 'email', key: 'form.invalid' });
    expect(parseForm({ email: { $ne: '' } }, spec).errors[0]).toMatchObject({ field: 'email', key: 'form.invalid' });
  });
});

describe('safeReturnPath', () => {
  it('allows same-site paths only', () => {
    expect(safeReturnPath('/account?x=1')).toBe('/account?x=1');
    for (const bad of ['//evil.example', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)', '', undefined, '/a\nb']) {
      expect(safeReturnPath(bad, '/home')).toBe('/home');
    }
  });
});

describe('isDate', () => {
  it('accepts calendar dates as YYYY-MM-DD, leap days only in leap years', () => {
    expect(['2026-11-24', '2024-02-29', '2000-02-29', '9999-12-31'].filter(isDate)).toHaveLength(4);
  });
  it('refuses dates that do not exist and other shapes', () => {
    expect(['2026-02-30', '2025-02-29', '1900-02-29', '2026-13-01', '2026-04-31', '0000-01-01', '2026-1-5', '24.11.2026', '2026-11-24T00:00', ''].filter(isDate)).toEqual([]);
  });
});
