// A forum thread of 5,000 posts (several authors from two companies and staff, some posts hidden), read page by
// page the way the thread route reads it: postsPage() in a partner's context, under row-level security. A page
// is a range of the dense post numbers on the (thread_id, seq) index, so the last page must cost about what the
// first does; the run fails if it costs more than four times as much (with half a millisecond of slack for noise).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '../src/db/connect.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { inContext } from '../src/db/scope.ts';
import { pageCount, postsPage, POSTS_PER_PAGE } from '../src/repositories/forums.ts';

const POSTS = Number(process.env.BENCH_POSTS ?? 5000);
const RUNS = 30;
const MAX_RATIO = 4;

const dir = process.env.DATABASE_URL ? null : mkdtempSync(path.join(tmpdir(), 'portal-bench-'));
const database = await connect({ databaseUrl: process.env.DATABASE_URL, dataDir: dir ?? '' });
let failed = false;
const tag = `${Date.now()}`;
try {
  await migrateLatest(database.knex);
  const knex = database.knex;
  const partners = await knex('partners').insert([{ name: `Bench forum A ${tag}`, status: 'active' }, { name: `Bench forum B ${tag}`, status: 'active' }]).returning('id');
  const users = await knex('users')
    .insert([
      { kind: 'partner', partner_id: partners[0].id, email: `bench-a-${tag}@bench.test`, name: 'Bench Reader', role: 'partner_admin' },
      { kind: 'partner', partner_id: partners[1].id, email: `bench-b-${tag}@bench.test`, name: 'Bench Writer', role: 'sales_agent' },
      { kind: 'staff', partner_id: null, email: `bench-s-${tag}@bench.test`, name: 'Bench Staff', role: 'support_agent' },
    ])
    .returning(['id', 'partner_id']);
  const [board] = await knex('forum_boards').insert({ name: `Bench board ${tag}`, position: 9999 }).returning('id');
  const [thread] = await knex('forum_threads').insert({ board_id: board.id, title: 'A very long thread', author_user_id: users[0].id, author_partner_id: users[0].partner_id }).returning('id');

  const loaded = performance.now();
  // The numbering trigger numbers each row under the thread's lock, as it does for replies through the portal.
  await knex.raw(
    `INSERT INTO forum_posts (thread_id, author_user_id, author_partner_id, body, created_at)
     SELECT ?, (ARRAY[?, ?, ?]::integer[])[1 + g % 3], (ARRAY[?, ?, NULL]::integer[])[1 + g % 3],
            'Post ' || g || E': some **Markdown** text about restoring backups, with a list\n\n- one\n- two\n\nand a [link](https://example.com/' || g || ').',
            now() - make_interval(mins => ? - g)
       FROM generate_series(1, ?) g`,
    [thread.id, users[0].id, users[1].id, users[2].id, users[0].partner_id, users[1].partner_id, POSTS, POSTS],
  );
  // Every 97th post is hidden by a moderator: the reader's policy leaves them out (gaps).
  await knex.raw(`UPDATE forum_posts SET hidden_at = now(), hidden_reason = 'bench' WHERE thread_id = ? AND seq % 97 = 0`, [thread.id]);
  await knex.raw('ANALYZE forum_posts');
  await knex.raw('ANALYZE forum_threads');
  console.log(`${database.kind}: loaded a thread of ${POSTS} posts in ${((performance.now() - loaded) / 1000).toFixed(1)} s`);

  const reader = { context: 'partner' as const, userId: users[0].id, partnerId: users[0].partner_id };
  const pages = pageCount(POSTS);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const time = async (label: string, page: number) => {
    const samples: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      await inContext(knex, reader, async (db) => {
        const started = performance.now();
        rows = (await postsPage(db, thread.id, page)).length;
        samples.push(performance.now() - started);
      });
    }
    const ms = median(samples);
    console.log(`${label.padEnd(22)} page ${String(page).padStart(4)}: ${rows} posts, median ${ms.toFixed(2)} ms (of ${RUNS})`);
    return ms;
  };
  await time('warm-up', 1);
  const first = await time('first page', 1);
  const middle = await time('middle page', Math.ceil(pages / 2));
  const last = await time('last page', pages);
  const plan = await inContext(knex, reader, async (db) =>
    (await db.raw(`EXPLAIN SELECT id FROM forum_posts p WHERE p.thread_id = ? AND p.seq BETWEEN ? AND ?`, [thread.id, (pages - 1) * POSTS_PER_PAGE + 1, pages * POSTS_PER_PAGE])).rows.map((r: Record<string, string>) => Object.values(r)[0]).join('\n'));
  console.log(`plan of the last page's range, in the reader's context:\n${plan}`);
  const ratio = last / first;
  console.log(`last / first: ${ratio.toFixed(2)} (limit ${MAX_RATIO}); middle / first: ${(middle / first).toFixed(2)}`);
  if (last > MAX_RATIO * first + 0.5) {
    console.error(`FAIL: the last page costs ${ratio.toFixed(1)} times the first`);
    failed = true;
  }

  await knex('forum_posts').where('thread_id', thread.id).delete();
  await knex('forum_threads').where('id', thread.id).delete();
  await knex('forum_boards').where('id', board.id).delete();
  await knex('users').whereIn('id', users.map((u: { id: number }) => u.id)).delete();
  await knex('partners').whereIn('id', partners.map((p: { id: number }) => p.id)).delete();
} finally {
  await database.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
