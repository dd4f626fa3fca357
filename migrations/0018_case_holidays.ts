import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

/**
 * Days the support team does not work besides weekends (public holidays, a company closure), as local dates
 * 'YYYY-MM-DD' in the vendor's time zone: business-day first-response targets skip them.
 */
export async function up(knex: Knex): Promise<void> {
  await exec(knex, `ALTER TABLE vendor_settings ADD COLUMN case_holidays jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(case_holidays) = 'array')`);
}

export async function down(knex: Knex): Promise<void> {
  await exec(knex, `ALTER TABLE vendor_settings DROP COLUMN case_holidays`);
}
