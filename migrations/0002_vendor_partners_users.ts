import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    // One vendor per deployment: a single settings row.
    `CREATE TABLE vendor_settings (
       id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
       name text NOT NULL,
       base_currency char(3) NOT NULL DEFAULT 'USD' CHECK (base_currency ~ '^[A-Z]{3}$'),
       time_zone text NOT NULL DEFAULT 'UTC',
       version integer NOT NULL DEFAULT 1,
       updated_at timestamptz NOT NULL DEFAULT now()
     )`,
    `INSERT INTO vendor_settings (id, name) VALUES (1, 'Vendor')`,
    `ALTER TABLE vendor_settings ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE vendor_settings FORCE ROW LEVEL SECURITY`,
    // Every context, anonymous included, may read the vendor's name and defaults; only staff change them.
    `CREATE POLICY vendor_settings_read ON vendor_settings FOR SELECT USING (app_context() IS NOT NULL)`,
    `CREATE POLICY vendor_settings_staff_write ON vendor_settings FOR UPDATE USING (app_is_staff()) WITH CHECK (app_is_staff())`,
    `GRANT SELECT, UPDATE ON vendor_settings TO portal_app`,

    `CREATE TABLE partners (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
       status text NOT NULL DEFAULT 'applicant' CHECK (status IN ('applicant', 'active', 'rejected', 'suspended')),
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now()
     )`,
    `ALTER TABLE partners ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE partners FORCE ROW LEVEL SECURITY`,
    // The tenant wall: a partner context sees its own company row only.
    `CREATE POLICY partners_tenant ON partners USING (app_is_staff() OR id = app_partner_id())
       WITH CHECK (app_is_staff() OR id = app_partner_id())`,
    `GRANT SELECT, INSERT, UPDATE ON partners TO portal_app`,

    `CREATE TABLE users (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       kind text NOT NULL CHECK (kind IN ('staff', 'partner')),
       partner_id integer REFERENCES partners (id),
       email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
       name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
       role text NOT NULL,
       status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
       password_hash text,
       locale text CHECK (locale IN ('en', 'de', 'cs', 'et', 'it')),
       time_zone text,
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now(),
       CONSTRAINT users_kind_role CHECK (
         (kind = 'staff' AND partner_id IS NULL AND role IN ('channel_admin', 'channel_manager', 'support_agent'))
         OR (kind = 'partner' AND partner_id IS NOT NULL AND role IN ('partner_admin', 'sales_agent'))
       )
     )`,
    `CREATE UNIQUE INDEX users_email_unique ON users (lower(email))`,
    `CREATE INDEX users_partner ON users (partner_id)`,
    `ALTER TABLE users ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE users FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY users_tenant ON users USING (app_is_staff() OR partner_id = app_partner_id())
       WITH CHECK (app_is_staff() OR partner_id = app_partner_id())`,
    // No column grant on password_hash: request queries can never read a hash; sign-in goes through the function below.
    `GRANT SELECT (id, kind, partner_id, email, name, role, status, locale, time_zone, created_at, updated_at),
           UPDATE (name, role, status, locale, time_zone, updated_at)
       ON users TO portal_app`,

    // Sign-in runs before any partner or staff context exists: this narrow function returns only what that step needs.
    `CREATE FUNCTION auth_sign_in_lookup(p_email text)
       RETURNS TABLE (user_id integer, kind text, partner_id integer, password_hash text, user_status text, partner_status text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT u.id, u.kind, u.partner_id, u.password_hash, u.status, p.status
           FROM users u LEFT JOIN partners p ON p.id = u.partner_id
          WHERE lower(u.email) = lower(p_email) AND app_context() = 'signin'
       $$`,
    `REVOKE EXECUTE ON FUNCTION auth_sign_in_lookup(text) FROM PUBLIC`,
    `GRANT EXECUTE ON FUNCTION auth_sign_in_lookup(text) TO portal_app`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP FUNCTION auth_sign_in_lookup(text)`,
    `DROP TABLE users`,
    `DROP TABLE partners`,
    `DROP TABLE vendor_settings`,
  );
}
