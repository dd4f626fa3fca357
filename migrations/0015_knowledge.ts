import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

/**
 * Knowledge articles: an article (category, audience) with one published translation per language, every saved
 * draft kept as a revision (the history), and readers' "was this helpful?" answers.
 *
 * Search uses the stemming configuration of the translation's language where PostgreSQL has one on both
 * databases (English, German, Italian). Czech has none anywhere and Estonian none on the PostgreSQL 15 server,
 * so those (and forum posts, which are in any language) use `portal_simple`: no stemming, accents folded.
 */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `CREATE EXTENSION IF NOT EXISTS unaccent`,
    `CREATE TEXT SEARCH CONFIGURATION portal_simple (COPY = simple)`,
    `ALTER TEXT SEARCH CONFIGURATION portal_simple
       ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple`,
    `CREATE FUNCTION portal_ts_config(p_language text) RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT CASE p_language WHEN 'en' THEN 'english'::regconfig WHEN 'de' THEN 'german'::regconfig
                                    WHEN 'it' THEN 'italian'::regconfig ELSE 'portal_simple'::regconfig END $$`,

    `CREATE TABLE articles (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       category text NOT NULL CHECK (category IN ('program', 'deal_registration', 'products', 'services', 'selling')),
       audience text NOT NULL CHECK (audience IN ('public', 'partners', 'staff')),
       created_by integer REFERENCES users (id),
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now(),
       version integer NOT NULL DEFAULT 1
     )`,
    `ALTER TABLE articles ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE articles FORCE ROW LEVEL SECURITY`,
    // Public articles for everyone (the anonymous context too), partner articles for partner users, staff-only
    // articles for staff. Which partners count (an applicant's users do not) is the repository's narrower rule.
    `CREATE POLICY articles_read ON articles FOR SELECT USING (
       app_is_staff() OR (audience = 'public' AND app_context() IS NOT NULL) OR (audience = 'partners' AND app_context() = 'partner'))`,
    `CREATE POLICY articles_staff_insert ON articles FOR INSERT WITH CHECK (app_is_staff())`,
    `CREATE POLICY articles_staff_update ON articles FOR UPDATE USING (app_is_staff()) WITH CHECK (app_is_staff())`,
    `GRANT SELECT, INSERT, UPDATE ON articles TO portal_app`,

    // Every save of a language's text: drafts and the history. Staff only.
    `CREATE TABLE article_revisions (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       article_id integer NOT NULL REFERENCES articles (id),
       language text NOT NULL CHECK (language IN ('en', 'de', 'cs', 'et', 'it')),
       title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
       body text NOT NULL CHECK (length(body) BETWEEN 1 AND 50000),
       created_by integer REFERENCES users (id),
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE INDEX article_revisions_article ON article_revisions (article_id, language, id DESC)`,
    `ALTER TABLE article_revisions ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE article_revisions FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY article_revisions_staff ON article_revisions USING (app_is_staff()) WITH CHECK (app_is_staff())`,
    `GRANT SELECT, INSERT ON article_revisions TO portal_app`,

    // What readers see: the published revision of each language, copied here with its search vector.
    `CREATE TABLE article_translations (
       article_id integer NOT NULL REFERENCES articles (id),
       language text NOT NULL CHECK (language IN ('en', 'de', 'cs', 'et', 'it')),
       revision_id integer NOT NULL REFERENCES article_revisions (id),
       title text NOT NULL,
       body text NOT NULL,
       published_by integer REFERENCES users (id),
       published_at timestamptz NOT NULL DEFAULT now(),
       search tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector(portal_ts_config(language), title), 'A') || setweight(to_tsvector(portal_ts_config(language), body), 'B')
       ) STORED,
       PRIMARY KEY (article_id, language)
     )`,
    `CREATE INDEX article_translations_search ON article_translations USING gin (search)`,
    `ALTER TABLE article_translations ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE article_translations FORCE ROW LEVEL SECURITY`,
    // A translation is readable exactly when its article is (the articles policy applies inside the subquery).
    `CREATE POLICY article_translations_read ON article_translations FOR SELECT USING (
       app_is_staff() OR EXISTS (SELECT 1 FROM articles a WHERE a.id = article_translations.article_id))`,
    `CREATE POLICY article_translations_staff_insert ON article_translations FOR INSERT WITH CHECK (app_is_staff())`,
    `CREATE POLICY article_translations_staff_update ON article_translations FOR UPDATE USING (app_is_staff()) WITH CHECK (app_is_staff())`,
    `CREATE POLICY article_translations_staff_delete ON article_translations FOR DELETE USING (app_is_staff())`,
    `GRANT SELECT, INSERT, DELETE, UPDATE (revision_id, title, body, published_by, published_at) ON article_translations TO portal_app`,

    // "Was this helpful?": one answer per signed-in reader (which they may change); anonymous answers are
    // kept one per session by the route.
    `CREATE TABLE article_feedback (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       article_id integer NOT NULL REFERENCES articles (id),
       language text NOT NULL CHECK (language IN ('en', 'de', 'cs', 'et', 'it')),
       user_id integer REFERENCES users (id) ON DELETE SET NULL,
       partner_id integer REFERENCES partners (id),
       helpful boolean NOT NULL,
       comment text CHECK (length(comment) <= 1000),
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE UNIQUE INDEX article_feedback_reader ON article_feedback (article_id, user_id) WHERE user_id IS NOT NULL`,
    `ALTER TABLE article_feedback ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE article_feedback FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY article_feedback_read ON article_feedback FOR SELECT USING (app_is_staff() OR (user_id IS NOT NULL AND user_id = app_user_id()))`,
    `CREATE POLICY article_feedback_write ON article_feedback FOR INSERT WITH CHECK (
       app_context() IS NOT NULL AND user_id IS NOT DISTINCT FROM app_user_id() AND partner_id IS NOT DISTINCT FROM app_partner_id()
       AND EXISTS (SELECT 1 FROM articles a WHERE a.id = article_feedback.article_id))`,
    `CREATE POLICY article_feedback_change ON article_feedback FOR UPDATE USING (user_id IS NOT NULL AND user_id = app_user_id())
       WITH CHECK (user_id = app_user_id())`,
    `GRANT SELECT, INSERT, UPDATE (helpful, comment, language, created_at) ON article_feedback TO portal_app`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP TABLE article_feedback`,
    `DROP TABLE article_translations`,
    `DROP TABLE article_revisions`,
    `DROP TABLE articles`,
    `DROP FUNCTION portal_ts_config(text)`,
    `DROP TEXT SEARCH CONFIGURATION portal_simple`,
  );
}
