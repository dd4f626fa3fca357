import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLocale, LOCALE_NAMES, LOCALES, type Locale } from '../../i18n/index.ts';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, notFound, page, redirect } from '../../web/results.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { asId, idParam, queryValue } from '../../web/params.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { audit } from '../../services/audit.ts';
import {
  ARTICLE_AUDIENCES, ARTICLE_CATEGORIES, adminArticles, createArticle, feedbackComments, feedbackCounts, languageStates, latestRevision, publishRevision,
  revision, revisions, saveRevision, unpublish, updateArticleSettings, type Article,
} from '../../repositories/knowledge.ts';

const access = 'articles.write' as const;

const TEXT_FIELDS = {
  title: { label: 'knowledge.field.title', required: true, maxLength: 200 },
  body: { label: 'knowledge.field.body', required: true, maxLength: 50000 },
};
const SETTINGS_FIELDS = {
  category: { label: 'knowledge.category', required: true, oneOf: ARTICLE_CATEGORIES },
  audience: { label: 'knowledge.audience', required: true, oneOf: ARTICLE_AUDIENCES },
};
const NEW_FORM = { ...SETTINGS_FIELDS, language: { label: 'knowledge.language', required: true, oneOf: LOCALES }, ...TEXT_FIELDS };
const SETTINGS_FORM = { ...SETTINGS_FIELDS, version: { label: 'form.version' } };
const EDIT_FORM = { ...TEXT_FIELDS, base_revision: { label: 'form.version' } };

function languageParam(req: FastifyRequest): Locale {
  const lang = (req.params as { lang?: string }).lang;
  if (!isLocale(lang)) throw notFound();
  return lang;
}

async function articleOr404(req: FastifyRequest): Promise<Article> {
  const article: Article | undefined = await req.db('articles').where('id', idParam(req)).first();
  if (!article) throw notFound();
  return article;
}

/**
 * Writing articles (support agents and channel admins). Every save is a new revision, kept as the history;
 * readers see a language only once a revision of it is published, and the published text stays until the next
 * publication, however many drafts follow. A save based on an older revision than the newest is refused (409).
 */
export default async function knowledgeAdminRoutes(app: FastifyInstance) {
  app.get('/admin/knowledge', { config: { access } }, async (req) => {
    const category = queryValue(req, 'category');
    const audience = queryValue(req, 'audience');
    const filters = {
      category: (ARTICLE_CATEGORIES as readonly string[]).includes(category) ? category : '',
      audience: (ARTICLE_AUDIENCES as readonly string[]).includes(audience) ? audience : '',
    };
    const articles = await adminArticles(req.db, { category: filters.category || undefined, audience: filters.audience || undefined });
    const counts = await feedbackCounts(req.db);
    return page('pages/knowledge/admin-list', {
      title: req.viewer.t('knowledge.admin.title'), articles, counts, filters, categories: ARTICLE_CATEGORIES, audiences: ARTICLE_AUDIENCES, localeNames: LOCALE_NAMES,
    });
  });

  function newPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[], status = 200) {
    return page('pages/knowledge/new', { title: req.viewer.t('knowledge.new'), values, errors, categories: ARTICLE_CATEGORIES, audiences: ARTICLE_AUDIENCES, localeNames: LOCALE_NAMES, languages: LOCALES }, { status });
  }

  app.get('/admin/knowledge/new', { config: { access } }, async (req) =>
    newPage(req, { category: queryValue(req, 'category'), audience: 'partners', language: req.viewer.locale, title: '', body: '' }, []));

  app.post('/admin/knowledge/new', { config: { access } }, async (req) => {
    const { values, errors } = parseForm(req.body, NEW_FORM);
    if (errors.length) return newPage(req, values, errors, 422);
    const id = await createArticle(req.db, { ...values, language: values.language as Locale, userId: req.viewer.user!.id });
    await audit(req, { entityType: 'article', entityId: id, action: 'created', after: { category: values.category, audience: values.audience, language: values.language, title: values.title }, visibility: 'staff' });
    req.session.set('flash', { key: 'knowledge.draft_saved' });
    return redirect(`/admin/knowledge/${id}/${values.language}/preview`);
  });

  async function overviewPage(req: FastifyRequest, article: Article, values?: Record<string, string>, errors: FieldError[] = [], status = 200, conflict?: Conflict) {
    const states = await languageStates(req.db, article.id);
    const counts = (await feedbackCounts(req.db, [article.id])).get(article.id);
    const comments = await feedbackComments(req.db, article.id);
    const name = states.find((s) => s.published)?.published?.title ?? states.find((s) => s.latest)?.latest?.title ?? `#${article.id}`;
    return page('pages/knowledge/admin-article', {
      title: name, article, states, counts, comments, localeNames: LOCALE_NAMES, categories: ARTICLE_CATEGORIES, audiences: ARTICLE_AUDIENCES,
      values: values ?? { category: article.category, audience: article.audience, version: String(article.version) }, errors, conflict,
    }, { status });
  }

  app.get('/admin/knowledge/:id', { config: { access } }, async (req) => overviewPage(req, await articleOr404(req)));

  app.post('/admin/knowledge/:id', { config: { access } }, async (req) => {
    const article = await articleOr404(req);
    const { values, errors } = parseForm(req.body, SETTINGS_FORM);
    if (errors.length) return overviewPage(req, article, values, errors, 422);
    if (!(await updateArticleSettings(req.db, article.id, Number(values.version), { category: values.category, audience: values.audience }))) {
      const current = await articleOr404(req);
      const changed = (['category', 'audience'] as const)
        .filter((k) => current[k] !== article[k] || current[k] !== values[k])
        .map((k) => ({ field: k, labelKey: `knowledge.${k}`, value: req.viewer.t(`knowledge.${k}.${current[k]}`) }));
      return overviewPage(req, current, { ...values, version: String(current.version) }, [STALE_ERROR('category')], 409, { changed });
    }
    await audit(req, { entityType: 'article', entityId: article.id, action: 'updated', before: { category: article.category, audience: article.audience }, after: { category: values.category, audience: values.audience }, visibility: 'staff' });
    req.session.set('flash', { key: 'knowledge.settings_saved' });
    return redirect(`/admin/knowledge/${article.id}`);
  });

  async function editPage(req: FastifyRequest, article: Article, language: Locale, values: Record<string, string>, errors: FieldError[], status = 200, conflict?: Conflict) {
    const english = language === 'en' ? undefined : await latestRevision(req.db, article.id, 'en');
    return page('pages/knowledge/edit', {
      title: req.viewer.t('knowledge.edit_in', { language: LOCALE_NAMES[language] }), article, language, languageName: LOCALE_NAMES[language], values, errors, conflict, english,
    }, { status });
  }

  app.get('/admin/knowledge/:id/:lang', { config: { access } }, async (req) => {
    const article = await articleOr404(req);
    const language = languageParam(req);
    const latest = await latestRevision(req.db, article.id, language);
    return editPage(req, article, language, { title: latest?.title ?? '', body: latest?.body ?? '', base_revision: latest ? String(latest.id) : '' }, []);
  });

  app.post('/admin/knowledge/:id/:lang', { config: { access } }, async (req) => {
    const article = await articleOr404(req);
    const language = languageParam(req);
    const { values, errors } = parseForm(req.body, EDIT_FORM);
    if (errors.length) return editPage(req, article, language, values, errors, 422);
    // Someone saved this language since the form was opened: keep this text, show theirs, ask again.
    const latest = await latestRevision(req.db, article.id, language);
    if ((latest ? String(latest.id) : '') !== values.base_revision) {
      const shown = (field: 'title' | 'body', value: string) => (field === 'body' ? req.viewer.t('knowledge.body_changed', { length: value.length }) : value);
      const changed = latest ? conflict({ title: latest.title, body: latest.body }, values, { title: 'knowledge.field.title', body: 'knowledge.field.body' }, shown) : { changed: [] };
      return editPage(req, article, language, { ...values, base_revision: latest ? String(latest.id) : '' }, [STALE_ERROR('title')], 409, changed);
    }
    if (latest && latest.title === values.title && latest.body === values.body) return redirect(`/admin/knowledge/${article.id}/${language}/preview`);
    await saveRevision(req.db, { articleId: article.id, language, title: values.title, body: values.body, userId: req.viewer.user!.id });
    req.session.set('flash', { key: 'knowledge.draft_saved' });
    return redirect(`/admin/knowledge/${article.id}/${language}/preview`);
  });

  // What readers would see: the newest revision, or one from the history.
  app.get('/admin/knowledge/:id/:lang/preview', { config: { access } }, async (req) => {
    const article = await articleOr404(req);
    const language = languageParam(req);
    const wanted = asId(queryValue(req, 'revision'));
    const rev = wanted ? await revision(req.db, article.id, language, wanted) : await latestRevision(req.db, article.id, language);
    if (!rev) throw notFound();
    const states = await languageStates(req.db, article.id);
    const state = states.find((s) => s.language === language)!;
    return page('pages/knowledge/preview', {
      title: req.viewer.t('knowledge.preview.title', { title: rev.title }), article, language, languageName: LOCALE_NAMES[language], rev, html: renderMarkdown(rev.body),
      isPublished: state.published?.revision_id === rev.id, isLatest: state.latest?.id === rev.id, hasPublished: !!state.published,
    });
  });

  app.post('/admin/knowledge/:id/:lang/publish', { config: { access } }, async (req) => {
    const article = await articleOr404(req);
    const language = languageParam(req);
    const wanted = Number((req.body as Record<string, unknown> | undefined)?.revision);
    const rev = Number.isSafeInteger(wanted) && wanted > 0 && wanted < 2 ** 31 ? await revision(req.db, article.id, language, wanted) : undefined;
    if (!rev) throw new HttpError(404, 'error.not_found');
    await publishRevision(req.db, rev, req.viewer.user!.id);
    await audit(req, { entityType: 'article', entityId: article.id, action: 'published', after: { language, revision: rev.id, title: rev.title }, visibility: 'staff' });
    req.session.set('flash', { key: 'knowledge.published' });
    return redirect(`/knowledge/${article.id}?lang=${language}`);
  });

  app.post('/admin/knowledge/:id/:lang/unpublish', { config: { access } }, async (req) => {
    const article = await articleOr404(req);
    const language = languageParam(req);
    await unpublish(req.db, article.id, language);
    await audit(req, { entityType: 'article', entityId: article.id, action: 'unpublished', after: { language }, visibility: 'staff' });
    req.session.set('flash', { key: 'knowledge.unpublished' });
    return redirect(`/admin/knowledge/${article.id}`);
  });

  app.get('/admin/knowledge/:id/:lang/history', { config: { access } }, async (req) => {
    const article = await articleOr404(req);
    const language = languageParam(req);
    const list = await revisions(req.db, article.id, language);
    if (!list.length) throw notFound();
    const published = (await languageStates(req.db, article.id)).find((s) => s.language === language)?.published;
    return page('pages/knowledge/history', {
      title: req.viewer.t('knowledge.history.title', { title: list[0]!.title }), article, language, languageName: LOCALE_NAMES[language], revisions: list, publishedId: published?.revision_id,
    });
  });

  // Bringing back an older text makes it the newest draft; it is published like any other.
  app.post('/admin/knowledge/:id/:lang/restore', { config: { access } }, async (req) => {
    const article = await articleOr404(req);
    const language = languageParam(req);
    const wanted = Number((req.body as Record<string, unknown> | undefined)?.revision);
    const rev = Number.isSafeInteger(wanted) && wanted > 0 && wanted < 2 ** 31 ? await revision(req.db, article.id, language, wanted) : undefined;
    if (!rev) throw notFound();
    await saveRevision(req.db, { articleId: article.id, language, title: rev.title, body: rev.body, userId: req.viewer.user!.id });
    req.session.set('flash', { key: 'knowledge.restored' });
    return redirect(`/admin/knowledge/${article.id}/${language}/preview`);
  });
}
