import type { FastifyRequest } from 'fastify';
import { byCode, guardWith } from '../../web/refusals.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { markMatches } from '../../web/highlight.ts';
import { can } from '../../policies/permissions.ts';
import { EDIT_MINUTES, POSTS_PER_PAGE, pageOf, START, STOP, type Post, type Thread } from '../../repositories/forums.ts';

export const access = 'forums.post' as const;
export const moderate = 'forums.moderate' as const;

export const me = (req: FastifyRequest) => req.viewer.user!;
export const author = (req: FastifyRequest) => ({ userId: me(req).id, partnerId: me(req).partnerId ?? null });
export const isModerator = (req: FastifyRequest) => can(me(req), moderate);

/** The address of a post: its thread's page, at its anchor. */
export function postUrl(threadId: number, seq: number, postId: number): string {
  return `/forums/threads/${threadId}?page=${pageOf(seq)}#post-${postId}`;
}

/** The database's refusals (see migration 0016) as pages a person understands. */
export const forumRefusal = byCode({ PF423: [403, 'forum.locked'], PF403: [403, 'forum.not_allowed'], PF409: [409, 'forum.deleted_final'] });

export const guarded = guardWith(forumRefusal);

/** A search headline as HTML, matches marked (see markMatches). */
export function highlight(headline: string | null): string {
  return headline ? markMatches(headline, START, STOP) : '';
}

/** The Markdown that quotes a post in a reply. */
export function quoteOf(post: Post): string {
  const lines = post.body.replace(/\r\n?/g, '\n').trim().split('\n');
  return `> ${post.author_name ?? ''}:\n>\n${lines.map((l) => (l ? `> ${l}` : '>')).join('\n')}\n\n`;
}

export function withinEditWindow(post: Pick<Post, 'created_at'>, now = Date.now()): boolean {
  return now - new Date(post.created_at).getTime() < EDIT_MINUTES * 60_000;
}

export type PostView = {
  placeholder: false; id: number; seq: number; anchor: string; url: string;
  authorName: string; company: string; staff: boolean; createdAt: Date; editedAt: Date | null;
  /** Rendered Markdown, only when this reader may read the text. */
  html: string | null;
  state: 'visible' | 'hidden' | 'deleted';
  reason: string | null;
  mine: boolean; canEdit: boolean; canQuote: boolean; canMarkAnswer: boolean; isAnswer: boolean; isQuestion: boolean;
  quoted: { seq: number; url: string } | null;
};
export type Gap = { placeholder: true; seq: number };

/**
 * What this reader sees of a post. A hidden or deleted post shows its text and reason to its author and to
 * moderators; anyone else who can read the row (other staff) gets the placeholder, as partners do for a gap.
 */
export function present(req: FastifyRequest, thread: Pick<Thread, 'id' | 'author_user_id' | 'answer_post_id' | 'locked'>, post: Post): PostView | Gap {
  const user = me(req);
  const mine = post.author_user_id === user.id;
  const state = post.deleted_at ? 'deleted' : post.hidden_at ? 'hidden' : 'visible';
  const moderator = isModerator(req);
  if (state !== 'visible' && !mine && !moderator) return { placeholder: true, seq: post.seq };
  const staff = post.author_kind === 'staff';
  const asker = thread.author_user_id === user.id || user.kind === 'staff';
  return {
    placeholder: false,
    id: post.id,
    seq: post.seq,
    anchor: `post-${post.id}`,
    url: postUrl(thread.id, post.seq, post.id),
    authorName: post.author_name ?? '',
    company: staff ? req.viewer.vendor.name : (post.author_company ?? ''),
    staff,
    createdAt: post.created_at,
    editedAt: post.edited_at,
    html: renderMarkdown(post.body),
    state,
    reason: state === 'deleted' ? post.deleted_reason : state === 'hidden' ? post.hidden_reason : null,
    mine,
    canEdit: mine && state === 'visible' && withinEditWindow(post),
    canQuote: state === 'visible' && (!thread.locked || user.kind === 'staff'),
    canMarkAnswer: asker && state === 'visible' && post.seq > 1,
    isAnswer: thread.answer_post_id === post.id,
    isQuestion: post.seq === 1,
    quoted: post.quoted_post_id && post.quoted_seq ? { seq: post.quoted_seq, url: postUrl(thread.id, post.quoted_seq, post.quoted_post_id) } : null,
  };
}

/** A page of posts with the numbers this reader cannot see filled by placeholders, so the numbering stays whole. */
export function withGaps(req: FastifyRequest, thread: Thread, posts: Post[], page: number): Array<PostView | Gap> {
  const first = (page - 1) * POSTS_PER_PAGE + 1;
  const last = Math.min(thread.post_count, first + POSTS_PER_PAGE - 1);
  const bySeq = new Map(posts.map((p) => [p.seq, p]));
  const out: Array<PostView | Gap> = [];
  for (let seq = first; seq <= last; seq++) {
    const post = bySeq.get(seq);
    out.push(post ? present(req, thread, post) : { placeholder: true, seq });
  }
  return out;
}

/** Page links: first, previous, next, last and up to seven numbers around the current page. */
export function pager(base: string, current: number, pages: number, anchor = '') {
  const link = (n: number) => `${base}${base.includes('?') ? '&' : '?'}page=${n}${anchor}`;
  const from = Math.max(1, Math.min(current - 3, pages - 6));
  const to = Math.min(pages, from + 6);
  const numbers: Array<{ n: number; url: string; current: boolean }> = [];
  for (let n = from; n <= to; n++) numbers.push({ n, url: link(n), current: n === current });
  return {
    current, pages,
    first: current > 1 ? link(1) : null,
    prev: current > 1 ? link(current - 1) : null,
    next: current < pages ? link(current + 1) : null,
    last: current < pages ? link(pages) : null,
    numbers,
  };
}
