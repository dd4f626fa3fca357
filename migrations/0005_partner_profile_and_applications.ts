import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `CREATE EXTENSION IF NOT EXISTS pg_trgm`,
    `ALTER TABLE partners
       ADD COLUMN website text CHECK (length(website) <= 300),
       ADD COLUMN website_domain text,
       ADD COLUMN country char(2) CHECK (country ~ '^[A-Z]{2}$'),
       ADD COLUMN address text CHECK (length(address) <= 500),
       ADD COLUMN phone text CHECK (length(phone) <= 50),
       ADD COLUMN registration_number text CHECK (length(registration_number) <= 50),
       ADD COLUMN employee_count integer CHECK (employee_count >= 0),
       ADD COLUMN countries_served text[] NOT NULL DEFAULT '{}',
       ADD COLUMN languages text[] NOT NULL DEFAULT '{}',
       ADD COLUMN level text CHECK (level IN ('registered', 'silver', 'gold')),
       ADD COLUMN capacity integer CHECK (capacity >= 0),
       ADD COLUMN listed boolean NOT NULL DEFAULT false,
       ADD COLUMN applied_at timestamptz,
       ADD COLUMN decided_at timestamptz,
       ADD COLUMN decided_by integer REFERENCES users (id),
       ADD COLUMN rejection_reason text CHECK (length(rejection_reason) <= 2000),
       ADD COLUMN duplicate_flags jsonb NOT NULL DEFAULT '[]'::jsonb,
       ADD COLUMN version integer NOT NULL DEFAULT 1,
       ADD COLUMN profile_version integer NOT NULL DEFAULT 1`,
    `CREATE INDEX partners_status_applied ON partners (status, applied_at)`,
    `CREATE INDEX partners_domain ON partners (website_domain)`,
    `CREATE INDEX partners_name_trgm ON partners USING gin (lower(name) gin_trgm_ops)`,

    `CREATE TABLE partner_specialties (
       partner_id integer NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
       product_id integer NOT NULL REFERENCES products (id),
       PRIMARY KEY (partner_id, product_id)
     )`,
    `ALTER TABLE partner_specialties ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE partner_specialties FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY partner_specialties_tenant ON partner_specialties USING (app_is_staff() OR partner_id = app_partner_id())
       WITH CHECK (app_is_staff() OR partner_id = app_partner_id())`,
    `GRANT SELECT, INSERT, DELETE ON partner_specialties TO portal_app`,

    // The public directory: listed, active partners, and only the columns meant for the public.
    // A view (running with its owner's rights) is the one crossing; partners' own rows stay behind their policy.
    `CREATE VIEW partner_directory WITH (security_barrier) AS
       SELECT p.id, p.name, p.website, p.country, p.countries_served, p.languages, p.level,
              ARRAY(SELECT s.product_id FROM partner_specialties s WHERE s.partner_id = p.id ORDER BY s.product_id) AS specialties
         FROM partners p
        WHERE p.listed AND p.status = 'active' AND app_context() IS NOT NULL`,
    `GRANT SELECT ON partner_directory TO portal_app`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP VIEW partner_directory`,
    `DROP TABLE partner_specialties`,
    `ALTER TABLE partners DROP COLUMN website, DROP COLUMN website_domain, DROP COLUMN country, DROP COLUMN address,
       DROP COLUMN phone, DROP COLUMN registration_number, DROP COLUMN employee_count, DROP COLUMN countries_served,
       DROP COLUMN languages, DROP COLUMN level, DROP COLUMN capacity, DROP COLUMN listed, DROP COLUMN applied_at,
       DROP COLUMN decided_at, DROP COLUMN decided_by, DROP COLUMN rejection_reason, DROP COLUMN duplicate_flags,
       DROP COLUMN version, DROP COLUMN profile_version`,
  );
}
