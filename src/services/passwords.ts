import { hash, verify } from '@node-rs/argon2';

/**
 * OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. The algorithm is the library's const enum
 * (Argon2id = 2), written as its value because type stripping cannot inline const enums.
 */
const ARGON2ID = 2;
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Long passphrases are welcome; the cap only keeps a single request from hashing megabytes. */
export const PASSWORD_MAX_LENGTH = 1000;
export const PASSWORD_MIN_LENGTH = 12;
/** Messages that read well whatever the field is called ("Choose a password", "New password"). */
export const PASSWORD_MESSAGES = { required: 'password.required', minLength: 'password.too_short', maxLength: 'password.too_long' };

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

let dummy: Promise<string> | undefined;

/**
 * Verifies against the stored hash, or against a throwaway one when there is none,
 * so an unknown address takes as long to refuse as a wrong password.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummy ??= hashPassword('not a real password, only for equal timing');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
