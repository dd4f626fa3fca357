import type { Knex } from 'knex';
import { LOCALES, type Locale } from '../i18n/index.ts';
import type { CurrentUser } from './viewer.ts';
import { markMatches } from '../web/highlight.ts';

export const ARTICLE_CATEGORIES = ['program', 'deal_registration', 'products', 'services', 'selling'] as const;
export const ARTICLE_AUDIENCES = ['public', 'partners', 'staff'] as const;
export type ArticleCategory = (typeof ARTICLE_CATEGORIES)[number];
export type ArticleAudience = (typeof ARTICLE_AUDIENCES)[number];

export type Article = { id: number; category: ArticleCategory; audience: ArticleAudience; version: number; created_at: Date; updated_at: Date };
export type Translation = { article_id: number; language: Locale; revision_id: number; title: string; body: string; published_at: Date };
export type Revision = { id: number; article_id: number; language: Locale; title: string; body: string; created_by: number | null; created_at: Date; author: string | null };

/**
 * The audiences a reader may see. The policy already keeps staff-only articles from partners and partner
 * articles from anonymous visitors; this also keeps them from the users of a company that is not (yet) a partner.
 */
export function audiencesFor(user: CurrentUser | null): ArticleAudience[] {
  if (user?.kind === 'staff') return ['public', 'partners', 'staff'];
  if (user?.kind === 'partner' && user.partnerStatus === 'active') return ['public', 'partners'];
  return ['public'];
}

/** Sentinels for ts_headline: user text is escaped first, then they become <mark>, so no markup gets through. */
const MARK_START = '\u0002';
const MARK_END = '\u0003';
const HEADLINE = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;


export type SearchHit = { id: number; category: ArticleCategory; audience: ArticleAudience; language: Locale; title: string; snippet: string; rank: number };

/**
 * Full-text search in the reader's language, with the language's stemming where a configuration exists; an
 * article not translated into it is searched (and shown) in English. Ranked, with highlighted fragments.
 */
export async function searchArticles(
  db: Knex.Transaction,
  input: { q: string; locale: Locale; audiences: ArticleAudience[]; category?: string | undefined; limit: number; offset: number },
): Promise<{ hits: SearchHit[]; total: number }> {
  const { rows } = await db.raw<{ rows: (Omit<SearchHit, 'snippet'> & { headline: string; total: string })[] }>(
    `WITH q AS (SELECT websearch_to_tsquery(portal_ts_config(:locale), :q) AS mine, websearch_to_tsquery('english', :q) AS en),
     candidates AS (
       SELECT t.article_id, t.language, t.title, t.body, t.search, CASE WHEN t.language = :locale THEN q.mine ELSE q.en END AS query
         FROM article_translations t JOIN articles a ON a.id = t.article_id CROSS JOIN q
        WHERE a.audience = ANY(:audiences) AND (:category::text IS NULL OR a.category = :category)
          AND (t.language = :locale
               OR (t.language = 'en' AND NOT EXISTS (SELECT 1 FROM article_translations o WHERE o.article_id = t.article_id AND o.language = :locale)))
     )
     SELECT c.article_id AS id, a.category, a.audience, c.language, c.title, ts_rank(c.search, c.query) AS rank,
            ts_headline(portal_ts_config(c.language), c.body, c.query, :headline) AS headline, count(*) OVER () AS total
       FROM candidates c JOIN articles a ON a.id = c.article_id
      WHERE c.search @@ c.query
      ORDER BY rank DESC, c.article_id
      LIMIT :limit OFFSET :offset`,
    { q: input.q, locale: input.locale, audiences: input.audiences, category: input.category ?? null, headline: HEADLINE, limit: input.limit, offset: input.offset },
  );
  return {
    hits: rows.map((r) => ({ id: r.id, category: r.category, audience: r.audience, language: r.language, title: r.title, rank: Number(r.rank), snippet: markMatches(stripMarkdown(r.headline), MARK_START, MARK_END) })),
    total: rows.length ? Number(rows[0]!.total) : 0,
  };
}

/** Headlines come from the Markdown source; drop the markup characters readers would not see. */
function stripMarkdown(text: string): string {
  return text.replace(/[#*_`>]+/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\s+/g, ' ').trim();
}

export type ListedArticle = { id: number; category: ArticleCategory; audience: ArticleAudience; language: Locale; title: string; published_at: Date };

/** Published articles the reader may see, one row each in their language or else English, newest first. */
export async function listArticles(db: Knex.Transaction, input: { locale: Locale; audiences: ArticleAudience[]; category?: string | undefined }): Promise<ListedArticle[]> {
  const { rows } = await db.raw<{ rows: ListedArticle[] }>(
    `SELECT DISTINCT ON (a.id) a.id, a.category, a.audience, t.language, t.title, t.published_at
       FROM articles a JOIN article_translations t ON t.article_id = a.id
      WHERE a.audience = ANY(:audiences) AND (:category::text IS NULL OR a.category = :category)
      ORDER BY a.id, (t.language = :locale) DESC, (t.language = 'en') DESC, t.language`,
    { locale: input.locale, audiences: input.audiences, category: input.category ?? null },
  );
  return rows.sort((x, y) => +new Date(y.published_at) - +new Date(x.published_at) || y.id - x.id);
}

export async function findArticle(db: Knex.Transaction, id: number, audiences: ArticleAudience[]): Promise<Article | undefined> {
  return db('articles').where({ id }).whereIn('audience', audiences).first();
}

export async function translationsOf(db: Knex.Transaction, articleId: number): Promise<Translation[]> {
  return db('article_translations').where('article_id', articleId).select('article_id', 'language', 'revision_id', 'title', 'body', 'published_at').orderBy('language');
}

/** The reader's choice if published, else their language, else English, else the first there is. */
export function pickTranslation(translations: Translation[], wanted: (string | undefined)[]): Translation | undefined {
  for (const lang of [...wanted, 'en']) {
    const found = translations.find((t) => t.language === lang);
    if (found) return found;
  }
  return translations[0];
}

/** Up to five other articles: the same category first, then those sharing words with the title. */
export async function relatedArticles(db: Knex.Transaction, article: Article, translation: Translation, audiences: ArticleAudience[]): Promise<ListedArticle[]> {
  const { rows } = await db.raw<{ rows: ListedArticle[] }>(
    `WITH words AS (
       SELECT nullif(replace(plainto_tsquery(portal_ts_config(:language), :title)::text, '&', '|'), '')::tsquery AS q
     )
     SELECT a.id, a.category, a.audience, t.language, t.title, t.published_at
       FROM articles a JOIN article_translations t ON t.article_id = a.id AND t.language = :language CROSS JOIN words
      WHERE a.id <> :id AND a.audience = ANY(:audiences)
      ORDER BY (a.category = :category) DESC, coalesce(ts_rank(t.search, words.q), 0) DESC, t.published_at DESC
      LIMIT 5`,
    { language: translation.language, title: translation.title, id: article.id, audiences, category: article.category },
  );
  return rows;
}

// ---- Feedback ----

export async function ownFeedback(db: Knex.Transaction, articleId: number, userId: number): Promise<{ helpful: boolean; comment: string | null } | undefined> {
  return db('article_feedback').where({ article_id: articleId, user_id: userId }).first('helpful', 'comment');
}

export async function recordFeedback(
  db: Knex.Transaction,
  input: { articleId: number; language: Locale; user: CurrentUser | null; helpful: boolean; comment: string | null },
): Promise<void> {
  const row = { article_id: input.articleId, language: input.language, helpful: input.helpful, comment: input.comment };
  if (!input.user) {
    await db('article_feedback').insert({ ...row, user_id: null, partner_id: null });
    return;
  }
  const changed = await db('article_feedback')
    .where({ article_id: input.articleId, user_id: input.user.id })
    .update({ helpful: input.helpful, comment: input.comment, language: input.language, created_at: db.fn.now() });
  if (!changed) await db('article_feedback').insert({ ...row, user_id: input.user.id, partner_id: input.user.kind === 'partner' ? input.user.partnerId : null });
}

export type FeedbackCounts = { article_id: number; yes: number; no: number; comments: number };

export async function feedbackCounts(db: Knex.Transaction, articleIds?: number[]): Promise<Map<number, FeedbackCounts>> {
  const q = db('article_feedback')
    .select('article_id')
    .select(db.raw('count(*) FILTER (WHERE helpful)::int AS yes'), db.raw('count(*) FILTER (WHERE NOT helpful)::int AS no'), db.raw(`count(*) FILTER (WHERE comment IS NOT NULL AND comment <> '')::int AS comments`))
    .groupBy('article_id');
  if (articleIds) q.whereIn('article_id', articleIds);
  const rows: FeedbackCounts[] = await q;
  return new Map(rows.map((r) => [r.article_id, r]));
}

export async function feedbackComments(db: Knex.Transaction, articleId: number): Promise<{ helpful: boolean; comment: string; language: string; created_at: Date }[]> {
  return db('article_feedback').where('article_id', articleId).whereNotNull('comment').andWhere('comment', '<>', '').orderBy('created_at', 'desc').limit(100).select('helpful', 'comment', 'language', 'created_at');
}

// ---- Authoring (staff) ----

export type LanguageState = { language: Locale; published: Translation | undefined; latest: Revision | undefined };

/** For each language: what readers see and the newest saved text (a draft when it is newer than the published one). */
export async function languageStates(db: Knex.Transaction, articleId: number): Promise<LanguageState[]> {
  const published = await translationsOf(db, articleId);
  const latest: Revision[] = await db('article_revisions as r')
    .leftJoin('users as u', 'u.id', 'r.created_by')
    .distinctOn('r.language')
    .where('r.article_id', articleId)
    .orderBy([{ column: 'r.language' }, { column: 'r.id', order: 'desc' }])
    .select('r.*', 'u.name as author');
  return LOCALES.map((language) => ({ language, published: published.find((p) => p.language === language), latest: latest.find((r) => r.language === language) }));
}

export async function latestRevision(db: Knex.Transaction, articleId: number, language: Locale): Promise<Revision | undefined> {
  return db('article_revisions').where({ article_id: articleId, language }).orderBy('id', 'desc').first();
}

export async function revision(db: Knex.Transaction, articleId: number, language: Locale, id: number): Promise<Revision | undefined> {
  return db('article_revisions').where({ id, article_id: articleId, language }).first();
}

export async function revisions(db: Knex.Transaction, articleId: number, language: Locale): Promise<Revision[]> {
  return db('article_revisions as r').leftJoin('users as u', 'u.id', 'r.created_by').where({ 'r.article_id': articleId, 'r.language': language }).orderBy('r.id', 'desc').select('r.*', 'u.name as author');
}

export async function createArticle(db: Knex.Transaction, input: { category: string; audience: string; language: Locale; title: string; body: string; userId: number }): Promise<number> {
  const [article] = await db('articles').insert({ category: input.category, audience: input.audience, created_by: input.userId }).returning('id');
  await saveRevision(db, { articleId: article.id, language: input.language, title: input.title, body: input.body, userId: input.userId });
  return article.id;
}

export async function saveRevision(db: Knex.Transaction, input: { articleId: number; language: Locale; title: string; body: string; userId: number }): Promise<number> {
  const [row] = await db('article_revisions').insert({ article_id: input.articleId, language: input.language, title: input.title, body: input.body, created_by: input.userId }).returning('id');
  await db('articles').where('id', input.articleId).update({ updated_at: db.fn.now() });
  return row.id;
}

/** Makes a revision what readers see in its language. */
export async function publishRevision(db: Knex.Transaction, rev: Revision, userId: number): Promise<void> {
  await db('article_translations')
    .insert({ article_id: rev.article_id, language: rev.language, revision_id: rev.id, title: rev.title, body: rev.body, published_by: userId })
    .onConflict(['article_id', 'language'])
    .merge(['revision_id', 'title', 'body', 'published_by', 'published_at']);
  await db('articles').where('id', rev.article_id).update({ updated_at: db.fn.now() });
}

export async function unpublish(db: Knex.Transaction, articleId: number, language: Locale): Promise<void> {
  await db('article_translations').where({ article_id: articleId, language }).delete();
}

/** Category and audience, if nobody changed them since `version`. */
export async function updateArticleSettings(db: Knex.Transaction, id: number, version: number, values: { category: string; audience: string }): Promise<boolean> {
  const n = await db('articles').where({ id, version }).update({ ...values, version: db.raw('version + 1'), updated_at: db.fn.now() });
  return n === 1;
}

export type AdminArticle = Article & { titles: { language: Locale; title: string; published: boolean; draft: boolean }[] };

/** Every article for the authors' list, with each language's state. */
export async function adminArticles(db: Knex.Transaction, filters: { category?: string | undefined; audience?: string | undefined }): Promise<AdminArticle[]> {
  const q = db('articles').select('*').orderBy('updated_at', 'desc');
  if (filters.category) q.where('category', filters.category);
  if (filters.audience) q.where('audience', filters.audience);
  const articles: Article[] = await q;
  if (!articles.length) return [];
  const ids = articles.map((a) => a.id);
  const published: { article_id: number; language: Locale; title: string; revision_id: number }[] = await db('article_translations').whereIn('article_id', ids).select('article_id', 'language', 'title', 'revision_id');
  const latest: { article_id: number; language: Locale; title: string; id: number }[] = await db('article_revisions')
    .whereIn('article_id', ids)
    .distinctOn('article_id', 'language')
    .orderBy([{ column: 'article_id' }, { column: 'language' }, { column: 'id', order: 'desc' }])
    .select('article_id', 'language', 'title', 'id');
  return articles.map((a) => ({
    ...a,
    titles: LOCALES.flatMap((language) => {
      const p = published.find((x) => x.article_id === a.id && x.language === language);
      const l = latest.find((x) => x.article_id === a.id && x.language === language);
      if (!p && !l) return [];
      return [{ language, title: (l ?? p)!.title, published: !!p, draft: !!l && (!p || l.id !== p.revision_id) }];
    }),
  }));
}
