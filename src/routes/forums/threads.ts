import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, forbidden, notFound, page, redirect } from '../../web/results.ts';
import { wantsPartial } from '../../plugins/app/render.ts';
import { audit } from '../../services/audit.ts';
import { notify } from '../../services/notify.ts';
import {
  addPost, findPost, findThread, pageCount, postsPage, recipients, subscribe, subscriptionsOf, unsubscribe, type Thread,
} from '../../repositories/forums.ts';
import { access, author, guarded, isModerator, me, pager, postUrl, present, quoteOf, withGaps, withinEditWindow } from './shared.ts';
import { asId, idParam, pageParam, queryValue } from '../../web/params.ts';

const BODY_FORM = {
  body: { label: 'forum.body', required: true, maxLength: 20000, messages: { required: 'forum.body.required' } },
} as const;
const REPLY_FORM = { ...BODY_FORM, quoted_post_id: { label: 'forum.quote' } } as const;

export default async function threadRoutes(app: FastifyInstance) {
  async function visibleThread(req: FastifyRequest): Promise<Thread> {
    const thread = await findThread(req.db, idParam(req));
    if (!thread) throw notFound();
    return thread;
  }

  /** Partners may not reply to a locked thread; staff still may. */
  const mayReply = (req: FastifyRequest, thread: Thread) => !thread.locked || me(req).kind === 'staff';

  /** The thread page; its reply form is the partial htmx swaps (the form, and with a new post the post too). */
  async function threadPage(
    req: FastifyRequest, thread: Thread, current: number,
    form: { values: Record<string, string>; errors: FieldError[]; status?: number; newPost?: unknown; quoting?: unknown } = { values: { body: '', quoted_post_id: '' }, errors: [] },
  ) {
    const pages = pageCount(thread.post_count);
    const pageNo = Math.min(Math.max(1, current), pages);
    const subs = await subscriptionsOf(req.db, me(req).id, { threadId: thread.id, boardId: thread.board_id });
    const posts = form.newPost ? [] : withGaps(req, thread, await postsPage(req.db, thread.id, pageNo), pageNo);
    return page(
      'pages/forums/thread',
      {
        title: thread.title,
        thread,
        answerUrl: thread.answer_post_id && thread.answer_seq ? postUrl(thread.id, thread.answer_seq, thread.answer_post_id) : null,
        posts,
        pager: pager(`/forums/threads/${thread.id}`, pageNo, pages),
        page: pageNo,
        lastPage: pages,
        subscribed: subs.thread,
        moderator: isModerator(req),
        canReply: mayReply(req, thread),
        values: form.values,
        errors: form.errors,
        newPost: form.newPost ?? null,
        quoting: form.quoting ?? null,
      },
      { status: form.status ?? 200, partial: 'partials/forums/reply-form' },
    );
  }

  app.get('/forums/threads/:id', { config: { access } }, async (req) => {
    const thread = await visibleThread(req);
    const quoteId = asId(queryValue(req, 'quote'));
    let values = { body: '', quoted_post_id: '' };
    let quoting = null;
    if (quoteId && mayReply(req, thread)) {
      const quoted = await findPost(req.db, quoteId);
      // Only a readable, visible post of this thread can be quoted.
      if (quoted && quoted.thread_id === thread.id && !quoted.hidden_at && !quoted.deleted_at) {
        values = { body: quoteOf(quoted), quoted_post_id: String(quoted.id) };
        quoting = { name: quoted.author_name, url: postUrl(thread.id, quoted.seq, quoted.id) };
      }
    }
    // Quoting happens in the reply form, which is on the last page.
    const current = quoting ? pageCount(thread.post_count) : pageParam(req);
    return threadPage(req, thread, current, { values, errors: [], quoting });
  });

  app.post('/forums/threads/:id/replies', { config: { access } }, async (req) => {
    const thread = await visibleThread(req);
    if (!mayReply(req, thread)) throw new HttpError(403, 'forum.locked');
    const { values, errors } = parseForm(req.body, REPLY_FORM);
    let quotedPostId: number | null = null;
    const quotedId = asId(values.quoted_post_id);
    if (quotedId) {
      const quoted = await findPost(req.db, quotedId);
      if (quoted && quoted.thread_id === thread.id && !quoted.hidden_at && !quoted.deleted_at) quotedPostId = quoted.id;
    }
    if (errors.length) return threadPage(req, thread, pageCount(thread.post_count), { values, errors, status: 422 });
    const post = await guarded(() => addPost(req.db, author(req), { threadId: thread.id, body: values.body, quotedPostId }));
    await subscribe(req.db, me(req).id, { threadId: thread.id });
    await audit(req, { entityType: 'forum_post', entityId: post.id, partnerId: me(req).partnerId ?? null, action: 'created', after: { thread: thread.id } });
    const url = postUrl(thread.id, post.seq, post.id);
    await notify(req, 'forum.reply', await recipients(req.db, thread.id, thread.board_id, me(req).id), {
      params: { thread: thread.title, author: me(req).name },
      link: url,
      key: `forum:reply:${post.id}`,
    });
    // With htmx: a fresh form, and the new post added to the page in place. Without: back to the thread, at the post.
    if (!wantsPartial(req)) return redirect(url);
    const fresh = (await findThread(req.db, thread.id))!;
    const created = await findPost(req.db, post.id);
    return threadPage(req, fresh, pageCount(fresh.post_count), { values: { body: '', quoted_post_id: '' }, errors: [], newPost: present(req, fresh, created!) });
  });

  for (const action of ['subscribe', 'unsubscribe'] as const) {
    app.post(`/forums/threads/:id/${action}`, { config: { access } }, async (req) => {
      const thread = await visibleThread(req);
      if (action === 'subscribe') await subscribe(req.db, me(req).id, { threadId: thread.id });
      else await unsubscribe(req.db, me(req).id, { threadId: thread.id });
      req.session.set('flash', { key: `forum.${action}d_thread` });
      return redirect(`/forums/threads/${thread.id}`);
    });
  }

  // The asker (or staff) marks a reply as the answer; sending no post clears it.
  app.post('/forums/threads/:id/answer', { config: { access } }, async (req) => {
    const thread = await visibleThread(req);
    if (thread.author_user_id !== me(req).id && me(req).kind !== 'staff') throw new HttpError(403, 'forum.answer.not_yours');
    const raw = (req.body as Record<string, unknown> | undefined)?.post_id;
    let answer: number | null = null;
    if (raw !== undefined && raw !== '') {
      const post = asId(raw) ? await findPost(req.db, asId(raw)) : undefined;
      if (!post || post.thread_id !== thread.id || post.hidden_at || post.deleted_at) throw notFound();
      if (post.seq === 1) throw new HttpError(409, 'forum.answer.not_question');
      answer = post.id;
    }
    const n = await guarded(() => req.db('forum_threads').where('id', thread.id).update({ answer_post_id: answer }));
    if (n !== 1) throw forbidden();
    await audit(req, { entityType: 'forum_thread', entityId: thread.id, partnerId: me(req).partnerId ?? null, action: answer ? 'answer_marked' : 'answer_cleared', before: { answer: thread.answer_post_id }, after: { answer } });
    req.session.set('flash', { key: answer ? 'forum.answer.marked' : 'forum.answer.cleared' });
    if (!answer) return redirect(`/forums/threads/${thread.id}`);
    const post = (await findPost(req.db, answer))!;
    return redirect(postUrl(thread.id, post.seq, post.id));
  });

  /** The author's own post, visible, within the edit window; otherwise the reason why not. */
  async function editable(req: FastifyRequest) {
    const post = await findPost(req.db, idParam(req));
    if (!post) throw notFound();
    if (post.author_user_id !== me(req).id) throw forbidden();
    if (post.hidden_at || post.deleted_at) throw new HttpError(403, 'forum.edit.moderated');
    if (!withinEditWindow(post)) throw new HttpError(403, 'forum.edit.too_late');
    const thread = (await findThread(req.db, post.thread_id))!;
    return { post, thread };
  }

  function editPage(req: FastifyRequest, post: { id: number }, thread: Thread, values: Record<string, string>, errors: FieldError[] = [], status = 200) {
    return page('pages/forums/edit', { title: req.viewer.t('forum.edit.title'), post, thread, values, errors }, { status });
  }

  app.get('/forums/posts/:id/edit', { config: { access } }, async (req) => {
    const { post, thread } = await editable(req);
    return editPage(req, post, thread, { body: post.body });
  });

  app.post('/forums/posts/:id/edit', { config: { access } }, async (req) => {
    const { post, thread } = await editable(req);
    const { values, errors } = parseForm(req.body, BODY_FORM);
    if (errors.length) return editPage(req, post, thread, values, errors, 422);
    if (values.body !== post.body) {
      // The update policy repeats the window: a post past it is not updated, whatever the route thought.
      const n = await guarded(() => req.db('forum_posts').where('id', post.id).update({ body: values.body, edited_at: req.db.fn.now() }));
      if (n !== 1) throw new HttpError(403, 'forum.edit.too_late');
      await audit(req, { entityType: 'forum_post', entityId: post.id, partnerId: me(req).partnerId ?? null, action: 'edited', before: { body: post.body }, after: { body: values.body } });
    }
    req.session.set('flash', { key: 'forum.edit.saved' });
    return redirect(postUrl(thread.id, post.seq, post.id));
  });
}
