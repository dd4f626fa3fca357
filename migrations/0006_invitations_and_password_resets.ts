import type { Knex } from 'knex';
import { exec, onlyAppMayExecute } from '../src/db/connect.ts';

export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    // Invitations of a partner's employees and of vendor staff. Only a hash of the link's token is stored.
    `CREATE TABLE invitations (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       kind text NOT NULL CHECK (kind IN ('partner', 'staff')),
       partner_id integer REFERENCES partners (id) ON DELETE CASCADE,
       email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
       role text NOT NULL,
       token_hash text NOT NULL UNIQUE,
       expires_at timestamptz NOT NULL,
       invited_by integer REFERENCES users (id),
       created_at timestamptz NOT NULL DEFAULT now(),
       accepted_at timestamptz,
       accepted_user_id integer REFERENCES users (id),
       revoked_at timestamptz,
       CONSTRAINT invitations_kind_role CHECK (
         (kind = 'staff' AND partner_id IS NULL AND role IN ('channel_admin', 'channel_manager', 'support_agent'))
         OR (kind = 'partner' AND partner_id IS NOT NULL AND role IN ('partner_admin', 'sales_agent'))
       )
     )`,
    `CREATE INDEX invitations_partner ON invitations (partner_id)`,
    `ALTER TABLE invitations ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE invitations FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY invitations_tenant ON invitations
       USING (app_is_staff() OR (kind = 'partner' AND partner_id = app_partner_id()))
       WITH CHECK (app_is_staff() OR (kind = 'partner' AND partner_id = app_partner_id()))`,
    `GRANT SELECT (id, kind, partner_id, email, role, expires_at, invited_by, created_at, accepted_at, accepted_user_id, revoked_at),
           INSERT (kind, partner_id, email, role, token_hash, expires_at, invited_by),
           UPDATE (revoked_at)
       ON invitations TO portal_app`,

    // What the invitation page shows before anyone is signed in: resolved by the token's hash, in the link context only.
    `CREATE FUNCTION invitation_by_token(p_token_hash text)
       RETURNS TABLE (id integer, kind text, partner_id integer, partner_name text, email text, role text,
                      expires_at timestamptz, accepted_at timestamptz, revoked_at timestamptz, partner_status text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT i.id, i.kind, i.partner_id, p.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, p.status
           FROM invitations i LEFT JOIN partners p ON p.id = i.partner_id
          WHERE i.token_hash = p_token_hash AND app_context() = 'link'
       $$`,
    // Accepting creates the account and uses up the invitation in one statement; a second use finds nothing.
    `CREATE FUNCTION accept_invitation(p_token_hash text, p_name text, p_password_hash text, p_locale text)
       RETURNS TABLE (user_id integer, kind text, partner_id integer)
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
       DECLARE inv invitations;
       DECLARE new_id integer;
       BEGIN
         IF app_context() IS DISTINCT FROM 'link' THEN RETURN; END IF;
         SELECT * INTO inv FROM invitations i
          WHERE i.token_hash = p_token_hash AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
          FOR UPDATE;
         IF NOT FOUND THEN RETURN; END IF;
         INSERT INTO users (kind, partner_id, email, name, role, password_hash, locale)
           VALUES (inv.kind, inv.partner_id, inv.email, p_name, inv.role, p_password_hash, p_locale)
           RETURNING id INTO new_id;
         UPDATE invitations SET accepted_at = now(), accepted_user_id = new_id WHERE id = inv.id;
         RETURN QUERY SELECT new_id, inv.kind, inv.partner_id;
       END
       $$`,

    `CREATE TABLE password_resets (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
       token_hash text NOT NULL UNIQUE,
       expires_at timestamptz NOT NULL,
       used_at timestamptz,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    // No grant at all: only the functions below touch it.
    `ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE password_resets FORCE ROW LEVEL SECURITY`,
    `REVOKE ALL ON password_resets FROM portal_app`,

    // Starts a reset for an active account; returns who to email, or nothing (the caller says the same either way).
    `CREATE FUNCTION start_password_reset(p_email text, p_token_hash text, p_expires_at timestamptz)
       RETURNS TABLE (user_id integer, name text, email text, locale text)
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
       DECLARE u record;
       BEGIN
         IF app_context() IS DISTINCT FROM 'link' THEN RETURN; END IF;
         SELECT us.id, us.name, us.email, us.locale INTO u
           FROM users us LEFT JOIN partners p ON p.id = us.partner_id
          WHERE lower(us.email) = lower(p_email) AND us.status = 'active' AND (p.id IS NULL OR p.status <> 'suspended');
         IF NOT FOUND THEN RETURN; END IF;
         -- A new link replaces any earlier one that was not used.
         UPDATE password_resets SET used_at = now() WHERE password_resets.user_id = u.id AND used_at IS NULL;
         INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES (u.id, p_token_hash, p_expires_at);
         RETURN QUERY SELECT u.id, u.name, u.email, u.locale;
       END
       $$`,
    `CREATE FUNCTION password_reset_valid(p_token_hash text) RETURNS boolean
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT app_context() = 'link' AND EXISTS (
           SELECT 1 FROM password_resets r JOIN users u ON u.id = r.user_id
            WHERE r.token_hash = p_token_hash AND r.used_at IS NULL AND r.expires_at > now() AND u.status = 'active')
       $$`,
    `CREATE FUNCTION complete_password_reset(p_token_hash text, p_password_hash text) RETURNS integer
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
       DECLARE uid integer;
       BEGIN
         IF app_context() IS DISTINCT FROM 'link' THEN RETURN NULL; END IF;
         UPDATE password_resets r SET used_at = now()
          WHERE r.token_hash = p_token_hash AND r.used_at IS NULL AND r.expires_at > now()
          RETURNING r.user_id INTO uid;
         IF uid IS NULL THEN RETURN NULL; END IF;
         UPDATE users SET password_hash = p_password_hash, updated_at = now() WHERE id = uid AND status = 'active';
         IF NOT FOUND THEN RETURN NULL; END IF;
         RETURN uid;
       END
       $$`,

    // Email addresses are unique across the portal; a partner admin inviting someone cannot see other companies'
    // people, so this answers only whether the address is taken.
    `CREATE FUNCTION email_in_use(p_email text) RETURNS boolean
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$ SELECT app_context() IS NOT NULL AND EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(p_email)) $$`,

    // Changing one's own password: the current hash is readable only for the signed-in user, and only here.
    `CREATE FUNCTION own_password_hash() RETURNS text
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$ SELECT password_hash FROM users WHERE id = app_user_id() AND app_context() IN ('partner', 'staff') $$`,
    `CREATE FUNCTION set_own_password(p_password_hash text) RETURNS boolean
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
       BEGIN
         IF app_context() NOT IN ('partner', 'staff') THEN RETURN false; END IF;
         UPDATE users SET password_hash = p_password_hash, updated_at = now() WHERE id = app_user_id();
         RETURN FOUND;
       END
       $$`,
  );
  await onlyAppMayExecute(
    knex,
    'invitation_by_token(text)',
    'accept_invitation(text, text, text, text)',
    'start_password_reset(text, text, timestamptz)',
    'password_reset_valid(text)',
    'complete_password_reset(text, text)',
    'own_password_hash()',
    'set_own_password(text)',
    'email_in_use(text)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP FUNCTION email_in_use(text)`,
    `DROP FUNCTION set_own_password(text)`,
    `DROP FUNCTION own_password_hash()`,
    `DROP FUNCTION complete_password_reset(text, text)`,
    `DROP FUNCTION password_reset_valid(text)`,
    `DROP FUNCTION start_password_reset(text, text, timestamptz)`,
    `DROP TABLE password_resets`,
    `DROP FUNCTION accept_invitation(text, text, text, text)`,
    `DROP FUNCTION invitation_by_token(text)`,
    `DROP TABLE invitations`,
  );
}
