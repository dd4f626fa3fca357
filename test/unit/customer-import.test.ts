import { describe, expect, it } from 'vitest';
import { parseImport, rejectsCsv } from '../../src/services/customer-import.ts';
import { readSignedToken, signedToken } from '../../src/services/tokens.ts';

describe('reading an import file', () => {
  it('numbers rows by their line in the file, counting quoted line breaks', () => {
    const parsed = parseImport(Buffer.from('name,address\nOne,"Street 1\nTown"\n,nameless\nThree,x\n'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.rows.map((r) => [r.line, r.account.name, r.account.address])).toEqual([[3, 'One', 'Street 1\nTown'], [5, 'Three', 'x']]);
    expect(parsed.problems).toEqual([{ line: 4, column: 'name', reason: 'import.reason.name_missing' }]);
  });

  it('matches column names loosely, ignores unknown columns, and takes off our export\'s formula guard', () => {
    const parsed = parseImport(Buffer.from("Name,Contact-Name,Favourite colour\n'=Equals Inc,Ed Equals,blue\n"));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.rows[0]!.account.name).toBe('=Equals Inc');
    expect(parsed.rows[0]!.contact).toEqual({ name: 'Ed Equals', email: null, phone: null, job_title: null });
    expect(parsed.problems).toEqual([]);
  });

  it('rejects a contact without a name, one reason per cell', () => {
    const parsed = parseImport(Buffer.from('name,contact_email,contact_phone\nAcme,bad,call me\n'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.problems.map((p) => p.column)).toEqual(['contact_name', 'contact_email', 'contact_phone']);
  });

  it('rejects rows holding NUL bytes (as a UTF-16 export has) with the encoding advice, keeping none of them', () => {
    const parsed = parseImport(Buffer.from('name,country\nGood,DE\nB\u0000a\u0000d,DE\n'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.rows.map((r) => r.account.name)).toEqual(['Good']);
    expect(parsed.problems).toEqual([{ line: 3, column: 'name', reason: 'import.reason.encoding' }]);
    expect(rejectsCsv(parsed, (key) => key)).not.toContain('\u0000');
  });

  it('writes the rejected rows back with their line and reasons', () => {
    const parsed = parseImport(Buffer.from('name,country\nGood,DE\nBad,Germany\n'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const csv = rejectsCsv(parsed, (key) => `<${key}>`).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toBe('Bad,,Germany,,,,,,,,,3,country: <import.reason.country>');
  });
});

describe('signed links', () => {
  const secret = 'a-secret-long-enough-for-the-portal-to-sign-links';
  const expires = new Date('2030-01-01T00:00:00Z');

  it('reads back what it signed, and nothing signed for another purpose or with another secret', () => {
    const token = signedToken(secret, 'customer-relationship', 42, expires);
    expect(readSignedToken(secret, 'customer-relationship', token)).toEqual({ id: 42, expiresAt: expires });
    expect(readSignedToken(secret, 'password-reset', token)).toBeNull();
    expect(readSignedToken(`${secret}!`, 'customer-relationship', token)).toBeNull();
    expect(readSignedToken(secret, 'customer-relationship', token.replace(/^42\./, '43.'))).toBeNull();
    expect(readSignedToken(secret, 'customer-relationship', `${token}x`)).toBeNull();
    expect(readSignedToken(secret, 'customer-relationship', undefined)).toBeNull();
  });
});
