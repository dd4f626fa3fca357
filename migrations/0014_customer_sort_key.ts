import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

/**
 * A stored sort key for the customer list. Under row-level security a condition on lower(name) cannot be an
 * index condition (lower() is not leakproof, so it runs only after the policies), which made a deep keyset page
 * scan the whole book; text comparison on a column is leakproof, so the cursor is served by the index again.
 */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `ALTER TABLE customer_accounts ADD COLUMN sort_name text GENERATED ALWAYS AS (lower(name)) STORED`,
    `CREATE INDEX customer_accounts_book_sort ON customer_accounts (partner_id, sort_name, id)`,
    `DROP INDEX customer_accounts_book_name`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `CREATE INDEX customer_accounts_book_name ON customer_accounts (partner_id, lower(name), id)`,
    `DROP INDEX customer_accounts_book_sort`,
    `ALTER TABLE customer_accounts DROP COLUMN sort_name`,
  );
}
