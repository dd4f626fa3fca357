import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** Codes from authenticator apps: 6 digits, 30 seconds, one step of clock drift either way. */
function totp(secret: string, label = '', issuer = '') {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1', label, issuer });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function verifyTotp(secret: string, code: string): boolean {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return false;
  return totp(secret).validate({ token, window: 1 }) !== null;
}

/** The current code, for tests and for nothing else. */
export function currentTotp(secret: string): string {
  return totp(secret).generate();
}

/** The setup QR code as inline SVG (no script, no request), plus the otpauth URI it encodes. */
export async function setupQr(secret: string, account: string, issuer: string): Promise<{ svg: string; uri: string }> {
  const uri = totp(secret, account, issuer).toString();
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return { svg, uri };
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten one-time recovery codes like "k7qm-3xwp", shown once; only their hashes are stored. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 8 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4)}`;
  });
}

export function normaliseRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/[^a-z0-9]/g, '').replace(/^(.{4})(.{4})$/, '$1-$2');
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex');
}
