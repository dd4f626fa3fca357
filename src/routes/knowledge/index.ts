import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLocale, LOCALE_NAMES, type Locale } from '../../i18n/index.ts';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { notFound, page, redirect } from '../../web/results.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { can } from '../../policies/permissions.ts';
import { wantsPartial } from '../../plugins/app/render.ts';
import { idParam, pageParam, queryValue } from '../../web/params.ts';
import {
  ARTICLE_CATEGORIES, audiencesFor, findArticle, listArticles, ownFeedback, pickTranslation, recordFeedback, relatedArticles, searchArticles, translationsOf,
} from '../../repositories/knowledge.ts';

const PAGE_SIZE = 20;

const FEEDBACK_FORM = {
  helpful: { label: 'knowledge.helpful', required: true, oneOf: ['yes', 'no'], messages: { required: 'knowledge.helpful.required' } },
  comment: { label: 'knowledge.feedback.comment', maxLength: 1000 },
  lang: { label: 'knowledge.language' },
};

/** Articles anonymous visitors were thanked for in this session, so the form is not offered twice. */
function votedInSession(req: FastifyRequest): number[] {
  const v = req.session.get('kbVoted');
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

/**
 * The knowledge base for readers: public articles for everyone, partner articles for partners, staff-only
 * ones for staff. Each article is read in the reader's language when it has been translated, else in English;
 * the other languages it exists in are offered as links.
 */
export default async function knowledgeRoutes(app: FastifyInstance) {
  app.get('/knowledge', { config: { access: 'public' } }, async (req) => {
    const { t, locale, user } = req.viewer;
    const q = queryValue(req, 'q').slice(0, 200);
    const categoryParam = queryValue(req, 'category');
    const category = (ARTICLE_CATEGORIES as readonly string[]).includes(categoryParam) ? categoryParam : '';
    const pageNo = pageParam(req, 500);
    const audiences = audiencesFor(user);
    const base = { title: t('knowledge.title'), q, category, categories: ARTICLE_CATEGORIES, pageNo, pageSize: PAGE_SIZE };
    if (q) {
      const { hits, total } = await searchArticles(req.db, { q, locale, audiences, category: category || undefined, limit: PAGE_SIZE, offset: (pageNo - 1) * PAGE_SIZE });
      return page('pages/knowledge/index', { ...base, hits, total, articles: null }, { partial: 'partials/knowledge/results' });
    }
    const articles = await listArticles(req.db, { locale, audiences, category: category || undefined });
    return page('pages/knowledge/index', { ...base, hits: null, total: articles.length, articles }, { partial: 'partials/knowledge/results' });
  });

  async function articlePage(req: FastifyRequest, errors: FieldError[] = [], values: Record<string, string> = {}, status = 200) {
    const { locale, user } = req.viewer;
    const audiences = audiencesFor(user);
    const article = await findArticle(req.db, idParam(req), audiences);
    if (!article) throw notFound();
    const translations = await translationsOf(req.db, article.id);
    const wanted = queryValue(req, 'lang') || values.lang;
    const translation = pickTranslation(translations, [isLocale(wanted) ? wanted : undefined, locale]);
    if (!translation) throw notFound();
    const related = await relatedArticles(req.db, article, translation, audiences);
    const voted = user ? await ownFeedback(req.db, article.id, user.id) : votedInSession(req).includes(article.id) ? { helpful: true, comment: null } : undefined;
    return page(
      'pages/knowledge/article',
      {
        title: translation.title,
        article,
        translation,
        html: renderMarkdown(translation.body),
        // Only when the reader's own language is missing, not when they chose another one.
        fallback: translation.language !== locale && !translations.some((x) => x.language === locale),
        others: translations.filter((x) => x.language !== translation.language).map((x) => ({ language: x.language, name: LOCALE_NAMES[x.language as Locale] })),
        languageName: LOCALE_NAMES[translation.language as Locale],
        related,
        voted,
        values: { helpful: '', comment: '', ...values },
        errors,
        canEdit: !!user && can(user, 'articles.write'),
      },
      { status, partial: 'partials/knowledge/feedback' },
    );
  }

  app.get('/knowledge/:id', { config: { access: 'public' } }, async (req) => articlePage(req));

  app.post('/knowledge/:id/feedback', { config: { access: 'public' } }, async (req) => {
    const { user } = req.viewer;
    const article = await findArticle(req.db, idParam(req), audiencesFor(user));
    if (!article) throw notFound();
    const { values, errors } = parseForm(req.body, FEEDBACK_FORM);
    if (errors.length) return articlePage(req, errors, values, 422);
    const language = isLocale(values.lang) ? values.lang : req.viewer.locale;
    if (user || !votedInSession(req).includes(article.id)) {
      await recordFeedback(req.db, { articleId: article.id, language, user, helpful: values.helpful === 'yes', comment: values.comment || null });
    }
    if (!user) req.session.set('kbVoted', [...votedInSession(req), article.id].slice(-200));
    if (wantsPartial(req)) return articlePage(req, [], values);
    req.session.set('flash', { key: 'knowledge.feedback.thanks' });
    return redirect(`/knowledge/${article.id}?lang=${language}#feedback`);
  });
}
