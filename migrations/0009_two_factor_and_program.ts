import type { Knex } from 'knex';
import { exec, onlyAppMayExecute } from '../src/db/connect.ts';

export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `ALTER TABLE vendor_settings
       ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false,
       ADD COLUMN program_text jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(program_text) = 'object')`,

    // The secret is readable by no request query; sign-in asks the functions below.
    `ALTER TABLE users ADD COLUMN totp_secret text, ADD COLUMN totp_enabled_at timestamptz, ADD COLUMN last_sign_in_at timestamptz`,
    `GRANT SELECT (totp_enabled_at, last_sign_in_at) ON users TO portal_app`,
    `CREATE TABLE user_recovery_codes (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
       code_hash text NOT NULL,
       used_at timestamptz
     )`,
    `CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id)`,
    `ALTER TABLE user_recovery_codes ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE user_recovery_codes FORCE ROW LEVEL SECURITY`,
    `REVOKE ALL ON user_recovery_codes FROM portal_app`,

    `DROP FUNCTION auth_sign_in_lookup(text)`,
    `CREATE FUNCTION auth_sign_in_lookup(p_email text)
       RETURNS TABLE (user_id integer, kind text, partner_id integer, role text, password_hash text, user_status text,
                      partner_status text, two_factor boolean)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT u.id, u.kind, u.partner_id, u.role, u.password_hash, u.status, p.status, u.totp_enabled_at IS NOT NULL
           FROM users u LEFT JOIN partners p ON p.id = u.partner_id
          WHERE lower(u.email) = lower(p_email) AND app_context() = 'signin'
       $$`,
    // The second step of sign-in, for a user whose password was just checked.
    `CREATE FUNCTION auth_totp_secret(p_user_id integer) RETURNS text
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$ SELECT totp_secret FROM users WHERE id = p_user_id AND totp_enabled_at IS NOT NULL AND app_context() = 'signin' $$`,
    `CREATE FUNCTION auth_use_recovery_code(p_user_id integer, p_code_hash text) RETURNS boolean
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
       BEGIN
         IF app_context() IS DISTINCT FROM 'signin' THEN RETURN false; END IF;
         UPDATE user_recovery_codes SET used_at = now()
          WHERE id = (SELECT id FROM user_recovery_codes WHERE user_id = p_user_id AND code_hash = p_code_hash AND used_at IS NULL LIMIT 1);
         RETURN FOUND;
       END
       $$`,
    `CREATE FUNCTION auth_record_sign_in(p_user_id integer) RETURNS void
       LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$ UPDATE users SET last_sign_in_at = now() WHERE id = p_user_id AND app_context() = 'signin' $$`,
    // Turning two-factor on or off for oneself.
    `CREATE FUNCTION set_own_two_factor(p_secret text, p_code_hashes text[]) RETURNS boolean
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
       BEGIN
         IF app_context() NOT IN ('partner', 'staff') THEN RETURN false; END IF;
         UPDATE users SET totp_secret = p_secret, totp_enabled_at = CASE WHEN p_secret IS NULL THEN NULL ELSE now() END,
                          updated_at = now()
          WHERE id = app_user_id();
         DELETE FROM user_recovery_codes WHERE user_id = app_user_id();
         INSERT INTO user_recovery_codes (user_id, code_hash) SELECT app_user_id(), h FROM unnest(p_code_hashes) AS h;
         RETURN true;
       END
       $$`,
    `CREATE FUNCTION own_recovery_codes_left() RETURNS integer
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$ SELECT count(*)::integer FROM user_recovery_codes WHERE user_id = app_user_id() AND used_at IS NULL $$`,
  );
  await onlyAppMayExecute(
    knex,
    'auth_sign_in_lookup(text)',
    'auth_totp_secret(integer)',
    'auth_use_recovery_code(integer, text)',
    'auth_record_sign_in(integer)',
    'set_own_two_factor(text, text[])',
    'own_recovery_codes_left()',
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP FUNCTION own_recovery_codes_left()`,
    `DROP FUNCTION set_own_two_factor(text, text[])`,
    `DROP FUNCTION auth_record_sign_in(integer)`,
    `DROP FUNCTION auth_use_recovery_code(integer, text)`,
    `DROP FUNCTION auth_totp_secret(integer)`,
    `DROP FUNCTION auth_sign_in_lookup(text)`,
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
    `DROP TABLE user_recovery_codes`,
    `REVOKE SELECT (totp_enabled_at, last_sign_in_at) ON users FROM portal_app`,
    `ALTER TABLE users DROP COLUMN totp_secret, DROP COLUMN totp_enabled_at, DROP COLUMN last_sign_in_at`,
    `ALTER TABLE vendor_settings DROP COLUMN require_two_factor, DROP COLUMN program_text`,
  );
}
