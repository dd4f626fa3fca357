import type { Knex } from 'knex';
import { APP_ROLE, type ContextKind } from './roles.ts';

export type DbContext = {
  context: ContextKind;
  userId?: number | undefined;
  partnerId?: number | undefined;
};

/**
 * The one way request code reaches the database: a transaction that first drops to the application role and
 * sets the context with transaction-local settings, so nothing survives on a pooled connection afterwards.
 */
export async function inContext<T>(knex: Knex, ctx: DbContext, work: (db: Knex.Transaction) => Promise<T>): Promise<T> {
  return knex.transaction(async (trx) => {
    await trx.raw(
      `SELECT set_config('role', ?, true), set_config('app.context', ?, true),
              set_config('app.user_id', ?, true), set_config('app.partner_id', ?, true)`,
      [APP_ROLE, ctx.context, ctx.userId == null ? '' : String(ctx.userId), ctx.partnerId == null ? '' : String(ctx.partnerId)],
    );
    return work(trx);
  });
}
