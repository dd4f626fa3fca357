import type { Knex } from 'knex';
import { clearFailures, currentFailures, recordFailure } from '../repositories/sign-in-throttle.ts';
import { verifyPassword } from './passwords.ts';
import { hashRecoveryCode, verifyTotp } from './two-factor.ts';
import type { SessionAuth } from '../web/session-data.ts';

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
/** Per account: a handful of guesses, then that account (only) waits. */
export const ACCOUNT_FAILURE_LIMIT = 5;
/** Per address: enough for an office behind one NAT, too few for a spray across many accounts. */
export const ADDRESS_FAILURE_LIMIT = 30;

export type SignInResult =
  | { outcome: 'signed-in'; auth: Omit<SessionAuth, 'signedInAt'> }
  | { outcome: 'two-factor'; auth: Omit<SessionAuth, 'signedInAt'> }
  | { outcome: 'invalid' }
  | { outcome: 'not-allowed' }
  | { outcome: 'throttled'; retryAfterSeconds: number };

type Lookup = {
  user_id: number;
  kind: 'staff' | 'partner';
  partner_id: number | null;
  password_hash: string | null;
  user_status: string;
  partner_status: string | null;
  two_factor: boolean;
};

/** Runs in the sign-in context: the only way to read a password hash is the narrow auth_sign_in_lookup function. */
export async function signIn(db: Knex.Transaction, input: { email: string; password: string; address: string }): Promise<SignInResult> {
  const accountKey = `account:${input.email.trim().toLowerCase()}`;
  const addressKey = `address:${input.address}`;
  const failures = await currentFailures(db, [accountKey, addressKey], THROTTLE_WINDOW_MS);
  const account = failures.get(accountKey);
  const address = failures.get(addressKey);
  const blocked = [account && account.failures >= ACCOUNT_FAILURE_LIMIT ? account : null, address && address.failures >= ADDRESS_FAILURE_LIMIT ? address : null]
    .filter((s) => s !== null);
  if (blocked.length > 0) {
    const until = Math.max(...blocked.map((s) => s.windowStartedAt.getTime() + THROTTLE_WINDOW_MS));
    return { outcome: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((until - Date.now()) / 1000)) };
  }

  const { rows } = await db.raw<{ rows: Lookup[] }>('SELECT * FROM auth_sign_in_lookup(?)', [input.email.trim()]);
  const found = rows[0];
  const ok = await verifyPassword(found?.password_hash, input.password);
  if (!found || !ok) {
    await recordFailure(db, [accountKey, addressKey], THROTTLE_WINDOW_MS);
    return { outcome: 'invalid' };
  }
  await clearFailures(db, accountKey);
  // Only after the right password do we say an account exists but may not sign in.
  if (found.user_status !== 'active' || found.partner_status === 'suspended') return { outcome: 'not-allowed' };
  const auth = { userId: found.user_id, kind: found.kind, partnerId: found.partner_id };
  if (found.two_factor) return { outcome: 'two-factor', auth };
  await db.raw('SELECT auth_record_sign_in(?)', [found.user_id]);
  return { outcome: 'signed-in', auth };
}

/** How long the second step may wait after the password was right. */
export const TWO_FACTOR_WINDOW_MS = 5 * 60 * 1000;

/**
 * The second step: a code from the authenticator app, or one of the recovery codes. Failures count against the
 * account like wrong passwords do.
 */
export async function verifySecondFactor(db: Knex.Transaction, input: { userId: number; email: string; code: string; address: string }): Promise<'ok' | 'invalid' | 'throttled'> {
  const accountKey = `account:${input.email.trim().toLowerCase()}`;
  const failures = (await currentFailures(db, [accountKey], THROTTLE_WINDOW_MS)).get(accountKey);
  if (failures && failures.failures >= ACCOUNT_FAILURE_LIMIT) return 'throttled';
  const { rows } = await db.raw('SELECT auth_totp_secret(?) AS secret', [input.userId]);
  const secret = rows[0]?.secret as string | null;
  let ok = !!secret && verifyTotp(secret, input.code);
  if (!ok && /[a-z]/i.test(input.code)) {
    const used = await db.raw('SELECT auth_use_recovery_code(?, ?) AS ok', [input.userId, hashRecoveryCode(input.code)]);
    ok = used.rows[0].ok === true;
  }
  if (!ok) {
    await recordFailure(db, [accountKey, `address:${input.address}`], THROTTLE_WINDOW_MS);
    return 'invalid';
  }
  await clearFailures(db, accountKey);
  await db.raw('SELECT auth_record_sign_in(?)', [input.userId]);
  return 'ok';
}
