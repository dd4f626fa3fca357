import type { Knex } from 'knex';
import type { Recipient } from '../services/notify.ts';

/** Posts per page of a thread, and threads per page of a board. */
export const POSTS_PER_PAGE = 20;
export const THREADS_PER_PAGE = 25;
/** How long an author may edit a post (the database's update policy says the same). */
export const EDIT_MINUTES = 30;

export type Board = {
  id: number; name: string; description: string | null; position: number; thread_count: number;
  last_thread_id: number | null; last_thread_title: string | null; last_post_at: Date | null;
};

export type Thread = {
  id: number; board_id: number; board_name: string; title: string; author_user_id: number; author_partner_id: number | null;
  pinned: boolean; locked: boolean; answer_post_id: number | null; answer_seq: number | null; post_count: number; created_at: Date; last_post_at: Date;
};

export type ThreadRow = {
  id: number; title: string; pinned: boolean; locked: boolean; answer_post_id: number | null; post_count: number; created_at: Date; last_post_at: Date;
  author_name: string | null; author_company: string | null; author_kind: 'staff' | 'partner' | null;
};

export type Post = {
  id: number; thread_id: number; seq: number; author_user_id: number; author_partner_id: number | null;
  author_name: string | null; author_company: string | null; author_kind: 'staff' | 'partner' | null;
  body: string; quoted_post_id: number | null; quoted_seq: number | null; created_at: Date; edited_at: Date | null;
  hidden_at: Date | null; hidden_reason: string | null; deleted_at: Date | null; deleted_reason: string | null;
};

export const pageCount = (posts: number) => Math.max(1, Math.ceil(posts / POSTS_PER_PAGE));
export const pageOf = (seq: number) => Math.max(1, Math.ceil(seq / POSTS_PER_PAGE));

/** Boards in their order, with the thread count kept on write and the latest activity from the index. */
export async function listBoards(db: Knex.Transaction): Promise<Board[]> {
  const { rows } = await db.raw<{ rows: Board[] }>(
    `SELECT b.id, b.name, b.description, b.position, b.thread_count, l.id AS last_thread_id, l.title AS last_thread_title, l.last_post_at
       FROM forum_boards b
       LEFT JOIN LATERAL (SELECT t.id, t.title, t.last_post_at FROM forum_threads t WHERE t.board_id = b.id ORDER BY t.last_post_at DESC LIMIT 1) l ON true
      ORDER BY b.position, lower(b.name), b.id`,
  );
  return rows;
}

export async function findBoard(db: Knex.Transaction, id: number): Promise<Board | undefined> {
  if (!id) return undefined;
  return db('forum_boards').where('id', id).first('id', 'name', 'description', 'position', 'thread_count');
}

/** One page of a board: pinned threads first, then by latest activity (the index's order). */
export async function listThreads(db: Knex.Transaction, boardId: number, page: number): Promise<ThreadRow[]> {
  const { rows } = await db.raw<{ rows: ThreadRow[] }>(
    `SELECT t.id, t.title, t.pinned, t.locked, t.answer_post_id, t.post_count, t.created_at, t.last_post_at,
            a.name AS author_name, a.company AS author_company, a.kind AS author_kind
       FROM forum_threads t LEFT JOIN forum_authors a ON a.id = t.author_user_id
      WHERE t.board_id = ?
      ORDER BY t.pinned DESC, t.last_post_at DESC, t.id DESC
      LIMIT ? OFFSET ?`,
    [boardId, THREADS_PER_PAGE, (page - 1) * THREADS_PER_PAGE],
  );
  return rows;
}

export async function findThread(db: Knex.Transaction, id: number): Promise<Thread | undefined> {
  if (!id) return undefined;
  const { rows } = await db.raw<{ rows: Thread[] }>(
    `SELECT t.id, t.board_id, b.name AS board_name, t.title, t.author_user_id, t.author_partner_id, t.pinned, t.locked, t.answer_post_id,
            ap.seq AS answer_seq, t.post_count, t.created_at, t.last_post_at
       FROM forum_threads t JOIN forum_boards b ON b.id = t.board_id
       LEFT JOIN forum_posts ap ON ap.id = t.answer_post_id
      WHERE t.id = ?`,
    [id],
  );
  return rows[0];
}

const POST_COLUMNS = `p.id, p.thread_id, p.seq, p.author_user_id, p.author_partner_id, a.name AS author_name, a.company AS author_company, a.kind AS author_kind,
  p.body, p.quoted_post_id, q.seq AS quoted_seq, p.created_at, p.edited_at, p.hidden_at, p.hidden_reason, p.deleted_at, p.deleted_reason`;
const POST_FROM = `forum_posts p LEFT JOIN forum_authors a ON a.id = p.author_user_id LEFT JOIN forum_posts q ON q.id = p.quoted_post_id`;

/**
 * Page `page` of a thread: a range of the dense post numbers on the (thread_id, seq) index, so the last page of a
 * long thread costs what the first does. Posts the policy hides from this reader are simply missing (gaps).
 */
export async function postsPage(db: Knex.Transaction, threadId: number, page: number): Promise<Post[]> {
  const first = (page - 1) * POSTS_PER_PAGE + 1;
  const { rows } = await db.raw<{ rows: Post[] }>(
    `SELECT ${POST_COLUMNS} FROM ${POST_FROM} WHERE p.thread_id = ? AND p.seq BETWEEN ? AND ? ORDER BY p.seq`,
    [threadId, first, first + POSTS_PER_PAGE - 1],
  );
  return rows;
}

export async function findPost(db: Knex.Transaction, id: number): Promise<Post | undefined> {
  if (!id) return undefined;
  const { rows } = await db.raw<{ rows: Post[] }>(`SELECT ${POST_COLUMNS} FROM ${POST_FROM} WHERE p.id = ?`, [id]);
  return rows[0];
}

type Author = { userId: number; partnerId: number | null };

export async function createThread(db: Knex.Transaction, author: Author, fields: { boardId: number; title: string; body: string }): Promise<{ threadId: number; postId: number }> {
  const [thread] = await db('forum_threads').insert({ board_id: fields.boardId, title: fields.title, author_user_id: author.userId, author_partner_id: author.partnerId }).returning('id');
  const post = await addPost(db, author, { threadId: thread.id, body: fields.body, quotedPostId: null });
  return { threadId: thread.id, postId: post.id };
}

/** A post gets its number from the database's trigger (under the thread's lock), which also refuses a locked thread. */
export async function addPost(db: Knex.Transaction, author: Author, fields: { threadId: number; body: string; quotedPostId: number | null }): Promise<{ id: number; seq: number }> {
  const [post] = await db('forum_posts')
    .insert({ thread_id: fields.threadId, author_user_id: author.userId, author_partner_id: author.partnerId, body: fields.body, quoted_post_id: fields.quotedPostId })
    .returning(['id', 'seq']);
  return post;
}

export type Subscription = { thread: boolean; board: boolean };

export async function subscriptionsOf(db: Knex.Transaction, userId: number, where: { threadId?: number; boardId: number }): Promise<Subscription> {
  const rows = await db('forum_subscriptions')
    .where('user_id', userId)
    .where((w) => {
      w.where('board_id', where.boardId);
      if (where.threadId) w.orWhere('thread_id', where.threadId);
    })
    .select('thread_id', 'board_id');
  return { thread: rows.some((r: { thread_id: number | null }) => r.thread_id !== null), board: rows.some((r: { board_id: number | null }) => r.board_id !== null) };
}

export async function subscribe(db: Knex.Transaction, userId: number, target: { threadId: number } | { boardId: number }): Promise<void> {
  if ('threadId' in target) {
    await db.raw(`INSERT INTO forum_subscriptions (user_id, thread_id) VALUES (?, ?) ON CONFLICT (thread_id, user_id) WHERE thread_id IS NOT NULL DO NOTHING`, [userId, target.threadId]);
  } else {
    await db.raw(`INSERT INTO forum_subscriptions (user_id, board_id) VALUES (?, ?) ON CONFLICT (board_id, user_id) WHERE board_id IS NOT NULL DO NOTHING`, [userId, target.boardId]);
  }
}

export async function unsubscribe(db: Knex.Transaction, userId: number, target: { threadId: number } | { boardId: number }): Promise<void> {
  await db('forum_subscriptions').where('user_id', userId).where('threadId' in target ? { thread_id: target.threadId } : { board_id: target.boardId }).delete();
}

/** Working subscribers of the thread (if any) or the board, in every company, except the one who wrote. */
export async function recipients(db: Knex.Transaction, threadId: number | null, boardId: number, exceptUserId: number): Promise<Recipient[]> {
  const { rows } = await db.raw<{ rows: Recipient[] }>('SELECT id, email, name, locale FROM forum_recipients(?::integer, ?::integer, ?::integer)', [threadId, boardId, exceptUserId]);
  return rows;
}

export type SearchHit = {
  id: number; board_id: number; board_name: string; answer_post_id: number | null; post_count: number; last_post_at: Date;
  post_id: number | null; seq: number | null; title_hl: string; snippet: string | null;
};

/** Marks around matched words in headlines: control characters, swapped for <mark> only after escaping. */
export const START = '\u0001';
export const STOP = '\u0002';

/**
 * Threads whose title or posts match, best first, with the best post of each and a snippet around the words.
 * It reads through the policies, so posts hidden from this reader never match.
 */
export async function search(db: Knex.Transaction, query: string, limit = 50): Promise<SearchHit[]> {
  const { rows } = await db.raw<{ rows: SearchHit[] }>(
    `WITH q AS (SELECT websearch_to_tsquery('portal_simple', ?) AS q),
     post_hits AS (
       SELECT DISTINCT ON (p.thread_id) p.thread_id, p.id AS post_id, p.seq, p.body, ts_rank(p.search, q.q) AS rank
         FROM forum_posts p CROSS JOIN q
        WHERE p.search @@ q.q
        ORDER BY p.thread_id, ts_rank(p.search, q.q) DESC, p.seq),
     title_hits AS (SELECT t.id AS thread_id FROM forum_threads t CROSS JOIN q WHERE t.search @@ q.q),
     found AS (
       SELECT t.id, t.title, t.board_id, t.answer_post_id, t.post_count, t.last_post_at, h.post_id, h.seq, h.body,
              coalesce(h.rank, 0) + CASE WHEN th.thread_id IS NULL THEN 0 ELSE 1 END AS rank
         FROM (SELECT thread_id FROM post_hits UNION SELECT thread_id FROM title_hits) ids
         JOIN forum_threads t ON t.id = ids.thread_id
         LEFT JOIN post_hits h ON h.thread_id = t.id
         LEFT JOIN title_hits th ON th.thread_id = t.id
        ORDER BY rank DESC, t.last_post_at DESC, t.id DESC
        LIMIT ?)
     SELECT f.id, f.board_id, b.name AS board_name, f.answer_post_id, f.post_count, f.last_post_at, f.post_id, f.seq,
            ts_headline('portal_simple', translate(f.title, chr(1) || chr(2), ''), q.q, 'HighlightAll=true, StartSel=' || chr(1) || ', StopSel=' || chr(2)) AS title_hl,
            CASE WHEN f.body IS NULL THEN NULL
                 ELSE ts_headline('portal_simple', translate(f.body, chr(1) || chr(2), ''), q.q,
                                  'MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … ", StartSel=' || chr(1) || ', StopSel=' || chr(2)) END AS snippet
       FROM found f CROSS JOIN q JOIN forum_boards b ON b.id = f.board_id
      ORDER BY f.rank DESC, f.last_post_at DESC, f.id DESC`,
    [query, limit],
  );
  return rows;
}

export type LogEntry = {
  id: number; at: Date; action: string; reason: string | null; thread_id: number; post_id: number | null; seq: number | null;
  thread_title: string; moderator_name: string;
};

/** The moderation log, newest first, a page at a time by id. */
export async function moderationLog(db: Knex.Transaction, before: number | null, limit = 50): Promise<LogEntry[]> {
  const { rows } = await db.raw<{ rows: LogEntry[] }>(
    `SELECT l.id, l.at, l.action, l.reason, l.thread_id, l.post_id, p.seq, t.title AS thread_title, u.name AS moderator_name
       FROM forum_moderation_log l
       JOIN forum_threads t ON t.id = l.thread_id
       JOIN users u ON u.id = l.moderator_user_id
       LEFT JOIN forum_posts p ON p.id = l.post_id
      WHERE (?::integer IS NULL OR l.id < ?::integer)
      ORDER BY l.id DESC
      LIMIT ?`,
    [before, before, limit],
  );
  return rows;
}

export async function logModeration(db: Knex.Transaction, entry: { moderatorId: number; action: string; threadId: number; postId?: number | null; reason?: string | null }): Promise<number> {
  const [row] = await db('forum_moderation_log')
    .insert({ moderator_user_id: entry.moderatorId, action: entry.action, thread_id: entry.threadId, post_id: entry.postId ?? null, reason: entry.reason ?? null })
    .returning('id');
  return row.id;
}
