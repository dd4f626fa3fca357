import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A link token: 256 random bits for the link, only its hash in the database. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Tokens we issue are 43 base64url characters; anything else is refused before touching the database. */
export function looksLikeToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * A signed, expiring link that names one record: `id.expiry.signature`. The signature (HMAC-SHA256 with a key
 * derived from the portal's secret) covers the purpose, the id and the expiry, so neither can be changed or
 * reused for another kind of link; the database still decides whether the record can be used.
 */
export function signedToken(secret: string, purpose: string, id: number, expiresAt: Date): string {
  const expiry = Math.floor(expiresAt.getTime() / 1000);
  return `${id}.${expiry}.${signature(secret, purpose, id, expiry)}`;
}

export function readSignedToken(secret: string, purpose: string, token: unknown): { id: number; expiresAt: Date } | null {
  if (typeof token !== 'string' || token.length > 80) return null;
  const match = /^([1-9][0-9]{0,9})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const id = Number(match[1]);
  const expiry = Number(match[2]);
  const expected = Buffer.from(signature(secret, purpose, id, expiry));
  const given = Buffer.from(match[3]!);
  if (!timingSafeEqual(expected, given)) return null;
  return { id, expiresAt: new Date(expiry * 1000) };
}

function signature(secret: string, purpose: string, id: number, expiry: number): string {
  const key = createHmac('sha256', secret).update(`link-key:${purpose}`).digest();
  return createHmac('sha256', key).update(`${purpose}:${id}.${expiry}`).digest('base64url');
}
