import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { openTestDatabase } from '../support/app.ts';
import { inContext } from '../../src/db/scope.ts';
import { APP_ROLE } from '../../src/db/roles.ts';
import type { Database } from '../../src/db/connect.ts';
import { createPartner, createUser } from '../support/factories.ts';

let database: Database;
let knex: Knex;
beforeAll(async () => {
  database = await openTestDatabase();
  knex = database.knex;
});
afterAll(async () => database.close());

/** Runs a query as the application role with no context at all (as a forgotten scope would). */
async function withoutContext<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return knex.transaction(async (trx) => {
    await trx.raw(`SELECT set_config('role', ?, true)`, [APP_ROLE]);
    return work(trx);
  });
}

async function count(trx: Knex.Transaction, table: string): Promise<number> {
  const [row] = await trx(table).count<{ count: string }[]>({ count: '*' });
  return Number(row?.count);
}

describe('the application role', () => {
  it('is neither superuser, nor BYPASSRLS, nor able to log in, create roles or databases', async () => {
    const role = await knex('pg_roles').where('rolname', APP_ROLE).first('rolsuper', 'rolbypassrls', 'rolcanlogin', 'rolcreaterole', 'rolcreatedb', 'rolinherit');
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false, rolcreaterole: false, rolcreatedb: false, rolinherit: false });
  });

  it('owns no table, so FORCE ROW LEVEL SECURITY is not its only guard', async () => {
    const { rows } = await knex.raw(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = ? AND c.relkind IN ('r', 'p')`, [APP_ROLE]);
    expect(rows[0].n).toBe(0);
  });
});

describe('row-level security catalog', () => {
  const tablesQuery = `
    SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
           (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'partner_id' AND NOT a.attisdropped)
             OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid = 'partners'::regclass)
             OR c.relname = 'partners' AS partner_owned,
           has_table_privilege(?, c.oid, 'SELECT, INSERT, UPDATE, DELETE')
             OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                        AND has_column_privilege(?, c.oid, a.attnum, 'SELECT, INSERT, UPDATE')) AS app_can_touch
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`;

  it('enables and forces RLS, with a policy, on every table that refers to a partner', async () => {
    const { rows } = await knex.raw(tablesQuery, [APP_ROLE, APP_ROLE]);
    const partnerOwned = rows.filter((r: { partner_owned: boolean }) => r.partner_owned);
    expect(partnerOwned.map((r: { table: string }) => r.table)).toEqual(expect.arrayContaining(['partners', 'users']));
    const unprotected = partnerOwned.filter((r: { enabled: boolean; forced: boolean; policies: number }) => !r.enabled || !r.forced || r.policies === 0);
    expect(unprotected).toEqual([]);
  });

  it('protects every table the application role can read or write in any way', async () => {
    const { rows } = await knex.raw(tablesQuery, [APP_ROLE, APP_ROLE]);
    const unprotected = rows.filter((r: { app_can_touch: boolean; enabled: boolean; forced: boolean }) => r.app_can_touch && (!r.enabled || !r.forced));
    expect(unprotected).toEqual([]);
  });

  it('gives the application role no privilege on the session store', async () => {
    const { rows } = await knex.raw(`SELECT has_table_privilege(?, 'sessions', 'SELECT, INSERT, UPDATE, DELETE') AS any`, [APP_ROLE]);
    expect(rows[0].any).toBe(false);
  });
});

describe('policies', () => {
  it('show zero rows when the context is missing', async () => {
    await withoutContext(async (trx) => {
      for (const table of ['partners', 'users', 'vendor_settings', 'sign_in_throttle']) expect(await count(trx, table)).toBe(0);
    });
  });

  it('fail closed when the partner id is empty rather than missing', async () => {
    const rows = await inContext(knex, { context: 'partner', userId: undefined, partnerId: undefined }, async (db) => count(db, 'partners'));
    expect(rows).toBe(0);
  });

  it("show a partner its own company and people, and nobody else's", async () => {
    const a = await createPartner(knex);
    const b = await createPartner(knex);
    const userA = await createUser(knex, { partnerId: a.id });
    await createUser(knex, { partnerId: b.id });
    await inContext(knex, { context: 'partner', userId: userA.id, partnerId: a.id }, async (db) => {
      expect(await db('partners').pluck('id')).toEqual([a.id]);
      const people = await db('users').pluck('partner_id');
      expect(people.length).toBeGreaterThan(0);
      expect(new Set(people)).toEqual(new Set([a.id]));
      // Writing into another company is refused by the policy, not just filtered.
      await expect(db('partners').where('id', b.id).update({ name: 'taken over' })).resolves.toBe(0);
    });
  });

  it('refuse to insert a row for another partner', async () => {
    const a = await createPartner(knex);
    const b = await createPartner(knex);
    await expect(
      inContext(knex, { context: 'partner', partnerId: a.id }, async (db) => {
        await db('users').insert({ kind: 'partner', partner_id: b.id, email: `x${Date.now()}@x.test`, name: 'Mole', role: 'sales_agent' });
      }),
    ).rejects.toThrow(/row-level security|permission denied/);
  });

  it('show staff every partner', async () => {
    const a = await createPartner(knex);
    const b = await createPartner(knex);
    const ids = await inContext(knex, { context: 'staff', userId: 1 }, async (db) => db('partners').whereIn('id', [a.id, b.id]).pluck('id'));
    expect(ids.sort()).toEqual([a.id, b.id].sort());
  });

  it('never let request queries read a password hash', async () => {
    const a = await createPartner(knex);
    await expect(inContext(knex, { context: 'staff' }, async (db) => db('users').select('password_hash').where('partner_id', a.id))).rejects.toThrow(/permission denied/);
  });

  it('answer the sign-in lookup only in the sign-in context', async () => {
    const user = await createUser(knex);
    const inSignIn = await inContext(knex, { context: 'signin' }, async (db) => (await db.raw('SELECT user_id FROM auth_sign_in_lookup(?)', [user.email])).rows);
    expect(inSignIn).toEqual([{ user_id: user.id }]);
    const elsewhere = await inContext(knex, { context: 'partner', partnerId: user.partner_id! }, async (db) => (await db.raw('SELECT user_id FROM auth_sign_in_lookup(?)', [user.email])).rows);
    expect(elsewhere).toEqual([]);
  });

  it('leave nothing behind on the connection once the transaction ends', async () => {
    const a = await createPartner(knex);
    await inContext(knex, { context: 'partner', partnerId: a.id }, async (db) => db('partners').select('id'));
    const { rows } = await knex.raw(`SELECT current_user AS who, coalesce(current_setting('app.partner_id', true), '') AS partner`);
    expect(rows[0].who).not.toBe(APP_ROLE);
    expect(rows[0].partner).toBe('');
  });
});
