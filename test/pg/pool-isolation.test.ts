import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/app.ts';
import { inContext } from '../../src/db/scope.ts';
import { APP_ROLE } from '../../src/db/roles.ts';
import type { Database } from '../../src/db/connect.ts';
import { createPartner, createUser } from '../support/factories.ts';
import { barrier } from '../support/barrier.ts';

const PARTIES = 4;
const ROUNDS = 25;

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase({ poolMax: PARTIES + 2 });
});
afterAll(async () => database.close());

describe('context on pooled connections (real PostgreSQL)', () => {
  it(`never shows one partner's rows to another while ${PARTIES} transactions overlap, over ${ROUNDS} rounds`, async () => {
    const tenants = [];
    for (let i = 0; i < PARTIES; i++) {
      const partner = await createPartner(database.knex);
      const user = await createUser(database.knex, { partnerId: partner.id });
      tenants.push({ partner, user });
    }
    for (let round = 0; round < ROUNDS; round++) {
      const firstReadDone = barrier(PARTIES);
      const pids = new Set<number>();
      await Promise.all(
        tenants.map(({ partner, user }) =>
          inContext(database.knex, { context: 'partner', userId: user.id, partnerId: partner.id }, async (db) => {
            const { rows } = await db.raw('SELECT pg_backend_pid() AS pid');
            pids.add(rows[0].pid);
            expect(await db('partners').pluck('id')).toEqual([partner.id]);
            // Everyone holds their transaction open here, so all contexts are set at the same moment.
            await firstReadDone();
            expect(await db('partners').pluck('id')).toEqual([partner.id]);
            expect(new Set(await db('users').pluck('partner_id'))).toEqual(new Set([partner.id]));
          }),
        ),
      );
      expect(pids.size).toBe(PARTIES);
    }
  });

  it('leaves no role or context on any pooled connection afterwards', async () => {
    const size = PARTIES + 2;
    const together = barrier(size);
    const seen = await Promise.all(
      Array.from({ length: size }, () =>
        database.knex.transaction(async (trx) => {
          const { rows } = await trx.raw(`SELECT current_user AS who, coalesce(current_setting('app.partner_id', true), '') AS partner, pg_backend_pid() AS pid`);
          await trx.raw(`SELECT set_config('role', ?, true)`, [APP_ROLE]);
          const [count] = await trx('partners').count<{ n: string }[]>({ n: '*' });
          await together();
          return { ...rows[0], visible: Number(count?.n) };
        }),
      ),
    );
    expect(new Set(seen.map((s) => s.pid)).size).toBe(size);
    for (const s of seen) {
      expect(s.who).not.toBe(APP_ROLE);
      expect(s.partner).toBe('');
      expect(s.visible).toBe(0);
    }
  });
});
