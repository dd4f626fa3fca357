import type { Knex } from 'knex';
import { exec, onlyAppMayExecute } from '../src/db/connect.ts';

/** Who may use the forums at all: signed-in partners and staff (which partners count is the permission's rule). */
const MEMBER = `app_context() IN ('partner', 'staff')`;

/**
 * Forums: boards, threads and posts, shared by every partner company and the vendor's staff. Posts are numbered
 * densely per thread (`seq`, assigned under the thread row's lock), so a page is a range on (thread_id, seq).
 * Moderation (pin, lock, hide, delete) is staff-only down to a trigger; a hidden or deleted post is readable only
 * by staff and its author (policy). Authors' names cross the company wall through `forum_authors`, subscribers'
 * addresses through `forum_recipients`.
 */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `CREATE EXTENSION IF NOT EXISTS unaccent`,
    // 0015 creates portal_simple; this only stands in where it has not (a checkout without it).
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'portal_simple') THEN
         CREATE TEXT SEARCH CONFIGURATION portal_simple (COPY = simple);
         ALTER TEXT SEARCH CONFIGURATION portal_simple
           ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;
       END IF;
     END $$`,

    `CREATE TABLE forum_boards (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
       description text CHECK (length(description) <= 1000),
       position integer NOT NULL DEFAULT 0 CHECK (position BETWEEN 0 AND 9999),
       thread_count integer NOT NULL DEFAULT 0,
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE UNIQUE INDEX forum_boards_name ON forum_boards (lower(name))`,
    `ALTER TABLE forum_boards ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE forum_boards FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY forum_boards_read ON forum_boards FOR SELECT USING (${MEMBER})`,
    `CREATE POLICY forum_boards_staff_insert ON forum_boards FOR INSERT WITH CHECK (app_is_staff())`,
    `CREATE POLICY forum_boards_staff_update ON forum_boards FOR UPDATE USING (app_is_staff()) WITH CHECK (app_is_staff())`,
    `GRANT SELECT, INSERT (name, description, position), UPDATE (name, description, position, updated_at) ON forum_boards TO portal_app`,

    `CREATE TABLE forum_threads (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       board_id integer NOT NULL REFERENCES forum_boards (id),
       title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
       author_user_id integer NOT NULL REFERENCES users (id),
       author_partner_id integer REFERENCES partners (id),
       pinned boolean NOT NULL DEFAULT false,
       locked boolean NOT NULL DEFAULT false,
       answer_post_id integer,
       post_count integer NOT NULL DEFAULT 0,
       created_at timestamptz NOT NULL DEFAULT now(),
       last_post_at timestamptz NOT NULL DEFAULT now(),
       search tsvector GENERATED ALWAYS AS (to_tsvector('portal_simple'::regconfig, title)) STORED
     )`,
    // The board's list: pinned first, then latest activity; and the board's latest activity alone.
    `CREATE INDEX forum_threads_board ON forum_threads (board_id, pinned DESC, last_post_at DESC, id DESC)`,
    `CREATE INDEX forum_threads_board_activity ON forum_threads (board_id, last_post_at DESC)`,
    `CREATE INDEX forum_threads_search ON forum_threads USING gin (search)`,
    `ALTER TABLE forum_threads ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE forum_threads FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY forum_threads_read ON forum_threads FOR SELECT USING (${MEMBER})`,
    `CREATE POLICY forum_threads_insert ON forum_threads FOR INSERT WITH CHECK (
       ${MEMBER} AND author_user_id = app_user_id() AND author_partner_id IS NOT DISTINCT FROM app_partner_id())`,
    // The thread's author marks the answer; staff also pin and lock (the trigger keeps those to staff).
    `CREATE POLICY forum_threads_update ON forum_threads FOR UPDATE
       USING (app_is_staff() OR author_user_id = app_user_id()) WITH CHECK (app_is_staff() OR author_user_id = app_user_id())`,
    `GRANT SELECT, INSERT (board_id, title, author_user_id, author_partner_id), UPDATE (pinned, locked, answer_post_id) ON forum_threads TO portal_app`,

    `CREATE TABLE forum_posts (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       thread_id integer NOT NULL REFERENCES forum_threads (id),
       seq integer NOT NULL,
       author_user_id integer NOT NULL REFERENCES users (id),
       author_partner_id integer REFERENCES partners (id),
       body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
       quoted_post_id integer,
       created_at timestamptz NOT NULL DEFAULT now(),
       edited_at timestamptz,
       hidden_at timestamptz,
       hidden_by integer REFERENCES users (id),
       hidden_reason text CHECK (length(hidden_reason) BETWEEN 1 AND 1000),
       deleted_at timestamptz,
       deleted_by integer REFERENCES users (id),
       deleted_reason text CHECK (length(deleted_reason) BETWEEN 1 AND 1000),
       search tsvector GENERATED ALWAYS AS (to_tsvector('portal_simple'::regconfig, body)) STORED,
       CONSTRAINT forum_posts_seq UNIQUE (thread_id, seq),
       CONSTRAINT forum_posts_in_thread UNIQUE (id, thread_id),
       -- A quote comes from the same thread.
       FOREIGN KEY (quoted_post_id, thread_id) REFERENCES forum_posts (id, thread_id),
       CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL)),
       CHECK ((deleted_at IS NULL) = (deleted_reason IS NULL))
     )`,
    `CREATE INDEX forum_posts_search ON forum_posts USING gin (search)`,
    `CREATE INDEX forum_posts_author ON forum_posts (author_user_id)`,
    // The answer is a post of the same thread.
    `ALTER TABLE forum_threads ADD CONSTRAINT forum_threads_answer FOREIGN KEY (answer_post_id, id) REFERENCES forum_posts (id, thread_id)`,
    `ALTER TABLE forum_posts ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE forum_posts FORCE ROW LEVEL SECURITY`,
    // Hidden and deleted posts: staff and the author only. Everyone else never gets the row, whatever the query.
    `CREATE POLICY forum_posts_read ON forum_posts FOR SELECT USING (
       ${MEMBER} AND (app_is_staff() OR (hidden_at IS NULL AND deleted_at IS NULL) OR author_user_id = app_user_id()))`,
    `CREATE POLICY forum_posts_insert ON forum_posts FOR INSERT WITH CHECK (
       ${MEMBER} AND author_user_id = app_user_id() AND author_partner_id IS NOT DISTINCT FROM app_partner_id())`,
    // Authors edit their own visible post for 30 minutes; staff moderate (the trigger keeps edits to authors).
    `CREATE POLICY forum_posts_update ON forum_posts FOR UPDATE
       USING (app_is_staff() OR (author_user_id = app_user_id() AND hidden_at IS NULL AND deleted_at IS NULL AND created_at > now() - interval '30 minutes'))
       WITH CHECK (app_is_staff() OR (author_user_id = app_user_id() AND hidden_at IS NULL AND deleted_at IS NULL))`,
    `GRANT SELECT, INSERT (thread_id, author_user_id, author_partner_id, body, quoted_post_id),
       UPDATE (body, edited_at, hidden_at, hidden_by, hidden_reason, deleted_at, deleted_by, deleted_reason) ON forum_posts TO portal_app`,

    // A new post: its number in the thread, taken under the thread row's lock, so numbers are dense and unique.
    // A locked thread takes replies from staff only (SQLSTATE PF423, which the routes turn into a page).
    `CREATE FUNCTION forum_post_numbered() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
       DECLARE v_locked boolean;
       BEGIN
         SELECT t.locked INTO v_locked FROM forum_threads t WHERE t.id = NEW.thread_id FOR UPDATE;
         IF NOT FOUND THEN
           RAISE EXCEPTION 'no such thread' USING ERRCODE = '23503';
         END IF;
         IF v_locked AND app_context() IS NOT NULL AND NOT app_is_staff() THEN
           RAISE EXCEPTION 'thread is locked' USING ERRCODE = 'PF423';
         END IF;
         UPDATE forum_threads SET post_count = post_count + 1, last_post_at = greatest(last_post_at, NEW.created_at)
          WHERE id = NEW.thread_id RETURNING post_count INTO NEW.seq;
         RETURN NEW;
       END $$`,
    `CREATE TRIGGER forum_posts_numbered BEFORE INSERT ON forum_posts FOR EACH ROW EXECUTE FUNCTION forum_post_numbered()`,

    `CREATE FUNCTION forum_thread_counted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
       BEGIN
         UPDATE forum_boards SET thread_count = thread_count + 1 WHERE id = NEW.board_id;
         RETURN NULL;
       END $$`,
    `CREATE TRIGGER forum_threads_counted AFTER INSERT ON forum_threads FOR EACH ROW EXECUTE FUNCTION forum_thread_counted()`,

    // Moderation columns are staff-only, whatever the query (PF403). Runs as the caller: the application role is
    // checked; the owner's own maintenance (the numbering trigger, demo data) is not.
    `CREATE FUNCTION forum_thread_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF current_user = 'portal_app' AND NOT app_is_staff()
            AND (NEW.pinned IS DISTINCT FROM OLD.pinned OR NEW.locked IS DISTINCT FROM OLD.locked) THEN
           RAISE EXCEPTION 'only moderators pin or lock threads' USING ERRCODE = 'PF403';
         END IF;
         RETURN NEW;
       END $$`,
    `CREATE TRIGGER forum_threads_guard BEFORE UPDATE ON forum_threads FOR EACH ROW EXECUTE FUNCTION forum_thread_guard()`,
    `CREATE FUNCTION forum_post_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF current_user <> 'portal_app' THEN
           RETURN NEW;
         END IF;
         IF NOT app_is_staff() AND (NEW.hidden_at IS DISTINCT FROM OLD.hidden_at OR NEW.hidden_by IS DISTINCT FROM OLD.hidden_by
              OR NEW.hidden_reason IS DISTINCT FROM OLD.hidden_reason OR NEW.deleted_at IS DISTINCT FROM OLD.deleted_at
              OR NEW.deleted_by IS DISTINCT FROM OLD.deleted_by OR NEW.deleted_reason IS DISTINCT FROM OLD.deleted_reason) THEN
           RAISE EXCEPTION 'only moderators hide or delete posts' USING ERRCODE = 'PF403';
         END IF;
         IF OLD.deleted_at IS NOT NULL AND (NEW.deleted_at IS DISTINCT FROM OLD.deleted_at OR NEW.deleted_reason IS DISTINCT FROM OLD.deleted_reason
              OR NEW.hidden_at IS DISTINCT FROM OLD.hidden_at OR NEW.body IS DISTINCT FROM OLD.body) THEN
           RAISE EXCEPTION 'a deleted post stays deleted' USING ERRCODE = 'PF409';
         END IF;
         IF NEW.body IS DISTINCT FROM OLD.body AND (OLD.author_user_id IS DISTINCT FROM app_user_id() OR OLD.created_at <= now() - interval '30 minutes') THEN
           RAISE EXCEPTION 'only the author edits a post, within 30 minutes' USING ERRCODE = 'PF403';
         END IF;
         RETURN NEW;
       END $$`,
    `CREATE TRIGGER forum_posts_guard BEFORE UPDATE ON forum_posts FOR EACH ROW EXECUTE FUNCTION forum_post_guard()`,

    `CREATE TABLE forum_subscriptions (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
       thread_id integer REFERENCES forum_threads (id),
       board_id integer REFERENCES forum_boards (id),
       created_at timestamptz NOT NULL DEFAULT now(),
       CHECK (num_nonnulls(thread_id, board_id) = 1)
     )`,
    `CREATE UNIQUE INDEX forum_subscriptions_thread ON forum_subscriptions (thread_id, user_id) WHERE thread_id IS NOT NULL`,
    `CREATE UNIQUE INDEX forum_subscriptions_board ON forum_subscriptions (board_id, user_id) WHERE board_id IS NOT NULL`,
    `ALTER TABLE forum_subscriptions ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE forum_subscriptions FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY forum_subscriptions_own ON forum_subscriptions USING (${MEMBER} AND user_id = app_user_id()) WITH CHECK (${MEMBER} AND user_id = app_user_id())`,
    `GRANT SELECT, INSERT (user_id, thread_id, board_id), DELETE ON forum_subscriptions TO portal_app`,

    `CREATE TABLE forum_moderation_log (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       at timestamptz NOT NULL DEFAULT now(),
       moderator_user_id integer NOT NULL REFERENCES users (id),
       action text NOT NULL CHECK (action IN ('pin', 'unpin', 'lock', 'unlock', 'hide', 'unhide', 'delete')),
       thread_id integer NOT NULL REFERENCES forum_threads (id),
       post_id integer REFERENCES forum_posts (id),
       reason text CHECK (length(reason) <= 1000)
     )`,
    `ALTER TABLE forum_moderation_log ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE forum_moderation_log FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY forum_moderation_log_read ON forum_moderation_log FOR SELECT USING (app_is_staff())`,
    `CREATE POLICY forum_moderation_log_write ON forum_moderation_log FOR INSERT WITH CHECK (app_is_staff() AND moderator_user_id = app_user_id())`,
    `GRANT SELECT, INSERT (moderator_user_id, action, thread_id, post_id, reason) ON forum_moderation_log TO portal_app`,

    // The one crossing of the users and partners tables for the forums: name, company and kind of people who
    // wrote in them, nothing else, and nobody else.
    `CREATE VIEW forum_authors WITH (security_barrier) AS
       SELECT u.id, u.name, u.kind, p.name AS company
         FROM users u LEFT JOIN partners p ON p.id = u.partner_id
        WHERE app_context() IN ('partner', 'staff')
          AND EXISTS (SELECT 1 FROM forum_posts f WHERE f.author_user_id = u.id)`,
    `GRANT SELECT ON forum_authors TO portal_app`,

    // Whom a new thread or reply reaches: working subscribers of the thread or the board, in any company.
    `CREATE FUNCTION forum_recipients(p_thread_id integer, p_board_id integer, p_except_user_id integer)
       RETURNS TABLE (id integer, email text, name text, locale text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
         SELECT DISTINCT u.id, u.email, u.name, u.locale
           FROM forum_subscriptions s
           JOIN users u ON u.id = s.user_id
           LEFT JOIN partners p ON p.id = u.partner_id
          WHERE (s.thread_id = p_thread_id OR s.board_id = p_board_id)
            AND u.status = 'active' AND (u.kind = 'staff' OR p.status = 'active')
            AND u.id IS DISTINCT FROM p_except_user_id
            AND app_context() IN ('partner', 'staff')
          ORDER BY u.id
       $$`,
  );
  await onlyAppMayExecute(knex, 'forum_recipients(integer, integer, integer)');
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP FUNCTION forum_recipients(integer, integer, integer)`,
    `DROP VIEW forum_authors`,
    `DROP TABLE forum_moderation_log`,
    `DROP TABLE forum_subscriptions`,
    `ALTER TABLE forum_threads DROP CONSTRAINT forum_threads_answer`,
    `DROP TABLE forum_posts`,
    `DROP TABLE forum_threads`,
    `DROP TABLE forum_boards`,
    `DROP FUNCTION forum_post_guard()`,
    `DROP FUNCTION forum_thread_guard()`,
    `DROP FUNCTION forum_thread_counted()`,
    `DROP FUNCTION forum_post_numbered()`,
    // portal_simple belongs to 0015 (knowledge), which drops it.
  );
}
