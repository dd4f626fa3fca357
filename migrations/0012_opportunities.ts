import type { Knex } from 'knex';
import { exec, onlyAppMayExecute } from '../src/db/connect.ts';

const TENANT = `app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id())`;
const TERMINAL = `('won', 'lost', 'rejected', 'expired')`;

/**
 * Opportunities, their distributions to partners, notes and timeline, partner solutions, exchange rates and the
 * routing settings. A partner reads an opportunity it created or one distributed to it (policy); which fields
 * it sees depends on its distribution's state (repository). A terminal opportunity is frozen by trigger.
 */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `ALTER TABLE vendor_settings
       ADD COLUMN routing_weights jsonb NOT NULL DEFAULT '{"country": 30, "specialty": 25, "gold": 15, "silver": 10, "registered": 5, "capacity": 15, "responsiveness": 10, "returns": 10}'::jsonb,
       ADD COLUMN accept_hours integer NOT NULL DEFAULT 72 CHECK (accept_hours BETWEEN 1 AND 720),
       ADD COLUMN stalled_days integer NOT NULL DEFAULT 14 CHECK (stalled_days BETWEEN 1 AND 365),
       ADD COLUMN overdue_days integer NOT NULL DEFAULT 30 CHECK (overdue_days BETWEEN 1 AND 365),
       ADD COLUMN exclusivity_days integer NOT NULL DEFAULT 90 CHECK (exclusivity_days BETWEEN 1 AND 730),
       ADD COLUMN cosell_min_value numeric(14, 2) NOT NULL DEFAULT 25000,
       ADD COLUMN cosell_min_currency char(3) NOT NULL DEFAULT 'USD'`,

    // Base-currency units per unit of the currency, from a date on; staff keep them.
    `CREATE TABLE exchange_rates (
       currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
       valid_from date NOT NULL,
       rate numeric(20, 10) NOT NULL CHECK (rate > 0),
       created_by integer REFERENCES users (id),
       PRIMARY KEY (currency, valid_from)
     )`,
    `ALTER TABLE exchange_rates ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE exchange_rates FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY exchange_rates_read ON exchange_rates FOR SELECT USING (app_context() IN ('partner', 'staff'))`,
    `CREATE POLICY exchange_rates_staff_insert ON exchange_rates FOR INSERT WITH CHECK (app_is_staff())`,
    `CREATE POLICY exchange_rates_staff_update ON exchange_rates FOR UPDATE USING (app_is_staff()) WITH CHECK (app_is_staff())`,
    `CREATE POLICY exchange_rates_staff_delete ON exchange_rates FOR DELETE USING (app_is_staff())`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON exchange_rates TO portal_app`,

    // A partner's own offerings, built on vendor products; staff publish them and mark co-sell readiness.
    `CREATE TABLE partner_solutions (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       partner_id integer NOT NULL REFERENCES partners (id),
       name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
       description text CHECK (length(description) <= 5000),
       product_ids integer[] NOT NULL DEFAULT '{}',
       status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'published', 'rejected')),
       co_sell_ready boolean NOT NULL DEFAULT false,
       incentive_eligible boolean NOT NULL DEFAULT false,
       reviewed_by integer REFERENCES users (id),
       reviewed_at timestamptz,
       version integer NOT NULL DEFAULT 1,
       created_at timestamptz NOT NULL DEFAULT now(),
       UNIQUE (id, partner_id)
     )`,
    `ALTER TABLE partner_solutions ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE partner_solutions FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY partner_solutions_tenant ON partner_solutions USING (${TENANT}) WITH CHECK (${TENANT})`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON partner_solutions TO portal_app`,

    `CREATE TABLE opportunities (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       source text NOT NULL CHECK (source IN ('vendor', 'partner')),
       partner_id integer REFERENCES partners (id),
       topic text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
       account_id integer NOT NULL REFERENCES customer_accounts (id),
       contact_id integer REFERENCES customer_contacts (id) ON DELETE SET NULL,
       currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
       value numeric(14, 2) NOT NULL CHECK (value >= 0),
       value_base numeric(16, 2) NOT NULL CHECK (value_base >= 0),
       rate_date date NOT NULL,
       close_date date,
       situation text CHECK (length(situation) <= 5000),
       need text CHECK (length(need) <= 5000),
       proposed_solution text CHECK (length(proposed_solution) <= 5000),
       product_id integer REFERENCES products (id),
       solution_id integer REFERENCES partner_solutions (id),
       country char(2) CHECK (country ~ '^[A-Z]{2}$'),
       offer_until date,
       state text NOT NULL CHECK (state IN ('open', 'distributed', 'accepted', 'won', 'lost', 'submitted', 'rejected', 'expired')),
       stage text CHECK (stage IN ('qualify', 'develop', 'propose', 'close')),
       auto_routing boolean NOT NULL DEFAULT false,
       lead_partner_id integer REFERENCES partners (id),
       owner_user_id integer REFERENCES users (id),
       close_reason text,
       close_reason_other text CHECK (length(close_reason_other) <= 500),
       version integer NOT NULL DEFAULT 1,
       created_by integer REFERENCES users (id),
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now(),
       state_changed_at timestamptz NOT NULL DEFAULT now(),
       -- A partner's deal is on its own account; a vendor opportunity on the vendor's (checked by the service).
       CHECK ((source = 'partner') = (partner_id IS NOT NULL)),
       FOREIGN KEY (account_id, partner_id) REFERENCES customer_accounts (id, partner_id)
     )`,
    `CREATE INDEX opportunities_account ON opportunities (account_id)`,
    `CREATE INDEX opportunities_state ON opportunities (state, state_changed_at)`,
    `CREATE INDEX opportunities_partner ON opportunities (partner_id) WHERE partner_id IS NOT NULL`,

    `CREATE TABLE opportunity_distributions (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       opportunity_id integer NOT NULL REFERENCES opportunities (id),
       partner_id integer NOT NULL REFERENCES partners (id),
       role text NOT NULL CHECK (role IN ('lead', 'collaborator')),
       state text NOT NULL DEFAULT 'delivered' CHECK (state IN ('delivered', 'accepted', 'declined', 'expired', 'withdrawn', 'returned')),
       accept_by timestamptz NOT NULL,
       routed text NOT NULL DEFAULT 'hand' CHECK (routed IN ('hand', 'auto')),
       explanation jsonb,
       delivered_by integer REFERENCES users (id),
       delivered_at timestamptz NOT NULL DEFAULT now(),
       answered_at timestamptz,
       ended_at timestamptz,
       reason text,
       reason_other text CHECK (length(reason_other) <= 500),
       reminded_at timestamptz
     )`,
    // One live distribution per partner, and one live lead, per opportunity.
    `CREATE UNIQUE INDEX opportunity_distributions_live ON opportunity_distributions (opportunity_id, partner_id) WHERE state IN ('delivered', 'accepted')`,
    `CREATE UNIQUE INDEX opportunity_distributions_lead ON opportunity_distributions (opportunity_id) WHERE role = 'lead' AND state IN ('delivered', 'accepted')`,
    `CREATE INDEX opportunity_distributions_partner ON opportunity_distributions (partner_id, state)`,
    `CREATE INDEX opportunity_distributions_due ON opportunity_distributions (accept_by) WHERE state = 'delivered'`,

    `CREATE TABLE opportunity_notes (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       opportunity_id integer NOT NULL REFERENCES opportunities (id),
       partner_id integer REFERENCES partners (id),
       author_user_id integer REFERENCES users (id),
       visibility text NOT NULL CHECK (visibility IN ('company', 'shared')),
       body text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE INDEX opportunity_notes_opportunity ON opportunity_notes (opportunity_id, created_at)`,

    // The timeline: state changes and edits. audience 'shared': everyone on the opportunity; 'staff': the vendor
    // only; 'partner': the vendor and the partner named (its own distribution's events).
    `CREATE TABLE opportunity_events (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       opportunity_id integer NOT NULL REFERENCES opportunities (id),
       partner_id integer REFERENCES partners (id),
       actor_user_id integer REFERENCES users (id),
       audience text NOT NULL CHECK (audience IN ('shared', 'staff', 'partner')),
       kind text NOT NULL,
       data jsonb NOT NULL DEFAULT '{}'::jsonb,
       at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE INDEX opportunity_events_opportunity ON opportunity_events (opportunity_id, at)`,

    // What a partner may see, in one place: its own deals, and opportunities distributed to it.
    `CREATE FUNCTION app_partner_sees_opportunity(p_opportunity_id integer) RETURNS boolean
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT EXISTS (SELECT 1 FROM opportunities o WHERE o.id = p_opportunity_id AND o.partner_id = app_partner_id())
             OR EXISTS (SELECT 1 FROM opportunity_distributions d WHERE d.opportunity_id = p_opportunity_id AND d.partner_id = app_partner_id())
       $$`,
    // Until when a partner follows what is shared on an opportunity: while it works it (accepted, or its own
    // deal), and up to the end of its distribution afterwards. Delivered only: nothing (it sees the summary).
    `CREATE FUNCTION app_partner_follows_until(p_opportunity_id integer) RETURNS timestamptz
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT CASE
           WHEN EXISTS (SELECT 1 FROM opportunities o WHERE o.id = p_opportunity_id AND o.partner_id = app_partner_id()) THEN 'infinity'::timestamptz
           ELSE (SELECT max(CASE WHEN d.state = 'accepted' THEN 'infinity'::timestamptz ELSE d.ended_at END)
                   FROM opportunity_distributions d
                  WHERE d.opportunity_id = p_opportunity_id AND d.partner_id = app_partner_id() AND d.answered_at IS NOT NULL AND d.state IN ('accepted', 'returned', 'withdrawn'))
         END
       $$`,

    `ALTER TABLE opportunities ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE opportunities FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY opportunities_read ON opportunities FOR SELECT USING (app_is_staff() OR partner_id = app_partner_id() OR app_partner_sees_opportunity(id))`,
    `CREATE POLICY opportunities_staff_write ON opportunities FOR INSERT WITH CHECK (app_is_staff() OR (source = 'partner' AND partner_id = app_partner_id() AND state = 'submitted'))`,
    // A partner changes an opportunity only as its accepted lead, or its own deal while submitted.
    `CREATE POLICY opportunities_update ON opportunities FOR UPDATE
       USING (app_is_staff() OR lead_partner_id = app_partner_id() OR (partner_id = app_partner_id() AND state = 'submitted'))
       WITH CHECK (app_is_staff() OR lead_partner_id = app_partner_id() OR (partner_id = app_partner_id() AND state = 'submitted'))`,
    `GRANT SELECT, INSERT, UPDATE ON opportunities TO portal_app`,

    `ALTER TABLE opportunity_distributions ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE opportunity_distributions FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY opportunity_distributions_read ON opportunity_distributions FOR SELECT USING (${TENANT})`,
    `CREATE POLICY opportunity_distributions_insert ON opportunity_distributions FOR INSERT WITH CHECK (app_is_staff())`,
    `CREATE POLICY opportunity_distributions_update ON opportunity_distributions FOR UPDATE USING (${TENANT}) WITH CHECK (${TENANT})`,
    `GRANT SELECT, INSERT, UPDATE ON opportunity_distributions TO portal_app`,

    `ALTER TABLE opportunity_notes ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE opportunity_notes FORCE ROW LEVEL SECURITY`,
    // Company notes stay with their company (the vendor's with staff); shared notes reach the vendor and every
    // partner following the opportunity, up to the end of its part in it.
    `CREATE POLICY opportunity_notes_read ON opportunity_notes FOR SELECT USING (
       CASE WHEN app_is_staff() THEN partner_id IS NULL OR visibility = 'shared'
            ELSE partner_id = app_partner_id() OR (visibility = 'shared' AND created_at <= app_partner_follows_until(opportunity_id)) END)`,
    `CREATE POLICY opportunity_notes_insert ON opportunity_notes FOR INSERT WITH CHECK (
       (app_is_staff() AND partner_id IS NULL) OR (partner_id = app_partner_id() AND app_partner_follows_until(opportunity_id) = 'infinity'::timestamptz))`,
    `GRANT SELECT, INSERT ON opportunity_notes TO portal_app`,

    `ALTER TABLE opportunity_events ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE opportunity_events FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY opportunity_events_read ON opportunity_events FOR SELECT USING (
       app_is_staff() OR (audience = 'partner' AND partner_id = app_partner_id())
       OR (audience = 'shared' AND at <= app_partner_follows_until(opportunity_id)))`,
    `CREATE POLICY opportunity_events_insert ON opportunity_events FOR INSERT WITH CHECK (app_is_staff() OR app_partner_sees_opportunity(opportunity_id))`,
    `GRANT SELECT, INSERT ON opportunity_events TO portal_app`,

    // The vendor's account behind an opportunity distributed to a partner: readable (the page shows its name).
    `CREATE POLICY customer_accounts_distributed ON customer_accounts FOR SELECT
       USING (partner_id IS NULL AND EXISTS (SELECT 1 FROM opportunities o WHERE o.account_id = customer_accounts.id AND app_partner_sees_opportunity(o.id)))`,

    // Terminal opportunities are frozen for everyone, whatever the query: the service says so first (409);
    // this is the backstop. SQLSTATE PF409 lets the app recognise it.
    `CREATE FUNCTION opportunity_frozen() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
       DECLARE s text;
       BEGIN
         IF TG_TABLE_NAME = 'opportunities' THEN
           s := OLD.state;
         ELSE
           SELECT o.state INTO s FROM opportunities o WHERE o.id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.opportunity_id ELSE NEW.opportunity_id END);
         END IF;
         IF s IN ${TERMINAL} THEN
           RAISE EXCEPTION 'opportunity is closed (%)', s USING ERRCODE = 'PF409';
         END IF;
         RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
       END $$`,
    `CREATE TRIGGER opportunities_frozen BEFORE UPDATE OR DELETE ON opportunities FOR EACH ROW EXECUTE FUNCTION opportunity_frozen()`,
    `CREATE TRIGGER opportunity_distributions_frozen BEFORE INSERT OR UPDATE OR DELETE ON opportunity_distributions FOR EACH ROW EXECUTE FUNCTION opportunity_frozen()`,

    // Names of the other partners on an opportunity the viewer may see (collaboration), not their partner rows.
    `CREATE FUNCTION opportunity_partners(p_opportunity_id integer)
       RETURNS TABLE (partner_id integer, name text, role text, state text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT d.partner_id, p.name, d.role, d.state FROM opportunity_distributions d JOIN partners p ON p.id = d.partner_id
          WHERE d.opportunity_id = p_opportunity_id AND d.state IN ('delivered', 'accepted')
            AND (app_is_staff() OR app_partner_follows_until(p_opportunity_id) = 'infinity'::timestamptz)
          ORDER BY d.role DESC, p.name
       $$`,
  );
  await onlyAppMayExecute(knex, 'app_partner_sees_opportunity(integer)', 'app_partner_follows_until(integer)', 'opportunity_partners(integer)');
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP FUNCTION opportunity_partners(integer)`,
    `DROP POLICY customer_accounts_distributed ON customer_accounts`,
    `DROP TABLE opportunity_events`,
    `DROP TABLE opportunity_notes`,
    `DROP TABLE opportunity_distributions`,
    `DROP TABLE opportunities`,
    `DROP FUNCTION opportunity_frozen()`,
    `DROP FUNCTION app_partner_follows_until(integer)`,
    `DROP FUNCTION app_partner_sees_opportunity(integer)`,
    `DROP TABLE partner_solutions`,
    `DROP TABLE exchange_rates`,
    `ALTER TABLE vendor_settings DROP COLUMN routing_weights, DROP COLUMN accept_hours, DROP COLUMN stalled_days, DROP COLUMN overdue_days,
       DROP COLUMN exclusivity_days, DROP COLUMN cosell_min_value, DROP COLUMN cosell_min_currency`,
  );
}
