import type { Knex } from 'knex';
import { exec, onlyAppMayExecute } from '../src/db/connect.ts';

/**
 * Support cases: a partner user opens one (optionally about an opportunity its company may see), the support
 * team answers. A sales agent reads the cases they opened, a partner admin all of the company's; internal notes
 * are for staff only. A closed case is final, whoever asks (trigger, SQLSTATE PF409).
 */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    // First-response targets per priority: hours, or business days (Monday to Friday, in the vendor's time zone).
    `ALTER TABLE vendor_settings ADD COLUMN case_response_targets jsonb NOT NULL
       DEFAULT '{"urgent": {"hours": 1}, "high": {"hours": 4}, "normal": {"business_days": 1}, "low": {"business_days": 2}}'::jsonb`,

    // Whether the signed-in partner user is an admin of their company (the role lives in users, which the
    // policies below must not query through its own policy).
    `CREATE FUNCTION app_partner_admin() RETURNS boolean
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = app_user_id() AND u.partner_id = app_partner_id()
                          AND u.role = 'partner_admin' AND u.status = 'active')
       $$`,
    // Whether a company may see an opportunity (its own deal, or one distributed to it), whoever asks.
    `CREATE FUNCTION company_sees_opportunity(p_partner_id integer, p_opportunity_id integer) RETURNS boolean
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT EXISTS (SELECT 1 FROM opportunities o WHERE o.id = p_opportunity_id AND o.partner_id = p_partner_id)
             OR EXISTS (SELECT 1 FROM opportunity_distributions d WHERE d.opportunity_id = p_opportunity_id AND d.partner_id = p_partner_id)
       $$`,

    `CREATE TABLE cases (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       partner_id integer NOT NULL REFERENCES partners (id),
       opened_by integer NOT NULL REFERENCES users (id),
       title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
       description text NOT NULL CHECK (length(description) BETWEEN 1 AND 10000),
       category text NOT NULL CHECK (category IN ('technical', 'licensing', 'deal_registration', 'opportunity', 'program', 'billing', 'other')),
       priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
       status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'waiting_on_partner', 'resolved', 'closed')),
       opportunity_id integer REFERENCES opportunities (id),
       assignee_user_id integer REFERENCES users (id),
       first_response_due timestamptz NOT NULL,
       first_response_at timestamptz,
       resolved_at timestamptz,
       closed_at timestamptz,
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now(),
       version integer NOT NULL DEFAULT 1
     )`,
    `CREATE INDEX cases_partner ON cases (partner_id, updated_at DESC)`,
    `CREATE INDEX cases_open ON cases (status, first_response_due) WHERE status <> 'closed'`,
    `CREATE INDEX cases_opportunity ON cases (opportunity_id) WHERE opportunity_id IS NOT NULL`,
    `ALTER TABLE cases ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE cases FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY cases_read ON cases FOR SELECT USING (
       app_is_staff() OR (partner_id = app_partner_id() AND (opened_by = app_user_id() OR app_partner_admin())))`,
    `CREATE POLICY cases_open ON cases FOR INSERT WITH CHECK (
       app_is_staff() OR (partner_id = app_partner_id() AND opened_by = app_user_id()))`,
    `CREATE POLICY cases_change ON cases FOR UPDATE
       USING (app_is_staff() OR (partner_id = app_partner_id() AND (opened_by = app_user_id() OR app_partner_admin())))
       WITH CHECK (app_is_staff() OR partner_id = app_partner_id())`,
    `GRANT SELECT, INSERT, UPDATE ON cases TO portal_app`,

    // The conversation: comments (both sides), internal notes (staff), status changes and assignments.
    `CREATE TABLE case_entries (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       case_id integer NOT NULL REFERENCES cases (id),
       partner_id integer NOT NULL REFERENCES partners (id),
       kind text NOT NULL CHECK (kind IN ('comment', 'note', 'status', 'assignment')),
       author_user_id integer REFERENCES users (id),
       author_name text,
       author_staff boolean NOT NULL DEFAULT false,
       body text CHECK (length(body) <= 10000),
       from_status text,
       to_status text,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE INDEX case_entries_case ON case_entries (case_id, id)`,
    `ALTER TABLE case_entries ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE case_entries FORCE ROW LEVEL SECURITY`,
    // Partners read the comments and status changes of the cases they may read; notes and assignments never.
    `CREATE POLICY case_entries_read ON case_entries FOR SELECT USING (
       app_is_staff() OR (partner_id = app_partner_id() AND kind IN ('comment', 'status')
                          AND EXISTS (SELECT 1 FROM cases c WHERE c.id = case_entries.case_id)))`,
    `CREATE POLICY case_entries_write ON case_entries FOR INSERT WITH CHECK (
       app_is_staff() OR (partner_id = app_partner_id() AND kind IN ('comment', 'status') AND NOT author_staff
                          AND author_user_id = app_user_id() AND EXISTS (SELECT 1 FROM cases c WHERE c.id = case_entries.case_id)))`,
    `GRANT SELECT, INSERT ON case_entries TO portal_app`,

    // A case's entries carry the case's company, and its opportunity must be one that company may see:
    // checked here for every writer, staff included, so no edit can move a case onto another partner's deal.
    `CREATE FUNCTION case_guard() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND OLD.status = 'closed' THEN
           RAISE EXCEPTION 'case % is closed', OLD.id USING ERRCODE = 'PF409';
         END IF;
         IF TG_OP = 'UPDATE' AND NEW.partner_id <> OLD.partner_id THEN
           RAISE EXCEPTION 'a case stays with its company' USING ERRCODE = 'PF422';
         END IF;
         IF NEW.opportunity_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.opportunity_id IS DISTINCT FROM OLD.opportunity_id)
            AND NOT company_sees_opportunity(NEW.partner_id, NEW.opportunity_id) THEN
           RAISE EXCEPTION 'opportunity % is not one of this company''s', NEW.opportunity_id USING ERRCODE = 'PF422';
         END IF;
         RETURN NEW;
       END $$`,
    `CREATE TRIGGER cases_guard BEFORE INSERT OR UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION case_guard()`,
    `CREATE FUNCTION case_entry_guard() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
       DECLARE c cases%ROWTYPE;
       BEGIN
         SELECT * INTO c FROM cases WHERE id = NEW.case_id;
         IF c.partner_id IS DISTINCT FROM NEW.partner_id THEN
           RAISE EXCEPTION 'entry of another company' USING ERRCODE = 'PF422';
         END IF;
         -- The status entry that records the closing itself is written in the same transaction, after it.
         IF c.status = 'closed' AND NOT (NEW.kind = 'status' AND NEW.to_status = 'closed') THEN
           RAISE EXCEPTION 'case % is closed', c.id USING ERRCODE = 'PF409';
         END IF;
         RETURN NEW;
       END $$`,
    `CREATE TRIGGER case_entries_guard BEFORE INSERT ON case_entries FOR EACH ROW EXECUTE FUNCTION case_entry_guard()`,

    // Who hears of a partner's case: the opener (and its company's admins), for staff's replies and changes.
    `CREATE FUNCTION case_partner_recipients(p_case_id integer, p_event text)
       RETURNS TABLE (id integer, email text, name text, locale text, channel text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT u.id, u.email, u.name, u.locale, np.channel FROM cases c JOIN users u ON u.id = c.opened_by
           LEFT JOIN notification_preferences np ON np.user_id = u.id AND np.event_type = p_event
          WHERE c.id = p_case_id AND u.status = 'active' AND app_context() IS NOT NULL
       $$`,
  );
  await onlyAppMayExecute(knex, 'app_partner_admin()', 'company_sees_opportunity(integer, integer)', 'case_partner_recipients(integer, text)');
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP FUNCTION case_partner_recipients(integer, text)`,
    `DROP TABLE case_entries`,
    `DROP TABLE cases`,
    `DROP FUNCTION case_entry_guard()`,
    `DROP FUNCTION case_guard()`,
    `DROP FUNCTION company_sees_opportunity(integer, integer)`,
    `DROP FUNCTION app_partner_admin()`,
    `ALTER TABLE vendor_settings DROP COLUMN case_response_targets`,
  );
}
