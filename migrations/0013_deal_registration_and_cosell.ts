import type { Knex } from 'knex';
import { exec, onlyAppMayExecute } from '../src/db/connect.ts';

const TENANT = `app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id())`;

/** Deal registration (exclusivity), co-selling with the vendor, and ratings of suggested deal notes. */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `CREATE TABLE deal_registrations (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       opportunity_id integer NOT NULL REFERENCES opportunities (id),
       partner_id integer NOT NULL REFERENCES partners (id),
       state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'info_requested', 'approved', 'rejected')),
       conflict boolean NOT NULL DEFAULT false,
       incentive_eligible boolean NOT NULL DEFAULT false,
       requested_by integer REFERENCES users (id),
       requested_at timestamptz NOT NULL DEFAULT now(),
       info_request text CHECK (length(info_request) <= 2000),
       info_answer text CHECK (length(info_answer) <= 2000),
       decided_by integer REFERENCES users (id),
       decided_at timestamptz,
       decision_note text CHECK (length(decision_note) <= 2000),
       exclusive_until timestamptz,
       version integer NOT NULL DEFAULT 1
     )`,
    // One registration in play per opportunity.
    `CREATE UNIQUE INDEX deal_registrations_open ON deal_registrations (opportunity_id) WHERE state IN ('pending', 'info_requested', 'approved')`,
    `ALTER TABLE deal_registrations ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE deal_registrations FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY deal_registrations_tenant ON deal_registrations USING (${TENANT}) WITH CHECK (${TENANT})`,
    `GRANT SELECT, INSERT, UPDATE ON deal_registrations TO portal_app`,
    `CREATE TRIGGER deal_registrations_frozen BEFORE INSERT OR UPDATE OR DELETE ON deal_registrations FOR EACH ROW EXECUTE FUNCTION opportunity_frozen()`,

    `CREATE TABLE cosell_requests (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       opportunity_id integer NOT NULL REFERENCES opportunities (id),
       partner_id integer NOT NULL REFERENCES partners (id),
       state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'declined')),
       message text CHECK (length(message) <= 2000),
       requested_by integer REFERENCES users (id),
       requested_at timestamptz NOT NULL DEFAULT now(),
       reason text CHECK (reason IN ('no_customer_record', 'not_managed', 'below_minimum', 'other')),
       reason_other text CHECK (length(reason_other) <= 500),
       vendor_contact text CHECK (length(vendor_contact) <= 300),
       decided_by integer REFERENCES users (id),
       decided_at timestamptz
     )`,
    `CREATE UNIQUE INDEX cosell_requests_open ON cosell_requests (opportunity_id) WHERE state IN ('pending', 'accepted')`,
    `ALTER TABLE cosell_requests ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE cosell_requests FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY cosell_requests_tenant ON cosell_requests USING (${TENANT}) WITH CHECK (${TENANT})`,
    `GRANT SELECT, INSERT, UPDATE ON cosell_requests TO portal_app`,
    `CREATE TRIGGER cosell_requests_frozen BEFORE INSERT OR UPDATE OR DELETE ON cosell_requests FOR EACH ROW EXECUTE FUNCTION opportunity_frozen()`,

    `CREATE TABLE note_suggestion_ratings (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       partner_id integer REFERENCES partners (id),
       user_id integer REFERENCES users (id),
       source text NOT NULL CHECK (source IN ('builtin', 'external')),
       rating text NOT NULL CHECK (rating IN ('happy', 'sad')),
       suggestion text NOT NULL CHECK (length(suggestion) <= 5000),
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `ALTER TABLE note_suggestion_ratings ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE note_suggestion_ratings FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY note_suggestion_ratings_tenant ON note_suggestion_ratings USING (${TENANT}) WITH CHECK (${TENANT})`,
    `GRANT SELECT, INSERT ON note_suggestion_ratings TO portal_app`,

    // Whether a registration would clash with another open registration or opportunity for the same customer
    // domain and vendor product: a yes or no for the partner, never whose or which.
    `CREATE FUNCTION registration_conflict(p_opportunity_id integer) RETURNS boolean
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT EXISTS (
           SELECT 1 FROM opportunities me
             JOIN customer_accounts ma ON ma.id = me.account_id
             JOIN opportunities other ON other.id <> me.id AND other.product_id IS NOT DISTINCT FROM me.product_id
             JOIN customer_accounts oa ON oa.id = other.account_id AND oa.website_domain = ma.website_domain
            WHERE me.id = p_opportunity_id AND ma.website_domain IS NOT NULL
              AND (app_is_staff() OR app_partner_sees_opportunity(me.id))
              AND (other.state IN ('open', 'distributed', 'accepted', 'submitted')
                   OR EXISTS (SELECT 1 FROM deal_registrations r WHERE r.opportunity_id = other.id AND r.state IN ('pending', 'info_requested', 'approved')))
         )
       $$`,

    // The customer contact of a vendor opportunity, for the partners working on it (accepted).
    `CREATE POLICY customer_contacts_opportunity ON customer_contacts FOR SELECT
       USING (partner_id IS NULL AND EXISTS (SELECT 1 FROM opportunities o
               WHERE o.contact_id = customer_contacts.id AND app_partner_follows_until(o.id) = 'infinity'::timestamptz))`,

    // The directory's responsiveness figure: median hours from an offer to the partner's answer.
    `CREATE OR REPLACE VIEW partner_directory WITH (security_barrier) AS
       SELECT p.id, p.name, p.website, p.country, p.countries_served, p.languages, p.level,
              ARRAY(SELECT s.product_id FROM partner_specialties s WHERE s.partner_id = p.id ORDER BY s.product_id) AS specialties,
              (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.answered_at - d.delivered_at) / 3600))::numeric, 1)
                 FROM opportunity_distributions d JOIN opportunities o ON o.id = d.opportunity_id AND o.source = 'vendor'
                WHERE d.partner_id = p.id AND d.answered_at IS NOT NULL) AS median_response_hours
         FROM partners p
        WHERE p.listed AND p.status = 'active' AND app_context() IS NOT NULL`,
  );
  await exec(
    knex,
    // A partner company's working users with their choice for an event, for the clock's reminders (staff context).
    `CREATE FUNCTION partner_recipients(p_partner_id integer, p_event text)
       RETURNS TABLE (id integer, email text, name text, locale text, channel text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT u.id, u.email, u.name, u.locale, np.channel FROM users u
           LEFT JOIN notification_preferences np ON np.user_id = u.id AND np.event_type = p_event
          WHERE u.partner_id = p_partner_id AND u.status = 'active' AND u.role IN ('partner_admin', 'sales_agent') AND app_is_staff()
          ORDER BY u.id
       $$`,
  );
  await onlyAppMayExecute(knex, 'registration_conflict(integer)', 'partner_recipients(integer, text)');
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP POLICY customer_contacts_opportunity ON customer_contacts`,
    `DROP VIEW partner_directory`,
    `CREATE VIEW partner_directory WITH (security_barrier) AS
       SELECT p.id, p.name, p.website, p.country, p.countries_served, p.languages, p.level,
              ARRAY(SELECT s.product_id FROM partner_specialties s WHERE s.partner_id = p.id ORDER BY s.product_id) AS specialties
         FROM partners p
        WHERE p.listed AND p.status = 'active' AND app_context() IS NOT NULL`,
    `GRANT SELECT ON partner_directory TO portal_app`,
  );
  await exec(knex, `DROP FUNCTION partner_recipients(integer, text)`, `DROP FUNCTION registration_conflict(integer)`, `DROP TABLE note_suggestion_ratings`, `DROP TABLE cosell_requests`, `DROP TABLE deal_registrations`);
}
