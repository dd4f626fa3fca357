import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    // Who did what, when, with the values before and after. Append-only for the application role.
    `CREATE TABLE audit_events (
       id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       at timestamptz NOT NULL DEFAULT now(),
       actor_user_id integer REFERENCES users (id),
       actor_partner_id integer REFERENCES partners (id),
       partner_id integer REFERENCES partners (id),
       entity_type text NOT NULL,
       entity_id text NOT NULL,
       action text NOT NULL,
       summary text,
       before jsonb,
       after jsonb,
       visibility text NOT NULL DEFAULT 'company' CHECK (visibility IN ('company', 'staff')),
       request_id text
     )`,
    `CREATE INDEX audit_events_at ON audit_events (at DESC, id DESC)`,
    `CREATE INDEX audit_events_partner ON audit_events (partner_id, at DESC)`,
    `CREATE INDEX audit_events_actor_partner ON audit_events (actor_partner_id, at DESC)`,
    `ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE audit_events FORCE ROW LEVEL SECURITY`,
    // A partner sees its own users' actions and the changes to its own records, never staff-only entries.
    `CREATE POLICY audit_events_read ON audit_events FOR SELECT USING (
       app_is_staff() OR (visibility = 'company' AND (partner_id = app_partner_id() OR actor_partner_id = app_partner_id())))`,
    `CREATE POLICY audit_events_write ON audit_events FOR INSERT WITH CHECK (
       app_context() IS NOT NULL
       AND (actor_user_id IS NULL OR actor_user_id = app_user_id())
       AND (app_is_staff() OR actor_partner_id IS NOT DISTINCT FROM app_partner_id()))`,
    `GRANT SELECT, INSERT ON audit_events TO portal_app`,

    `CREATE TABLE notifications (
       id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
       type text NOT NULL,
       params jsonb NOT NULL DEFAULT '{}'::jsonb,
       link text,
       created_at timestamptz NOT NULL DEFAULT now(),
       read_at timestamptz
     )`,
    `CREATE INDEX notifications_user ON notifications (user_id, created_at DESC)`,
    `CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL`,
    `ALTER TABLE notifications ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE notifications FORCE ROW LEVEL SECURITY`,
    // Anyone's action may notify others; only the recipient reads and marks them.
    `CREATE POLICY notifications_own ON notifications FOR SELECT USING (user_id = app_user_id())`,
    `CREATE POLICY notifications_mark ON notifications FOR UPDATE USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id())`,
    `CREATE POLICY notifications_send ON notifications FOR INSERT WITH CHECK (app_context() IS NOT NULL)`,
    `GRANT SELECT, INSERT, UPDATE (read_at) ON notifications TO portal_app`,

    `CREATE TABLE notification_preferences (
       user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
       event_type text NOT NULL,
       channel text NOT NULL CHECK (channel IN ('email_portal', 'portal')),
       PRIMARY KEY (user_id, event_type)
     )`,
    `ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE notification_preferences FORCE ROW LEVEL SECURITY`,
    // Everyone may read a recipient's choice (to honour it when notifying); only the user changes their own.
    `CREATE POLICY notification_preferences_read ON notification_preferences FOR SELECT USING (app_context() IS NOT NULL)`,
    `CREATE POLICY notification_preferences_own ON notification_preferences FOR INSERT WITH CHECK (user_id = app_user_id())`,
    `CREATE POLICY notification_preferences_own_update ON notification_preferences FOR UPDATE USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id())`,
    `CREATE POLICY notification_preferences_own_delete ON notification_preferences FOR DELETE USING (user_id = app_user_id())`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON notification_preferences TO portal_app`,

    // Emails waiting to go out, written in the same transaction as the change that causes them.
    `CREATE TABLE outbox_emails (
       id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       event_key text NOT NULL UNIQUE,
       message_id text NOT NULL,
       to_email text NOT NULL,
       to_name text,
       locale text NOT NULL,
       template text NOT NULL,
       subject text NOT NULL,
       body_text text NOT NULL,
       status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
       attempts integer NOT NULL DEFAULT 0,
       next_attempt_at timestamptz NOT NULL DEFAULT now(),
       claimed_until timestamptz,
       last_error text,
       created_at timestamptz NOT NULL DEFAULT now(),
       sent_at timestamptz
     )`,
    `CREATE INDEX outbox_emails_due ON outbox_emails (next_attempt_at) WHERE status = 'pending'`,
    `ALTER TABLE outbox_emails ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE outbox_emails FORCE ROW LEVEL SECURITY`,
    // Only staff read the outbox (the Sent mail page); only the worker, with the owner's handle, updates it.
    `CREATE POLICY outbox_emails_staff_read ON outbox_emails FOR SELECT USING (app_is_staff())`,
    `GRANT SELECT ON outbox_emails TO portal_app`,
    // Any context may queue an email. A function, because queueing the same event twice must keep one email
    // (ON CONFLICT DO NOTHING), and that needs to see the existing row, which partner contexts may not.
    `CREATE FUNCTION enqueue_email(p_event_key text, p_message_id text, p_to_email text, p_to_name text, p_locale text,
                                   p_template text, p_subject text, p_body_text text) RETURNS void
       LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         INSERT INTO outbox_emails (event_key, message_id, to_email, to_name, locale, template, subject, body_text)
         SELECT p_event_key, p_message_id, p_to_email, p_to_name, p_locale, p_template, p_subject, p_body_text
          WHERE app_context() IS NOT NULL
         ON CONFLICT (event_key) DO NOTHING
       $$`,
    `REVOKE EXECUTE ON FUNCTION enqueue_email(text, text, text, text, text, text, text, text) FROM PUBLIC`,
    `GRANT EXECUTE ON FUNCTION enqueue_email(text, text, text, text, text, text, text, text) TO portal_app`,

    // Who on the vendor's side hears of an event that a partner or an applicant causes.
    `CREATE FUNCTION staff_recipients(p_roles text[])
       RETURNS TABLE (id integer, email text, name text, locale text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT u.id, u.email, u.name, u.locale FROM users u
          WHERE u.kind = 'staff' AND u.status = 'active' AND u.role = ANY (p_roles) AND app_context() IS NOT NULL
          ORDER BY u.id
       $$`,
    `REVOKE EXECUTE ON FUNCTION staff_recipients(text[]) FROM PUBLIC`,
    `GRANT EXECUTE ON FUNCTION staff_recipients(text[]) TO portal_app`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(knex, `DROP FUNCTION staff_recipients(text[])`, `DROP FUNCTION enqueue_email(text, text, text, text, text, text, text, text)`, `DROP TABLE outbox_emails`, `DROP TABLE notification_preferences`, `DROP TABLE notifications`, `DROP TABLE audit_events`);
}
