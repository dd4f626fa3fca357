import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, notFound, page, redirect } from '../../web/results.ts';
import { audit } from '../../services/audit.ts';
import { notify, type Recipient } from '../../services/notify.ts';
import { findPost, findThread, logModeration, moderationLog, type Post, type Thread } from '../../repositories/forums.ts';
import { guarded, me, moderate, postUrl, present } from './shared.ts';
import { asId, idParam, queryValue } from '../../web/params.ts';

const REASON_FORM = {
  reason: { label: 'forum.moderate.reason', required: true, maxLength: 1000, messages: { required: 'forum.moderate.reason.required' } },
} as const;

const THREAD_MOVES = {
  pin: { pinned: true },
  unpin: { pinned: false },
  lock: { locked: true },
  unlock: { locked: false },
} as const;

export default async function moderationRoutes(app: FastifyInstance) {
  for (const [action, change] of Object.entries(THREAD_MOVES)) {
    app.post(`/forums/threads/:id/${action}`, { config: { access: moderate } }, async (req) => {
      const thread = await findThread(req.db, idParam(req));
      if (!thread) throw notFound();
      await guarded(() => req.db('forum_threads').where('id', thread.id).update(change));
      await logModeration(req.db, { moderatorId: me(req).id, action, threadId: thread.id });
      await audit(req, { entityType: 'forum_thread', entityId: thread.id, partnerId: thread.author_partner_id, action, before: { pinned: thread.pinned, locked: thread.locked }, after: change });
      req.session.set('flash', { key: `forum.moderate.done.${action}` });
      return redirect(`/forums/threads/${thread.id}`);
    });
  }

  async function target(req: FastifyRequest): Promise<{ post: Post; thread: Thread }> {
    const post = await findPost(req.db, idParam(req));
    if (!post) throw notFound();
    return { post, thread: (await findThread(req.db, post.thread_id))! };
  }

  function moderatePage(req: FastifyRequest, post: Post, thread: Thread, values: Record<string, string>, errors: FieldError[] = [], status = 200) {
    return page('pages/forums/moderate', { title: req.viewer.t('forum.moderate.title'), post: present(req, thread, post), raw: post, thread, values, errors }, { status });
  }

  app.get('/forums/posts/:id/moderate', { config: { access: moderate } }, async (req) => {
    const { post, thread } = await target(req);
    return moderatePage(req, post, thread, { reason: '' });
  });

  // Hide (reversible) or delete (final), each with a reason the author will read; or show a hidden post again.
  app.post('/forums/posts/:id/moderate', { config: { access: moderate } }, async (req) => {
    const { post, thread } = await target(req);
    const action = String((req.body as Record<string, unknown> | undefined)?.action ?? '');
    if (!['hide', 'unhide', 'delete'].includes(action)) throw new HttpError(400, 'error.bad_request');
    if (post.deleted_at) throw new HttpError(409, 'forum.deleted_final');
    if (action === 'unhide' && !post.hidden_at) throw new HttpError(409, 'forum.moderate.not_hidden');
    if (action === 'hide' && post.hidden_at) throw new HttpError(409, 'forum.moderate.already_hidden');
    let reason: string | null = null;
    if (action !== 'unhide') {
      const { values, errors } = parseForm(req.body, REASON_FORM);
      if (errors.length) return moderatePage(req, post, thread, values, errors, 422);
      reason = values.reason;
    }
    const now = req.db.fn.now();
    const change = action === 'hide' ? { hidden_at: now, hidden_by: me(req).id, hidden_reason: reason }
      : action === 'unhide' ? { hidden_at: null, hidden_by: null, hidden_reason: null }
      : { deleted_at: now, deleted_by: me(req).id, deleted_reason: reason };
    await guarded(() => req.db('forum_posts').where('id', post.id).update(change));
    // An answer nobody else can read is no answer.
    if (action !== 'unhide' && thread.answer_post_id === post.id) await req.db('forum_threads').where('id', thread.id).update({ answer_post_id: null });
    const logId = await logModeration(req.db, { moderatorId: me(req).id, action, threadId: thread.id, postId: post.id, reason });
    await audit(req, { entityType: 'forum_post', entityId: post.id, partnerId: post.author_partner_id, action, after: { thread: thread.id, reason } });
    if (action !== 'unhide' && post.author_user_id !== me(req).id) {
      const recipient = await authorRecipient(req, post.author_user_id);
      if (recipient) {
        await notify(req, 'forum.moderated', [recipient], {
          params: { thread: thread.title, reason: reason ?? '', actionKey: `forum.moderated.action.${action}` },
          link: postUrl(thread.id, post.seq, post.id),
          key: `forum:moderated:${post.id}:${action}:${logId}`,
        });
      }
    }
    req.session.set('flash', { key: `forum.moderate.done.${action}` });
    return redirect(postUrl(thread.id, post.seq, post.id));
  });

  app.get('/forums/moderation', { config: { access: moderate } }, async (req) => {
    const before = asId(queryValue(req, 'before')) || null;
    const entries = await moderationLog(req.db, before, 51);
    const shown = entries.slice(0, 50);
    return page('pages/forums/log', {
      title: req.viewer.t('forum.log.title'),
      entries: shown.map((e) => ({ ...e, url: e.post_id && e.seq ? postUrl(e.thread_id, e.seq, e.post_id) : `/forums/threads/${e.thread_id}` })),
      nextUrl: entries.length > 50 ? `/forums/moderation?before=${shown[shown.length - 1]!.id}` : null,
      firstUrl: before ? '/forums/moderation' : null,
    });
  });
}

/** The author of a moderated post, as a recipient (moderators are staff, who read every user). */
async function authorRecipient(req: FastifyRequest, userId: number): Promise<Recipient | undefined> {
  return req.db('users').where({ id: userId, status: 'active' }).first('id', 'email', 'name', 'locale');
}
