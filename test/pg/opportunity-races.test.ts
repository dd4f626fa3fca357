import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { openTestDatabase } from '../support/app.ts';
import { inContext } from '../../src/db/scope.ts';
import type { Database } from '../../src/db/connect.ts';
import { createPartner, createUser, unique } from '../support/factories.ts';
import { barrier } from '../support/barrier.ts';
import { answer, withdraw, StateError, type Distribution } from '../../src/services/opportunities.ts';

const ROUNDS = 50;

let database: Database;
let knex: Knex;
let accountId: number;
beforeAll(async () => {
  database = await openTestDatabase({ poolMax: 6 });
  knex = database.knex;
  [{ id: accountId }] = await knex('customer_accounts').insert({ partner_id: null, name: unique('Race Account') }).returning('id');
});
afterAll(async () => database.close());

/** A vendor opportunity offered to the partner as lead (Delivered), set up directly. */
async function offered(partnerId: number): Promise<{ opportunityId: number; distributionId: number }> {
  const [o] = await knex('opportunities')
    .insert({ source: 'vendor', topic: unique('Race'), account_id: accountId, currency: 'USD', value: 1000, value_base: 1000, rate_date: '2026-01-01', state: 'distributed', lead_partner_id: partnerId })
    .returning('id');
  const [d] = await knex('opportunity_distributions').insert({ opportunity_id: o.id, partner_id: partnerId, role: 'lead', accept_by: new Date(Date.now() + 3_600_000) }).returning('id');
  return { opportunityId: o.id, distributionId: d.id };
}

/** Runs the contenders in their own transactions, all having read the row before any of them writes. */
async function race(contenders: ((db: Knex.Transaction, d: Distribution) => Promise<void>)[], ctxs: Parameters<typeof inContext>[1][], distributionId: number) {
  const read = barrier(contenders.length);
  return Promise.allSettled(
    contenders.map((work, i) =>
      inContext(knex, ctxs[i]!, async (db) => {
        const d: Distribution = await db('opportunity_distributions').where({ id: distributionId }).first();
        await read();
        await work(db, d);
      }),
    ),
  );
}

describe('opportunity races (real PostgreSQL, pool of 6)', () => {
  it(`accepting the same distribution twice at once changes it once, ${ROUNDS} times over`, async () => {
    const partner = await createPartner(knex);
    const user = await createUser(knex, { partnerId: partner.id });
    const ctx = { context: 'partner' as const, partnerId: partner.id, userId: user.id };
    for (let round = 0; round < ROUNDS; round++) {
      const { opportunityId, distributionId } = await offered(partner.id);
      const accept = (db: Knex.Transaction, d: Distribution) => answer(db, d, 'accept', { userId: user.id });
      const results = await race([accept, accept], [ctx, ctx], distributionId);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(StateError);
      expect(lost.reason.current).toBe('accepted');
      expect(await knex('opportunity_events').where({ opportunity_id: opportunityId, kind: 'accepted' })).toHaveLength(2);
      expect((await knex('opportunities').where({ id: opportunityId }).first()).state).toBe('accepted');
    }
  });

  it(`a partner's accept racing a staff withdrawal leaves exactly one change, ${ROUNDS} times over`, async () => {
    const partner = await createPartner(knex);
    const user = await createUser(knex, { partnerId: partner.id });
    const staff = await createUser(knex, { role: 'channel_manager' });
    const outcomes = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const { opportunityId, distributionId } = await offered(partner.id);
      const results = await race(
        [(db, d) => answer(db, d, 'accept', { userId: user.id }), (db, d) => withdraw(db, d, 'delivered', staff.id)],
        [{ context: 'partner', partnerId: partner.id, userId: user.id }, { context: 'staff', userId: staff.id }],
        distributionId,
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(StateError);
      const final = (await knex('opportunity_distributions').where({ id: distributionId }).first()).state;
      expect(lost.reason.current).toBe(final);
      outcomes.add(final);
      const events = await knex('opportunity_events').where({ opportunity_id: opportunityId }).whereIn('kind', ['accepted', 'withdrawn']);
      expect(events.filter((e) => e.audience === 'partner')).toHaveLength(1);
    }
    expect([...outcomes].every((s) => s === 'accepted' || s === 'withdrawn')).toBe(true);
  });

  it(`two staff saving the same version: one save, one stale, ${ROUNDS} times over`, async () => {
    const staff = await createUser(knex, { role: 'channel_admin' });
    const ctx = { context: 'staff' as const, userId: staff.id };
    for (let round = 0; round < ROUNDS; round++) {
      const [o] = await knex('opportunities')
        .insert({ source: 'vendor', topic: 'Before', account_id: accountId, currency: 'USD', value: 1, value_base: 1, rate_date: '2026-01-01', state: 'open' })
        .returning(['id', 'version']);
      const together = barrier(2);
      const saved = await Promise.all(
        ['First', 'Second'].map((topic) =>
          inContext(knex, ctx, async (db) => {
            await together();
            return db('opportunities').where({ id: o.id, version: o.version }).update({ topic, version: o.version + 1 });
          }),
        ),
      );
      expect([...saved].sort()).toEqual([0, 1]);
      expect((await knex('opportunities').where({ id: o.id }).first()).version).toBe(o.version + 1);
    }
  });
});
