import type { Knex } from 'knex';

/** Demo forum boards, threads and posts; added once. Returns true when it added anything. */
export async function seedForums(_trx: Knex.Transaction): Promise<boolean> {
  return false;
}
