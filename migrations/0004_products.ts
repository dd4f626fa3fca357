import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    // The vendor's catalogue. Descriptions per language live in one JSON object: { "en": "...", "de": "..." }.
    `CREATE TABLE products (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
       category text NOT NULL CHECK (category IN ('software', 'cloud', 'hardware', 'service', 'training', 'support')),
       description jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(description) = 'object'),
       status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
       version integer NOT NULL DEFAULT 1,
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE UNIQUE INDEX products_name_unique ON products (lower(name))`,
    `ALTER TABLE products ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE products FORCE ROW LEVEL SECURITY`,
    // Everyone (the public application form too) sees active products; staff see and change all of them.
    `CREATE POLICY products_read ON products FOR SELECT USING (app_context() IS NOT NULL AND (status = 'active' OR app_is_staff()))`,
    `CREATE POLICY products_staff_insert ON products FOR INSERT WITH CHECK (app_is_staff())`,
    `CREATE POLICY products_staff_update ON products FOR UPDATE USING (app_is_staff()) WITH CHECK (app_is_staff())`,
    `GRANT SELECT, INSERT, UPDATE ON products TO portal_app`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(knex, `DROP TABLE products`);
}
