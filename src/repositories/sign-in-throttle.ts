import type { Knex } from 'knex';

export type ThrottleState = { failures: number; windowStartedAt: Date };

/** Failures inside the current window for each key (missing keys and stale windows count as none). */
export async function currentFailures(db: Knex.Transaction, keys: string[], windowMs: number): Promise<Map<string, ThrottleState>> {
  const rows = await db('sign_in_throttle')
    .select('key', 'failures', 'window_started_at')
    .whereIn('key', keys)
    .andWhere('window_started_at', '>', new Date(Date.now() - windowMs));
  return new Map(rows.map((r: { key: string; failures: number; window_started_at: Date }) => [r.key, { failures: r.failures, windowStartedAt: new Date(r.window_started_at) }]));
}

/** Counts one failure against each key, starting a fresh window where the old one has run out. */
export async function recordFailure(db: Knex.Transaction, keys: string[], windowMs: number): Promise<void> {
  const now = new Date();
  const staleBefore = new Date(now.getTime() - windowMs);
  for (const key of keys) {
    await db.raw(
      `INSERT INTO sign_in_throttle (key, failures, window_started_at) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN sign_in_throttle.window_started_at <= ? THEN 1 ELSE sign_in_throttle.failures + 1 END,
         window_started_at = CASE WHEN sign_in_throttle.window_started_at <= ? THEN EXCLUDED.window_started_at ELSE sign_in_throttle.window_started_at END`,
      [key, now, staleBefore, staleBefore],
    );
  }
}

export async function clearFailures(db: Knex.Transaction, key: string): Promise<void> {
  await db('sign_in_throttle').where('key', key).delete();
}
