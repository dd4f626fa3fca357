import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, errorTitle, hidden, signedIn, text } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import { inContext } from '../../src/db/scope.ts';
import { isAccess } from '../../src/web/access.ts';
import { postsPage } from '../../src/repositories/forums.ts';
import { signedInCompany, type SignedInCompany } from '../support/company.ts';

let t: TestApp;
let knex: Knex;
let moderator: Client;
let moderatorUser: Awaited<ReturnType<typeof createUser>>;
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
  moderatorUser = await createUser(knex, { role: 'support_agent' });
  moderator = await signedIn(t.app, moderatorUser.email, TEST_PASSWORD);
});
afterAll(async () => t.close());

/** A fresh partner company with one signed-in partner admin. */
const company = () => signedInCompany(t);
type Company = SignedInCompany;

/** A board of the test's own (demo boards stay untouched). */
async function newBoard(): Promise<{ id: number; name: string }> {
  const [row] = await knex('forum_boards').insert({ name: unique('Board'), description: 'For tests', position: 5000 }).returning(['id', 'name']);
  return row;
}

async function startThread(client: Client, boardId: number, title = unique('Question'), body = 'How does this work?'): Promise<{ threadId: number; postId: number }> {
  await client.get(`/forums/new?board=${boardId}`);
  const res = await client.post('/forums/new', { board_id: String(boardId), title, body });
  expect(res.statusCode, text(res.body).slice(0, 300)).toBe(303);
  const m = /^\/forums\/threads\/(\d+)#post-(\d+)$/.exec(String(res.headers.location))!;
  return { threadId: Number(m[1]), postId: Number(m[2]) };
}

async function reply(client: Client, threadId: number, body: string, extra: Record<string, string> = {}): Promise<{ postId: number; location: string }> {
  await client.get(`/forums/threads/${threadId}`);
  const res = await client.post(`/forums/threads/${threadId}/replies`, { body, ...extra });
  expect(res.statusCode, text(res.body).slice(0, 300)).toBe(303);
  const location = String(res.headers.location);
  return { postId: Number(/#post-(\d+)$/.exec(location)![1]), location };
}

/** Posts straight into a thread with the owner's handle (the numbering trigger still numbers them). */
async function bulkPosts(threadId: number, userId: number, partnerId: number | null, count: number, body = (i: number) => `Bulk post ${i}`) {
  for (let i = 0; i < count; i++) await knex('forum_posts').insert({ thread_id: threadId, author_user_id: userId, author_partner_id: partnerId, body: body(i) });
}

const asPartner = <T>(c: Company, work: (db: Knex.Transaction) => Promise<T>) => inContext(knex, { context: 'partner', userId: c.user.id, partnerId: c.partner.id }, work);

describe('threads and replies', () => {
  it('starts a thread and replies without JavaScript: 303 to the reply at its anchor on its page, authors named with their company', async () => {
    const board = await newBoard();
    const asker = await company();
    const title = unique('How do I restore');
    const { threadId, postId } = await startThread(asker.client, board.id, title, 'Restore a **single** mailbox?');
    const page = await asker.client.get(`/forums/threads/${threadId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<article id="post-${postId}"`);
    expect(page.body).toContain('<strong>single</strong>');
    expect(text(page.body)).toContain(`${asker.user.name} ${asker.partner.name}`);

    const { postId: staffPost, location } = await reply(moderator, threadId, 'Use **Browse** at the point in time.');
    expect(location).toBe(`/forums/threads/${threadId}?page=1#post-${staffPost}`);
    const after = await asker.client.get(location.split('#')[0]!);
    const article = after.body.slice(after.body.indexOf(`<article id="post-${staffPost}"`));
    expect(text(article)).toMatch(new RegExp(`^${moderatorUser.name} Lumen Software Staff`));

    // The board lists it with its reply count and latest activity; the board list counts threads.
    const boardPage = text((await asker.client.get(`/forums/boards/${board.id}`)).body);
    expect(boardPage).toContain(title);
    expect(text((await asker.client.get('/forums')).body)).toContain(`${board.name} For tests 1 ${title}`);
  });

  it('refuses an empty thread or reply with 422, the GOV.UK summary and the values kept', async () => {
    const board = await newBoard();
    const c = await company();
    await c.client.get('/forums/new');
    const bad = await c.client.post('/forums/new', { board_id: String(board.id), title: 'Kept title', body: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('<a href="#body">Write a message</a>');
    expect(bad.body).toContain('value="Kept title"');
    expect(bad.body).toMatch(/<title>Error: /);
    const noBoard = await c.client.post('/forums/new', { board_id: '999999999', title: 'x', body: 'y' });
    expect(noBoard.statusCode).toBe(422);
    expect(noBoard.body).toContain('<a href="#board_id">Choose a board</a>');

    const { threadId } = await startThread(c.client, board.id);
    await c.client.get(`/forums/threads/${threadId}`);
    const plain = await c.client.post(`/forums/threads/${threadId}/replies`, { body: '   ' });
    expect(plain.statusCode).toBe(422);
    expect(plain.body).toContain('<html');
    expect(plain.body).toContain('<a href="#body">Write a message</a>');
  });

  it('with htmx, answers a reply with a fresh form and the new post for #posts, and a refusal with the form alone', async () => {
    const board = await newBoard();
    const c = await company();
    const { threadId } = await startThread(c.client, board.id);
    await c.client.get(`/forums/threads/${threadId}`);
    const res = await c.client.post(`/forums/threads/${threadId}/replies`, { body: 'Posted in place' }, { htmx: true });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers.vary)).toMatch(/HX-Request, HX-Request-Type/);
    expect(res.body).not.toContain('<html');
    expect(res.body.trimStart()).toMatch(/^<form id="reply-form"[^>]* hx-post="\/forums\/threads\/\d+\/replies" hx-target="this" hx-swap="outerHTML"/);
    expect(res.body).toMatch(/<textarea id="body" name="body"[^>]*><\/textarea>/);
    const partial = res.body.slice(res.body.indexOf('<hx-partial hx-target="#posts" hx-swap="beforeend">'));
    expect(partial).toMatch(/<article id="post-\d+"/);
    expect(text(partial)).toContain('Posted in place');

    const refused = await c.client.post(`/forums/threads/${threadId}/replies`, { body: '' }, { htmx: true });
    expect(refused.statusCode).toBe(422);
    expect(refused.body.trimStart()).toMatch(/^<form id="reply-form"/);
    expect(refused.body).toContain('There is a problem');
    expect(refused.body).not.toContain('<hx-partial');
  });

  it('quotes a post: the link opens the reply form with a Markdown blockquote, and the reply records what it quoted', async () => {
    const board = await newBoard();
    const c = await company();
    const { threadId, postId } = await startThread(c.client, board.id, unique('Quote me'), 'First line\nSecond line');
    const other = await company();
    const page = await other.client.get(`/forums/threads/${threadId}`);
    expect(page.body).toContain(`href="/forums/threads/${threadId}?quote=${postId}#reply"`);
    const form = await other.client.get(`/forums/threads/${threadId}?quote=${postId}`);
    expect(form.body).toContain(`&gt; ${c.user.name}:\n&gt;\n&gt; First line\n&gt; Second line`);
    expect(hidden(form.body, 'quoted_post_id')).toBe(String(postId));
    const { postId: answer } = await reply(other.client, threadId, '> First line\n\nAgreed', { quoted_post_id: String(postId) });
    expect((await knex('forum_posts').where('id', answer).first('quoted_post_id')).quoted_post_id).toBe(postId);
    const shown = await other.client.get(`/forums/threads/${threadId}`);
    expect(shown.body).toContain('<blockquote>');
    expect(text(shown.body)).toContain('Quotes post 1');
    // A post of another thread is not a quote here.
    const elsewhere = await startThread(c.client, board.id);
    const { postId: stray } = await reply(other.client, threadId, 'No quote', { quoted_post_id: String(elsewhere.postId) });
    expect((await knex('forum_posts').where('id', stray).first('quoted_post_id')).quoted_post_id).toBeNull();
  });

  it('lets authors edit their own post for 30 minutes, shows "edited", and refuses afterwards in the route and the database', async () => {
    const board = await newBoard();
    const c = await company();
    const other = await company();
    const { threadId, postId } = await startThread(c.client, board.id, unique('Edit me'), 'Typo here');
    await c.client.get(`/forums/posts/${postId}/edit`);
    const saved = await c.client.post(`/forums/posts/${postId}/edit`, { body: 'No typo here' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/forums/threads/${threadId}?page=1#post-${postId}`);
    const page = text((await c.client.get(`/forums/threads/${threadId}`)).body);
    expect(page).toContain('No typo here');
    expect(page).toContain('edited');
    expect((await other.client.get(`/forums/posts/${postId}/edit`)).statusCode).toBe(403);
    expect((await other.client.post(`/forums/posts/${postId}/edit`, { body: 'Hijacked' })).statusCode).toBe(403);
    expect((await c.client.post(`/forums/posts/${postId}/edit`, { body: '' })).statusCode).toBe(422);

    await knex('forum_posts').where('id', postId).update({ created_at: knex.raw(`now() - interval '31 minutes'`) });
    const late = await c.client.get(`/forums/posts/${postId}/edit`);
    expect(late.statusCode).toBe(403);
    expect(errorTitle(late)).toBe('Too late to edit');
    expect((await c.client.post(`/forums/posts/${postId}/edit`, { body: 'Too late' })).statusCode).toBe(403);
    expect((await c.client.get(`/forums/threads/${threadId}`)).body).not.toContain(`/forums/posts/${postId}/edit`);
    // The update policy refuses it as well, whatever a query tries.
    expect(await asPartner(c, (db) => db('forum_posts').where('id', postId).update({ body: 'Sneaky' }))).toBe(0);
    expect((await knex('forum_posts').where('id', postId).first('body')).body).toBe('No typo here');
  });

  it("marks the answer only by the thread's author (or staff), shows it as Answered and links to it", async () => {
    const board = await newBoard();
    const asker = await company();
    const helper = await company();
    const title = unique('Answer me');
    const { threadId, postId: question } = await startThread(asker.client, board.id, title);
    const { postId: answer } = await reply(helper.client, threadId, 'Here is how');
    await helper.client.get(`/forums/threads/${threadId}`);
    expect((await helper.client.post(`/forums/threads/${threadId}/answer`, { post_id: String(answer) })).statusCode).toBe(403);
    expect(await asPartner(helper, (db) => db('forum_threads').where('id', threadId).update({ answer_post_id: answer }))).toBe(0);
    expect((await asker.client.get(`/forums/threads/${threadId}`)).body).toContain('Mark as the answer');
    expect((await asker.client.post(`/forums/threads/${threadId}/answer`, { post_id: String(question) })).statusCode).toBe(409);
    const marked = await asker.client.post(`/forums/threads/${threadId}/answer`, { post_id: String(answer) });
    expect(marked.statusCode).toBe(303);
    expect(marked.headers.location).toBe(`/forums/threads/${threadId}?page=1#post-${answer}`);
    expect((await knex('forum_threads').where('id', threadId).first('answer_post_id')).answer_post_id).toBe(answer);
    const page = await helper.client.get(`/forums/threads/${threadId}`);
    expect(text(page.body)).toContain('Answered');
    expect(page.body).toContain(`<a href="/forums/threads/${threadId}?page=1#post-${answer}">Go to the accepted answer</a>`);
    expect(text(page.body.slice(page.body.indexOf(`<article id="post-${answer}"`)))).toContain('Accepted answer');
    const row = (await helper.client.get(`/forums/boards/${board.id}`)).body;
    expect(text(row)).toContain(`${title} Answered`);
    // Staff may mark (or clear) it too.
    await moderator.get(`/forums/threads/${threadId}`);
    expect((await moderator.post(`/forums/threads/${threadId}/answer`, { post_id: '' })).statusCode).toBe(303);
    expect((await knex('forum_threads').where('id', threadId).first('answer_post_id')).answer_post_id).toBeNull();
  });
});

describe('moderation', () => {
  it('lets only moderators pin and lock; a locked thread refuses partners but not staff', async () => {
    const board = await newBoard();
    const c = await company();
    const manager = await signedIn(t.app, (await createUser(knex, { role: 'channel_manager' })).email, TEST_PASSWORD);
    const { threadId } = await startThread(c.client, board.id, unique('Pin me'));
    await c.client.get(`/forums/threads/${threadId}`);
    for (const action of ['pin', 'lock']) expect((await c.client.post(`/forums/threads/${threadId}/${action}`, {})).statusCode).toBe(403);
    await manager.get(`/forums/threads/${threadId}`);
    expect((await manager.post(`/forums/threads/${threadId}/pin`, {})).statusCode).toBe(403);
    expect((await manager.get('/forums/moderation')).statusCode).toBe(403);
    // The trigger refuses it too, even for the thread's own author whom the update policy lets in.
    await expect(asPartner(c, (db) => db('forum_threads').where('id', threadId).update({ pinned: true }))).rejects.toMatchObject({ code: 'PF403' });

    await moderator.get(`/forums/threads/${threadId}`);
    expect((await moderator.post(`/forums/threads/${threadId}/pin`, {})).statusCode).toBe(303);
    expect((await moderator.post(`/forums/threads/${threadId}/lock`, {})).statusCode).toBe(303);
    expect(await knex('forum_threads').where('id', threadId).first('pinned', 'locked')).toEqual({ pinned: true, locked: true });

    const locked = await c.client.get(`/forums/threads/${threadId}`);
    expect(text(locked.body)).toContain('This thread is locked: no new replies.');
    expect(locked.body).not.toContain('id="body"');
    const refused = await c.client.post(`/forums/threads/${threadId}/replies`, { body: 'Let me in' });
    expect(refused.statusCode).toBe(403);
    expect(errorTitle(refused)).toBe('This thread is locked');
    await expect(asPartner(c, (db) => db('forum_posts').insert({ thread_id: threadId, author_user_id: c.user.id, author_partner_id: c.partner.id, body: 'Direct' }))).rejects.toMatchObject({ code: 'PF423' });
    await reply(moderator, threadId, 'Staff may still answer');

    const log = text((await moderator.get('/forums/moderation')).body);
    expect(log).toMatch(new RegExp(`${moderatorUser.name} Locked`));
    expect(log).toMatch(new RegExp(`${moderatorUser.name} Pinned`));
    expect((await moderator.post(`/forums/threads/${threadId}/unlock`, {})).statusCode).toBe(303);
    await reply(c.client, threadId, 'Open again');
  });

  it('hides a post with a required reason: others never read it (page, search, RLS), the author does with the reason and is told', async () => {
    const board = await newBoard();
    const author = await company();
    const other = await company();
    const secret = `Confidential pricing ${unique('zz')}`;
    const { threadId } = await startThread(other.client, board.id, unique('Pricing'));
    const { postId } = await reply(author.client, threadId, secret);
    await author.client.get(`/forums/threads/${threadId}`);
    expect((await author.client.get(`/forums/posts/${postId}/moderate`)).statusCode).toBe(403);
    await expect(asPartner(author, (db) => db('forum_posts').where('id', postId).update({ hidden_at: new Date(), hidden_reason: 'self' }))).rejects.toMatchObject({ code: 'PF403' });

    await moderator.get(`/forums/posts/${postId}/moderate`);
    const noReason = await moderator.post(`/forums/posts/${postId}/moderate`, { action: 'hide', reason: '' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('<a href="#reason">Give the reason, for the author</a>');
    const done = await moderator.post(`/forums/posts/${postId}/moderate`, { action: 'hide', reason: 'Customer pricing is not for the forums' });
    expect(done.statusCode).toBe(303);

    const seen = await other.client.get(`/forums/threads/${threadId}`);
    expect(seen.body).not.toContain(secret);
    expect(seen.body).not.toContain(`id="post-${postId}"`);
    expect(text(seen.body)).toContain('Post 2 was removed by a moderator.');
    expect((await other.client.get(`/forums/posts/${postId}/edit`)).statusCode).toBe(404);
    expect((await other.client.get(`/forums/threads/${threadId}?quote=${postId}`)).body).not.toContain(secret);
    expect(text((await other.client.get(`/forums/search?q=${encodeURIComponent(secret)}`)).body)).toContain('0 threads found');
    expect(await asPartner(other, (db) => db('forum_posts').where('id', postId).select('body'))).toEqual([]);
    expect(await asPartner(other, (db) => db('forum_posts').where('thread_id', threadId).pluck('seq'))).toEqual([1]);

    const own = text((await author.client.get(`/forums/threads/${threadId}`)).body);
    expect(own).toContain(secret);
    expect(own).toContain('A moderator hid your post: only you and the moderators can read it. Reason: Customer pricing is not for the forums');
    expect(await asPartner(author, (db) => db('forum_posts').where('id', postId).pluck('hidden_reason'))).toEqual(['Customer pricing is not for the forums']);

    const told = await knex('notifications').where({ user_id: author.user.id, type: 'forum.moderated' });
    expect(told).toHaveLength(1);
    expect(told[0].params.reason).toBe('Customer pricing is not for the forums');
    expect(text((await author.client.get('/notifications')).body)).toContain('was hidden by a moderator. Reason: Customer pricing is not for the forums');
    expect(await knex('outbox_emails').where('to_email', author.user.email).where('event_key', 'like', `forum:moderated:${postId}:hide:%`)).toHaveLength(1);

    const log = text((await moderator.get('/forums/moderation')).body);
    expect(log).toContain('Hidden');
    expect(log).toContain('Customer pricing is not for the forums');

    // Reversible: shown again.
    expect((await moderator.post(`/forums/posts/${postId}/moderate`, { action: 'unhide' })).statusCode).toBe(303);
    expect((await other.client.get(`/forums/threads/${threadId}`)).body).toContain(secret);
  });

  it('deletes a post for good with a reason: placeholder for others, the reason for the author, no way back', async () => {
    const board = await newBoard();
    const author = await company();
    const other = await company();
    const { threadId } = await startThread(other.client, board.id);
    const { postId } = await reply(author.client, threadId, 'Spam spam spam');
    await moderator.get(`/forums/posts/${postId}/moderate`);
    expect((await moderator.post(`/forums/posts/${postId}/moderate`, { action: 'delete' })).statusCode).toBe(422);
    expect((await moderator.post(`/forums/posts/${postId}/moderate`, { action: 'delete', reason: 'Advertising' })).statusCode).toBe(303);
    expect(text((await other.client.get(`/forums/threads/${threadId}`)).body)).not.toContain('Spam spam spam');
    expect(text((await author.client.get(`/forums/threads/${threadId}`)).body)).toContain('A moderator deleted your post: only you and the moderators can read it. Reason: Advertising');
    expect((await moderator.post(`/forums/posts/${postId}/moderate`, { action: 'unhide' })).statusCode).toBe(409);
    expect((await moderator.post(`/forums/posts/${postId}/moderate`, { action: 'hide', reason: 'x' })).statusCode).toBe(409);
    expect(await knex('notifications').where({ user_id: author.user.id, type: 'forum.moderated' })).toHaveLength(1);
    expect(text((await author.client.get('/notifications')).body)).toContain('was deleted by a moderator. Reason: Advertising');
  });
});

describe('authors across the company wall', () => {
  it('shows a partner the names and companies of other authors through forum_authors, never their user rows', async () => {
    const board = await newBoard();
    const a = await company();
    const b = await company();
    await startThread(a.client, board.id);
    const silent = await createUser(knex, { partnerId: a.partner.id });
    await asPartner(b, async (db) => {
      expect(await db('users').where('id', a.user.id).select('id', 'name')).toEqual([]);
      expect(await db('forum_authors').where('id', a.user.id).select('name', 'company', 'kind')).toEqual([{ name: a.user.name, company: a.partner.name, kind: 'partner' }]);
      // Someone who never wrote in the forums is not there.
      expect(await db('forum_authors').where('id', silent.id)).toEqual([]);
    });
  });
});

describe('subscriptions', () => {
  it("notify the thread's and board's subscribers of a reply, except its author, by each one's preference", async () => {
    const board = await newBoard();
    const asker = await company();
    const boardFan = await company();
    const threadFan = await company();
    const replier = await company();
    await boardFan.client.get(`/forums/boards/${board.id}`);
    expect((await boardFan.client.post(`/forums/boards/${board.id}/subscribe`, {})).statusCode).toBe(303);
    expect((await boardFan.client.get(`/forums/boards/${board.id}`)).body).toContain('Unsubscribe from this board');

    const { threadId } = await startThread(asker.client, board.id, unique('Subscribed'));
    // The board's subscriber hears of the new thread (portal only by default); the asker follows the thread.
    expect(await knex('notifications').where({ user_id: boardFan.user.id, type: 'forum.thread' })).toHaveLength(1);
    expect(await knex('outbox_emails').where('to_email', boardFan.user.email)).toHaveLength(0);
    expect(await knex('forum_subscriptions').where({ user_id: asker.user.id, thread_id: threadId })).toHaveLength(1);

    await threadFan.client.get(`/forums/threads/${threadId}`);
    expect((await threadFan.client.post(`/forums/threads/${threadId}/subscribe`, {})).statusCode).toBe(303);
    await knex('notification_preferences').insert({ user_id: threadFan.user.id, event_type: 'forum.reply', channel: 'portal' });

    const { postId } = await reply(replier.client, threadId, 'A reply for everyone');
    for (const who of [asker, boardFan, threadFan]) {
      const rows = await knex('notifications').where({ user_id: who.user.id, type: 'forum.reply' });
      expect(rows).toHaveLength(1);
      expect(rows[0].link).toBe(`/forums/threads/${threadId}?page=1#post-${postId}`);
    }
    expect(await knex('notifications').where({ user_id: replier.user.id, type: 'forum.reply' })).toHaveLength(0);
    const emails = await knex('outbox_emails').where('event_key', 'like', `forum:reply:${postId}:%`).pluck('to_email');
    expect(emails.sort()).toEqual([asker.user.email, boardFan.user.email].sort());
    // The replier now follows the thread; unsubscribing stops it.
    expect(await knex('forum_subscriptions').where({ user_id: replier.user.id, thread_id: threadId })).toHaveLength(1);
    await threadFan.client.get(`/forums/threads/${threadId}`);
    expect((await threadFan.client.post(`/forums/threads/${threadId}/unsubscribe`, {})).statusCode).toBe(303);
    await reply(replier.client, threadId, 'Second reply');
    expect(await knex('notifications').where({ user_id: threadFan.user.id, type: 'forum.reply' })).toHaveLength(1);
  });
});

describe('pagination', () => {
  it('numbers posts densely and reads page N as a range: 45 posts make 3 pages, page 3 holds posts 41 to 45', async () => {
    const board = await newBoard();
    const c = await company();
    const { threadId } = await startThread(c.client, board.id, unique('Long thread'), 'Post number 1');
    await bulkPosts(threadId, c.user.id, c.partner.id, 44, (i) => `Post number ${i + 2}`);
    expect((await knex('forum_threads').where('id', threadId).first('post_count')).post_count).toBe(45);
    expect(await knex('forum_posts').where('thread_id', threadId).orderBy('seq').pluck('seq')).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));

    const first = await c.client.get(`/forums/threads/${threadId}`);
    expect(first.body).toContain(`href="/forums/threads/${threadId}?page=3">Last page (3)</a>`);
    expect(first.body).toContain(`href="/forums/threads/${threadId}?page=2" rel="next">Next page</a>`);
    expect(first.body).not.toContain('Previous page');
    expect(first.body).toContain(`?page=3#reply`);
    expect(first.body).not.toContain('id="reply-form"');
    const last = await c.client.get(`/forums/threads/${threadId}?page=3`);
    const shown = [...last.body.matchAll(/<p>Post number (\d+)<\/p>/g)].map((m) => Number(m[1]));
    expect(shown).toEqual([41, 42, 43, 44, 45]);
    expect(last.body).toContain(`href="/forums/threads/${threadId}?page=2" rel="prev">Previous page</a>`);
    expect(last.body).toContain('<a href="/forums/threads/' + threadId + '?page=3" aria-current="page">');
    expect(last.body).toContain('id="reply-form"');
    // Beyond the end, or nonsense: the nearest real page.
    expect([...(await c.client.get(`/forums/threads/${threadId}?page=99`)).body.matchAll(/<p>Post number (\d+)<\/p>/g)].map((m) => Number(m[1]))).toEqual([41, 42, 43, 44, 45]);
    expect((await c.client.get(`/forums/threads/${threadId}?page=abc`)).body).toContain('<p>Post number 1</p>');
    // A reply lands on the last page, and the redirect says so.
    const { location } = await reply(c.client, threadId, 'Number 46');
    expect(location).toMatch(new RegExp(`^/forums/threads/${threadId}\\?page=3#post-\\d+$`));
    expect((await asPartner(c, (db) => postsPage(db, threadId, 2))).map((p) => p.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 21));
  });

  it('keeps the board list in pages of 25, pinned first', async () => {
    const board = await newBoard();
    const c = await company();
    const ids: number[] = [];
    for (let i = 0; i < 26; i++) ids.push((await startThread(c.client, board.id, `Thread ${String(i).padStart(2, '0')} ${unique('t')}`)).threadId);
    await moderator.get(`/forums/threads/${ids[0]}`);
    await moderator.post(`/forums/threads/${ids[0]}/pin`, {});
    const first = (await c.client.get(`/forums/boards/${board.id}`)).body;
    const titles = [...first.matchAll(/<a href="\/forums\/threads\/(\d+)">/g)].map((m) => Number(m[1]));
    expect(titles).toHaveLength(25);
    expect(titles[0]).toBe(ids[0]);
    expect(titles[1]).toBe(ids[25]);
    const second = (await c.client.get(`/forums/boards/${board.id}?page=2`)).body;
    expect([...second.matchAll(/<a href="\/forums\/threads\/(\d+)">/g)].map((m) => Number(m[1]))).toEqual([ids[1]]);
  });
});

describe('search', () => {
  it('finds words without their accents, marks them safely, and never shows markup from posts', async () => {
    const board = await newBoard();
    const c = await company();
    const word = unique('kod').replace('-', '');
    const { threadId } = await startThread(c.client, board.id, `Žlutý ${word} report`, `Ten žlutý kůň & "vůz" <b>${word}</b> <script>alert(1)</script>`);
    const res = await c.client.get(`/forums/search?q=zluty+${word}`);
    expect(res.statusCode).toBe(200);
    expect(text(res.body)).toContain('1 thread found');
    expect(res.body).toContain(`href="/forums/threads/${threadId}?page=1#post-`);
    expect(res.body).toContain('<mark>Žlutý</mark>');
    expect(res.body).toContain('<mark>žlutý</mark>');
    const results = res.body.slice(res.body.indexOf('<section aria-labelledby="search-results">'));
    expect(results).toContain('&amp; &quot;vůz&quot;');
    expect(results).not.toMatch(/<(script|b)\b/);
    expect(text((await c.client.get('/forums/search?q=')).body)).not.toContain('found');
    expect((await c.client.get('/forums/search?q=%22%29%28%26%7C!')).statusCode).toBe(200);
  });
});

describe('Markdown in posts', () => {
  it('renders Markdown and leaves scripts, event handlers, javascript: links and styles inert', async () => {
    const board = await newBoard();
    const c = await company();
    const body = [
      '**bold** and *italic*',
      '',
      '- one',
      '- two',
      '',
      '[docs](https://example.com/docs) [bad](javascript:alert(1)) [worse](JAVASCRIPT:alert(2))',
      '',
      '<script>alert("x")</script>',
      '<img src=x onerror="alert(1)">',
      '<div style="position:fixed;inset:0">cover</div>',
      '![pixel](javascript:alert(3))',
    ].join('\n');
    const { threadId, postId } = await startThread(c.client, board.id, unique('Markdown'), body);
    const page = (await c.client.get(`/forums/threads/${threadId}`)).body;
    const article = page.slice(page.indexOf(`<article id="post-${postId}"`), page.indexOf('</article>', page.indexOf(`<article id="post-${postId}"`)));
    expect(article).toContain('<strong>bold</strong>');
    expect(article).toContain('<em>italic</em>');
    expect(article).toContain('<li>one</li>');
    expect(article).toContain('<a href="https://example.com/docs">docs</a>');
    expect(article).not.toMatch(/<script/i);
    expect(article).not.toMatch(/<img/i);
    expect(article).not.toMatch(/href="javascript:/i);
    expect(article).not.toMatch(/<div style=/i);
    expect(article).not.toMatch(/<[a-z][^>]* onerror=/i);
    expect(article).toContain('&lt;script&gt;');
  });
});

describe('the tables', () => {
  it('enable and force row-level security, with policies, on every forum table', async () => {
    const { rows } = await knex.raw(`
      SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced, (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'forum\\_%'
       ORDER BY 1`);
    expect(rows.map((r: { table: string }) => r.table)).toEqual(['forum_boards', 'forum_moderation_log', 'forum_posts', 'forum_subscriptions', 'forum_threads']);
    expect(rows.filter((r: { enabled: boolean; forced: boolean; policies: number }) => !r.enabled || !r.forced || r.policies === 0)).toEqual([]);
  });

  it('keep moderation out of partners\' reach whatever the query: no created_at or seq of their own choosing', async () => {
    const board = await newBoard();
    const c = await company();
    const { threadId } = await startThread(c.client, board.id);
    await expect(asPartner(c, (db) => db('forum_posts').insert({ thread_id: threadId, author_user_id: c.user.id, author_partner_id: c.partner.id, body: 'x', created_at: new Date(Date.now() + 86_400_000) }))).rejects.toThrow(/permission denied/);
    await expect(asPartner(c, (db) => db('forum_posts').insert({ thread_id: threadId, author_user_id: c.user.id, author_partner_id: c.partner.id, body: 'x', seq: 1 }))).rejects.toThrow(/permission denied/);
    const other = await company();
    await expect(asPartner(c, (db) => db('forum_posts').insert({ thread_id: threadId, author_user_id: other.user.id, author_partner_id: other.partner.id, body: 'Impersonated' }))).rejects.toThrow(/row-level security/);
  });
});

describe('access', () => {
  it('declares access on every forum route, none public', () => {
    const forum = t.app.routeTable.filter((r) => r.url.startsWith('/forums'));
    expect(forum.length).toBeGreaterThan(15);
    expect(forum.filter((r) => !isAccess(r.access) || r.access === 'public' || r.access === 'user')).toEqual([]);
  });

  it('sends anonymous visitors to sign in, and refuses users of a company that is not active', async () => {
    const anonymous = new Client(t.app);
    for (const path of ['/forums', '/forums/threads/1', '/forums/boards/1', '/forums/search?q=x']) {
      const res = await anonymous.get(path);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
    }
    const applicant = await createPartner(knex, { status: 'applicant' });
    const user = await createUser(knex, { partnerId: applicant.id });
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    expect((await client.get('/forums')).statusCode).toBe(403);
    expect(Number((await inContext(knex, { context: 'anonymous' }, (db) => db('forum_posts').count({ n: '*' })))[0]!.n)).toBe(0);
  });

  it('answers 404 for a missing board, thread or post, and keeps the boards admin to moderators', async () => {
    const c = await company();
    for (const path of ['/forums/boards/999999999', '/forums/threads/999999999', '/forums/posts/999999999/edit', '/forums/threads/abc']) {
      expect((await c.client.get(path)).statusCode).toBe(404);
    }
    expect((await c.client.get('/forums/admin/boards')).statusCode).toBe(403);
    await moderator.get('/forums/admin/boards');
    const name = unique('New board');
    expect((await moderator.post('/forums/admin/boards', { name: '', description: '', position: 'x' })).statusCode).toBe(422);
    expect((await moderator.post('/forums/admin/boards', { name, description: 'Fresh', position: '9000' })).statusCode).toBe(303);
    const again = await moderator.post('/forums/admin/boards', { name: name.toUpperCase(), description: '', position: '1' });
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('There is already a board with this name');
    const id = (await knex('forum_boards').where('name', name).first('id')).id;
    await moderator.get(`/forums/admin/boards/${id}`);
    expect((await moderator.post(`/forums/admin/boards/${id}`, { name: `${name} renamed`, description: '', position: '9001' })).statusCode).toBe(303);
    expect(await knex('forum_boards').where('id', id).first('name', 'position')).toEqual({ name: `${name} renamed`, position: 9001 });
  });
});
