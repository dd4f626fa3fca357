import type { Knex } from 'knex';
import { subscribe } from '../repositories/forums.ts';

type DemoPost = { by: string; body: string; minutesAgo: number; answer?: true; hidden?: string };
type DemoThread = { board: string; title: string; pinned?: true; locked?: true; posts: DemoPost[] };

const BOARDS = [
  { name: 'Selling', description: 'Winning deals: positioning, pricing questions and competitive situations.', position: 10 },
  { name: 'Technical', description: 'Installing, integrating and troubleshooting Lumen products.', position: 20 },
  { name: 'Program questions', description: 'Partner levels, deal registration, co-selling and the program rules.', position: 30 },
];

const DAY = 24 * 60;

const THREADS: DemoThread[] = [
  {
    board: 'Selling',
    title: 'Welcome to the partner forums: please read first',
    pinned: true,
    posts: [
      { by: 'admin@lumen.example', minutesAgo: 30 * DAY, body: 'Welcome! These forums are shared by **every partner** and the Lumen team.\n\n- Ask in the board that fits best\n- Never post customer names, prices or personal data\n- Mark the reply that solved your question as the answer\n\nModerators may hide posts that break these rules.' },
      { by: 'support@lumen.example', minutesAgo: 29 * DAY, body: 'For urgent production problems, please open a support case instead: the forums are answered on a best-effort basis.' },
    ],
  },
  {
    board: 'Technical',
    title: 'Restoring a single mailbox from Cloud Backup',
    posts: [
      { by: 'anna@alpha.example', minutesAgo: 6 * DAY, body: 'A customer needs one mailbox back from last Tuesday, not the whole tenant. Is there a way to restore a **single mailbox** without a full restore?' },
      { by: 'ben@alpha.example', minutesAgo: 6 * DAY - 90, body: 'I think we did this last year for a school, but I do not remember the steps.' },
      { by: 'support@lumen.example', minutesAgo: 5 * DAY, answer: true, body: 'Yes:\n\n1. Open the backup set and choose **Browse** at the point in time you need\n2. Filter by the mailbox\n3. Choose **Restore to original location** or export it as PST\n\nSee also the knowledge base article on point-in-time restore.' },
      { by: 'anna@alpha.example', minutesAgo: 5 * DAY - 60, body: 'That worked, thank you!' },
    ],
  },
  {
    board: 'Selling',
    title: 'Positioning Analytics against spreadsheets',
    posts: [
      { by: 'carla@beta.example', minutesAgo: 4 * DAY, body: 'Our prospects (a hospital group, "nemocnice" in Czech) keep saying their spreadsheets are good enough. What arguments work for you?' },
      { by: 'anna@alpha.example', minutesAgo: 4 * DAY - 120, body: 'We show them one of their own monthly reports rebuilt as a dashboard in the first meeting. Nothing convinces like their own data.' },
      { by: 'ben@alpha.example', minutesAgo: 3 * DAY, hidden: 'Contains a customer’s confidential pricing.', body: 'We sold it to our biggest customer at 40 % off the list price, here is the quote: …' },
      { by: 'admin@lumen.example', minutesAgo: 2 * DAY, body: 'Good advice above. The sales deck in the partner corner has a slide on **version control and audit trails**, which spreadsheets lack.' },
      { by: 'carla@beta.example', minutesAgo: 2 * DAY - 30, body: 'Thanks, the žlutý (yellow) comparison slide is exactly what I needed.' },
    ],
  },
  {
    board: 'Technical',
    title: 'Secure Gateway firmware 2.1 rollout',
    locked: true,
    posts: [
      { by: 'support@lumen.example', minutesAgo: 10 * DAY, body: 'Firmware 2.1 for the Secure Gateway is out. Update through the management console; the appliance restarts once.' },
      { by: 'carla@beta.example', minutesAgo: 9 * DAY, body: 'Updated twelve branch appliances without problems.' },
      { by: 'support@lumen.example', minutesAgo: 8 * DAY, body: 'Thanks for the feedback. Locking this thread: please open a case if an update fails.' },
    ],
  },
  {
    board: 'Program questions',
    title: 'How long does deal registration exclusivity last?',
    posts: [
      { by: 'ben@alpha.example', minutesAgo: 2 * DAY, body: 'Once a registration is approved, how long do we keep exclusivity?' },
      { by: 'admin@lumen.example', minutesAgo: 2 * DAY - 45, answer: true, body: '90 days from approval. You can ask for an extension from the registration page before it runs out.' },
      { by: 'ben@alpha.example', minutesAgo: 2 * DAY - 60 * 3, body: 'Clear, thanks.' },
    ],
  },
];

/** Demo forum boards, threads and posts; added once. Returns true when it added anything. */
export async function seedForums(trx: Knex.Transaction): Promise<boolean> {
  let added = false;
  const boardIds = new Map<string, number>();
  for (const b of BOARDS) {
    let row = await trx('forum_boards').whereRaw('lower(name) = lower(?)', [b.name]).first('id');
    if (!row) {
      [row] = await trx('forum_boards').insert(b).returning('id');
      added = true;
    }
    boardIds.set(b.name, row.id);
  }

  const emails = [...new Set(THREADS.flatMap((t) => t.posts.map((p) => p.by)))];
  const users = new Map<string, { id: number; partner_id: number | null }>(
    (await trx('users').whereIn('email', emails).select('id', 'email', 'partner_id')).map((u: { id: number; email: string; partner_id: number | null }) => [u.email, u]),
  );
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);

  for (const t of THREADS) {
    const boardId = boardIds.get(t.board)!;
    if (await trx('forum_threads').where({ board_id: boardId, title: t.title }).first('id')) continue;
    const first = users.get(t.posts[0]!.by);
    if (!first || t.posts.some((p) => !users.has(p.by))) continue;
    const [thread] = await trx('forum_threads')
      .insert({ board_id: boardId, title: t.title, author_user_id: first.id, author_partner_id: first.partner_id, created_at: at(t.posts[0]!.minutesAgo), last_post_at: at(t.posts[0]!.minutesAgo) })
      .returning('id');
    for (const p of t.posts) {
      const u = users.get(p.by)!;
      // The numbering trigger assigns seq; it runs with the owner's handle here (no context), like any maintenance.
      const [post] = await trx('forum_posts')
        .insert({ thread_id: thread.id, author_user_id: u.id, author_partner_id: u.partner_id, body: p.body, created_at: at(p.minutesAgo) })
        .returning('id');
      if (p.answer) await trx('forum_threads').where('id', thread.id).update({ answer_post_id: post.id });
      if (p.hidden) {
        const moderator = users.get('admin@lumen.example') ?? users.get('support@lumen.example');
        await trx('forum_posts').where('id', post.id).update({ hidden_at: at(p.minutesAgo - 60), hidden_by: moderator?.id ?? null, hidden_reason: p.hidden });
        if (moderator) await trx('forum_moderation_log').insert({ moderator_user_id: moderator.id, action: 'hide', thread_id: thread.id, post_id: post.id, reason: p.hidden, at: at(p.minutesAgo - 60) });
      }
    }
    if (t.pinned || t.locked) await trx('forum_threads').where('id', thread.id).update({ pinned: !!t.pinned, locked: !!t.locked });
    // Whoever wrote in a thread follows it, as they would have through the portal.
    for (const email of new Set(t.posts.map((p) => p.by))) {
      await subscribe(trx, users.get(email)!.id, { threadId: thread.id });
    }
    added = true;
  }

  // Carla follows the Selling board.
  const carla = users.get('carla@beta.example');
  const selling = boardIds.get('Selling');
  if (carla && selling && !(await trx('forum_subscriptions').where({ user_id: carla.id, board_id: selling }).first('id'))) {
    await subscribe(trx, carla.id, { boardId: selling });
    added = true;
  }
  return added;
}
