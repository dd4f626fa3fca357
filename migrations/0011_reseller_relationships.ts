import type { Knex } from 'knex';
import { exec, onlyAppMayExecute } from '../src/db/connect.ts';

/**
 * Reseller relationships with customers, two-tier links between partners, private account notes and CSV imports.
 *
 * The one place where a partner sees another partner's customer: an indirect provider sees the accounts its
 * reseller shared through an accepted two-tier relationship. The crossing policies below allow exactly that, and
 * the reseller's private notes move to a table of their own that only the owning book can read.
 */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    // Staff link an indirect reseller to an indirect provider; both parties may read their links.
    `CREATE TABLE provider_links (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       reseller_partner_id integer NOT NULL REFERENCES partners (id),
       provider_partner_id integer NOT NULL REFERENCES partners (id),
       created_by integer REFERENCES users (id),
       created_at timestamptz NOT NULL DEFAULT now(),
       CHECK (reseller_partner_id <> provider_partner_id),
       UNIQUE (reseller_partner_id, provider_partner_id)
     )`,
    `CREATE INDEX provider_links_provider ON provider_links (provider_partner_id)`,
    `ALTER TABLE provider_links ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE provider_links FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY provider_links_read ON provider_links FOR SELECT
       USING (app_is_staff() OR reseller_partner_id = app_partner_id() OR provider_partner_id = app_partner_id())`,
    `CREATE POLICY provider_links_staff_insert ON provider_links FOR INSERT WITH CHECK (app_is_staff())`,
    `CREATE POLICY provider_links_staff_delete ON provider_links FOR DELETE USING (app_is_staff())`,
    `GRANT SELECT, INSERT, DELETE ON provider_links TO portal_app`,
    // The other party's name only, not its whole partner row (which stays behind the partners policy).
    `CREATE FUNCTION two_tier_links()
       RETURNS TABLE (id integer, reseller_partner_id integer, reseller_name text, provider_partner_id integer, provider_name text, created_at timestamptz)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT l.id, l.reseller_partner_id, r.name, l.provider_partner_id, p.name, l.created_at
           FROM provider_links l JOIN partners r ON r.id = l.reseller_partner_id JOIN partners p ON p.id = l.provider_partner_id
          WHERE app_is_staff() OR l.reseller_partner_id = app_partner_id() OR l.provider_partner_id = app_partner_id()
          ORDER BY r.name, p.name
       $$`,

    `CREATE TABLE customer_relationships (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       account_id integer NOT NULL,
       partner_id integer NOT NULL,
       provider_partner_id integer REFERENCES partners (id),
       status text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'declined', 'removed', 'superseded')),
       dap boolean NOT NULL,
       gdap_roles text[] NOT NULL DEFAULT '{}',
       gdap_days integer CHECK (gdap_days BETWEEN 1 AND 730),
       message text CHECK (length(message) <= 10000),
       invited_by integer REFERENCES users (id),
       invited_at timestamptz NOT NULL DEFAULT now(),
       expires_at timestamptz NOT NULL,
       sent_to_email text,
       sent_at timestamptz,
       responded_at timestamptz,
       responder_name text CHECK (length(responder_name) <= 200),
       gdap_expires_at timestamptz,
       gdap_revoked_at timestamptz,
       dap_ended_at timestamptz,
       removed_at timestamptz,
       removed_by integer REFERENCES users (id),
       CHECK (dap OR cardinality(gdap_roles) > 0),
       CHECK ((cardinality(gdap_roles) = 0) = (gdap_days IS NULL)),
       CHECK (provider_partner_id IS DISTINCT FROM partner_id),
       FOREIGN KEY (account_id, partner_id) REFERENCES customer_accounts (id, partner_id) ON DELETE CASCADE
     )`,
    // At most one open (invited or active) relationship per account; the rest is history.
    `CREATE UNIQUE INDEX customer_relationships_open ON customer_relationships (account_id) WHERE status IN ('invited', 'active')`,
    `CREATE INDEX customer_relationships_account ON customer_relationships (account_id, invited_at DESC)`,
    `CREATE INDEX customer_relationships_provider ON customer_relationships (provider_partner_id, account_id) WHERE status IN ('active', 'removed')`,
    `ALTER TABLE customer_relationships ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE customer_relationships FORCE ROW LEVEL SECURITY`,
    // The reseller writes its own; a provider named on it must be one the reseller is linked to.
    `CREATE POLICY customer_relationships_tenant ON customer_relationships
       USING (app_is_staff() OR partner_id = app_partner_id())
       WITH CHECK (app_is_staff() OR (partner_id = app_partner_id() AND (provider_partner_id IS NULL OR EXISTS (
         SELECT 1 FROM provider_links l WHERE l.reseller_partner_id = partner_id AND l.provider_partner_id = customer_relationships.provider_partner_id))))`,
    // The provider reads the relationships the customer accepted with it, never the pending invitations.
    `CREATE POLICY customer_relationships_provider ON customer_relationships FOR SELECT
       USING (provider_partner_id = app_partner_id() AND status IN ('active', 'removed'))`,
    `GRANT SELECT, INSERT, UPDATE ON customer_relationships TO portal_app`,
    `CREATE POLICY customer_accounts_provider ON customer_accounts FOR SELECT
       USING (EXISTS (SELECT 1 FROM customer_relationships r
                       WHERE r.account_id = customer_accounts.id AND r.provider_partner_id = app_partner_id() AND r.status IN ('active', 'removed')))`,

    // Private notes: only the owning book (and staff) can read them, whoever else may see the account.
    `CREATE TABLE customer_account_notes (
       account_id integer PRIMARY KEY REFERENCES customer_accounts (id) ON DELETE CASCADE,
       partner_id integer REFERENCES partners (id),
       notes text NOT NULL CHECK (length(notes) BETWEEN 1 AND 5000)
     )`,
    `INSERT INTO customer_account_notes (account_id, partner_id, notes) SELECT id, partner_id, notes FROM customer_accounts WHERE notes IS NOT NULL AND notes <> ''`,
    `ALTER TABLE customer_accounts DROP COLUMN notes`,
    `ALTER TABLE customer_account_notes ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE customer_account_notes FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY customer_account_notes_tenant ON customer_account_notes
       USING (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))
       WITH CHECK ((app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))
                   AND partner_id IS NOT DISTINCT FROM (SELECT a.partner_id FROM customer_accounts a WHERE a.id = account_id))`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON customer_account_notes TO portal_app`,

    `CREATE TABLE customer_imports (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       partner_id integer REFERENCES partners (id),
       user_id integer REFERENCES users (id),
       filename text NOT NULL,
       imported integer NOT NULL,
       rejected jsonb NOT NULL,
       rejects_csv text,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE INDEX customer_imports_book ON customer_imports (partner_id, created_at DESC)`,
    `ALTER TABLE customer_imports ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE customer_imports FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY customer_imports_tenant ON customer_imports
       USING (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))
       WITH CHECK (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))`,
    `GRANT SELECT, INSERT ON customer_imports TO portal_app`,

    // The customer's side, reached through a signed link without an account: what is asked, and by whom.
    `CREATE FUNCTION customer_relationship_for_link(p_id integer)
       RETURNS TABLE (id integer, status text, expires_at timestamptz, dap boolean, gdap_roles text[], gdap_days integer,
                      responded_at timestamptz, responder_name text, removed_at timestamptz, account_id integer, account_name text,
                      partner_id integer, partner_name text, provider_partner_id integer, provider_name text, partner_status text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT r.id, r.status, r.expires_at, r.dap, r.gdap_roles, r.gdap_days, r.responded_at, r.responder_name, r.removed_at,
                a.id, a.name, p.id, p.name, v.id, v.name, p.status
           FROM customer_relationships r
           JOIN customer_accounts a ON a.id = r.account_id
           JOIN partners p ON p.id = r.partner_id
           LEFT JOIN partners v ON v.id = r.provider_partner_id
          WHERE r.id = p_id AND app_context() = 'link'
       $$`,
    // Accept or decline in one statement; a second answer, an expired link or a replaced invitation finds nothing.
    `CREATE FUNCTION respond_customer_relationship(p_id integer, p_accept boolean, p_name text)
       RETURNS TABLE (status text, account_id integer, partner_id integer)
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
       DECLARE rel customer_relationships;
       DECLARE new_status text := CASE WHEN p_accept THEN 'active' ELSE 'declined' END;
       BEGIN
         IF app_context() IS DISTINCT FROM 'link' THEN RETURN; END IF;
         SELECT * INTO rel FROM customer_relationships r
          WHERE r.id = p_id AND r.status = 'invited' AND r.expires_at > now()
          FOR UPDATE;
         IF NOT FOUND THEN RETURN; END IF;
         UPDATE customer_relationships r
            SET status = new_status, responded_at = now(), responder_name = p_name,
                gdap_expires_at = CASE WHEN p_accept AND rel.gdap_days IS NOT NULL THEN now() + make_interval(days => rel.gdap_days) END
          WHERE r.id = rel.id;
         UPDATE customer_accounts a SET relationship_status = new_status, updated_at = now() WHERE a.id = rel.account_id;
         RETURN QUERY SELECT new_status, rel.account_id, rel.partner_id;
       END
       $$`,
    // Who hears about the answer: the inviter and the admins of the partner (and of the provider, for two tiers).
    `CREATE FUNCTION customer_relationship_recipients(p_id integer, p_event text)
       RETURNS TABLE (id integer, email text, name text, locale text, channel text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT u.id, u.email, u.name, u.locale, np.channel
           FROM customer_relationships r
           JOIN users u ON u.status = 'active' AND (u.id = r.invited_by
                OR (u.role = 'partner_admin' AND u.partner_id IN (r.partner_id, r.provider_partner_id)))
           LEFT JOIN notification_preferences np ON np.user_id = u.id AND np.event_type = p_event
          WHERE r.id = p_id AND app_context() = 'link'
          ORDER BY u.id
       $$`,
  );
  await onlyAppMayExecute(knex, 'two_tier_links()', 'customer_relationship_for_link(integer)', 'respond_customer_relationship(integer, boolean, text)', 'customer_relationship_recipients(integer, text)');
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP FUNCTION customer_relationship_recipients(integer, text)`,
    `DROP FUNCTION respond_customer_relationship(integer, boolean, text)`,
    `DROP FUNCTION customer_relationship_for_link(integer)`,
    `DROP TABLE customer_imports`,
    `ALTER TABLE customer_accounts ADD COLUMN notes text CHECK (length(notes) <= 5000)`,
    `UPDATE customer_accounts a SET notes = n.notes FROM customer_account_notes n WHERE n.account_id = a.id`,
    `DROP TABLE customer_account_notes`,
    `DROP POLICY customer_accounts_provider ON customer_accounts`,
    `DROP TABLE customer_relationships`,
    `DROP FUNCTION two_tier_links()`,
    `DROP TABLE provider_links`,
  );
}
