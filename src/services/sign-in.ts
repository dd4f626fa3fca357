import type { Knex } from 'knex';
import { clearFailures, currentFailures, recordFailure } from '../repositories/sign-in-throttle.ts';
import { verifyPassword } from './passwords.ts';
import type { SessionAuth } from '../web/session-data.ts';

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
/** Per account: a handful of guesses, then that account (only) waits. */
export const ACCOUNT_FAILURE_LIMIT = 5;
/** Per address: enough for an office behind one NAT, too few for a spray across many accounts. */
export const ADDRESS_FAILURE_LIMIT = 30;

export type SignInResult =
  | { outcome: 'signed-in'; auth: Omit<SessionAuth, 'signedInAt'> }
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
  return { outcome: 'signed-in', auth: { userId: found.user_id, kind: found.kind, partnerId: found.partner_id } };
}
