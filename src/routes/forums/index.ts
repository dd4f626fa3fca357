import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { notFound, page, redirect } from '../../web/results.ts';
import { audit } from '../../services/audit.ts';
import { notify } from '../../services/notify.ts';
import {
  createThread, findBoard, listBoards, listThreads, recipients, search, subscribe, subscriptionsOf, unsubscribe, THREADS_PER_PAGE,
} from '../../repositories/forums.ts';
import { access, author, guarded, highlight, isModerator, me, pager, postUrl } from './shared.ts';
import { asId, idParam, pageParam, queryValue } from '../../web/params.ts';
import threadRoutes from './threads.ts';
import moderationRoutes from './moderation.ts';
import boardAdminRoutes from './boards.ts';

const THREAD_FORM = {
  board_id: { label: 'forum.board', required: true, messages: { required: 'forum.board.required' } },
  title: { label: 'forum.title', required: true, maxLength: 200, messages: { required: 'forum.title.required' } },
  body: { label: 'forum.body', required: true, maxLength: 20000, messages: { required: 'forum.body.required' } },
} as const;

export default async function forumRoutes(app: FastifyInstance) {
  app.get('/forums', { config: { access } }, async (req) => {
    return page('pages/forums/index', { title: req.viewer.t('forum.title_page'), boards: await listBoards(req.db), moderator: isModerator(req) });
  });

  app.get('/forums/search', { config: { access } }, async (req) => {
    const q = queryValue(req, 'q').slice(0, 200);
    const hits = q ? await search(req.db, q) : [];
    return page('pages/forums/search', {
      title: req.viewer.t('forum.search.title'),
      q,
      searched: q !== '',
      hits: hits.map((h) => ({
        ...h,
        titleHtml: highlight(h.title_hl),
        snippetHtml: highlight(h.snippet),
        url: h.post_id && h.seq ? postUrl(h.id, h.seq, h.post_id) : `/forums/threads/${h.id}`,
      })),
    });
  });

  app.get('/forums/boards/:id', { config: { access } }, async (req) => {
    const board = await findBoard(req.db, idParam(req));
    if (!board) throw notFound();
    const pages = Math.max(1, Math.ceil(board.thread_count / THREADS_PER_PAGE));
    const current = Math.min(pageParam(req), pages);
    return page('pages/forums/board', {
      title: board.name,
      board,
      threads: await listThreads(req.db, board.id, current),
      pager: pager(`/forums/boards/${board.id}`, current, pages),
      subscribed: (await subscriptionsOf(req.db, me(req).id, { boardId: board.id })).board,
    });
  });

  async function newThreadPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[] = [], status = 200) {
    return page('pages/forums/new', { title: req.viewer.t('forum.new_thread'), boards: await listBoards(req.db), values, errors }, { status });
  }

  app.get('/forums/new', { config: { access } }, async (req) => {
    const board = asId(queryValue(req, 'board'));
    return newThreadPage(req, { board_id: board ? String(board) : '', title: '', body: '' });
  });

  app.post('/forums/new', { config: { access } }, async (req) => {
    const { values, errors } = parseForm(req.body, THREAD_FORM);
    const board = asId(values.board_id) ? await findBoard(req.db, asId(values.board_id)) : undefined;
    if (values.board_id && !board) errors.unshift({ field: 'board_id', key: 'forum.board.required', vars: { field: 'forum.board' } });
    if (errors.length || !board) return newThreadPage(req, values, errors, 422);
    const { threadId, postId } = await guarded(() => createThread(req.db, author(req), { boardId: board.id, title: values.title, body: values.body }));
    await subscribe(req.db, me(req).id, { threadId });
    await audit(req, { entityType: 'forum_thread', entityId: threadId, partnerId: me(req).partnerId ?? null, action: 'created', after: { board: board.id, title: values.title } });
    await notify(req, 'forum.thread', await recipients(req.db, null, board.id, me(req).id), {
      params: { board: board.name, thread: values.title, author: me(req).name },
      link: `/forums/threads/${threadId}`,
      key: `forum:thread:${threadId}`,
    });
    return redirect(`/forums/threads/${threadId}#post-${postId}`);
  });

  for (const action of ['subscribe', 'unsubscribe'] as const) {
    app.post(`/forums/boards/:id/${action}`, { config: { access } }, async (req) => {
      const board = await findBoard(req.db, idParam(req));
      if (!board) throw notFound();
      if (action === 'subscribe') await subscribe(req.db, me(req).id, { boardId: board.id });
      else await unsubscribe(req.db, me(req).id, { boardId: board.id });
      req.session.set('flash', { key: `forum.${action}d_board`, vars: { board: board.name } });
      return redirect(`/forums/boards/${board.id}`);
    });
  }

  await threadRoutes(app);
  await moderationRoutes(app);
  await boardAdminRoutes(app);
}
