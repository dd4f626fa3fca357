import type { Knex } from 'knex';

const HOUR = 3_600_000;

type Entry = { by: 'partner' | 'staff'; kind: 'comment' | 'note' | 'status'; body?: string; from?: string; to?: string; hoursAgo: number };
type DemoCase = {
  title: string;
  partner: string;
  opener: string;
  description: string;
  category: string;
  priority: 'urgent' | 'high' | 'normal' | 'low';
  status: 'new' | 'in_progress' | 'waiting_on_partner' | 'resolved';
  hoursAgo: number;
  dueHours: number;
  answeredAfterHours?: number;
  linkOpportunity?: boolean;
  entries: Entry[];
};

const CASES: DemoCase[] = [
  {
    title: 'Licence key rejected for the Donau Kliniken pilot',
    partner: 'Alpha Solutions', opener: 'ben@alpha.example', category: 'licensing', priority: 'high', status: 'in_progress', hoursAgo: 30, dueHours: 4, answeredAfterHours: 2, linkOpportunity: true,
    description: 'The trial licence for the pilot is rejected with **error 4012** on the customer\'s second server. The pilot starts next week.',
    entries: [
      { by: 'staff', kind: 'status', from: 'new', to: 'in_progress', hoursAgo: 28 },
      { by: 'staff', kind: 'comment', body: 'Thanks, we reproduced it: trial keys are bound to one host. We are issuing a two-host pilot key.', hoursAgo: 28 },
      { by: 'staff', kind: 'note', body: 'Internal: licensing confirmed the two-host key; ask product about making this the default for pilots.', hoursAgo: 20 },
    ],
  },
  {
    title: 'Deal registration shows a conflict we do not understand',
    partner: 'Alpha Solutions', opener: 'anna@alpha.example', category: 'deal_registration', priority: 'normal', status: 'waiting_on_partner', hoursAgo: 72, dueHours: 24, answeredAfterHours: 5,
    description: 'Our registration for a new customer says a conflict exists. We have never seen another partner there.',
    entries: [
      { by: 'staff', kind: 'status', from: 'new', to: 'in_progress', hoursAgo: 67 },
      { by: 'staff', kind: 'comment', body: 'Could you tell us the customer\'s web domain as you entered it? Conflicts are matched on the domain and product.', hoursAgo: 67 },
      { by: 'staff', kind: 'status', from: 'in_progress', to: 'waiting_on_partner', hoursAgo: 67 },
    ],
  },
  {
    title: 'Where do we find the Silver level requirements?',
    partner: 'Alpha Solutions', opener: 'anna@alpha.example', category: 'program', priority: 'low', status: 'new', hoursAgo: 3, dueHours: 48,
    description: 'We would like to plan our certifications for next year.',
    entries: [],
  },
  {
    title: 'Backup agent fails on Windows Server 2016',
    partner: 'Beta Systems', opener: 'carla@beta.example', category: 'technical', priority: 'urgent', status: 'new', hoursAgo: 2, dueHours: 1,
    description: 'Since the last update the backup agent stops with "service terminated unexpectedly" at 02:00 on two customer servers.',
    entries: [],
  },
];

/** Demo support cases for Alpha and Beta, added once (recognised by title). */
export async function seedCases(trx: Knex.Transaction): Promise<boolean> {
  const support = await trx('users').where('email', 'support@lumen.example').first('id', 'name');
  let added = false;
  for (const c of CASES) {
    if (await trx('cases').where('title', c.title).first('id')) continue;
    const partner = await trx('partners').where('name', c.partner).first('id');
    const opener = await trx('users').where('email', c.opener).first('id', 'name');
    if (!partner || !opener) continue;
    const opportunity = c.linkOpportunity
      ? await trx('opportunities as o')
          .where((w) => w.where('o.partner_id', partner.id).orWhereExists(trx('opportunity_distributions as d').whereRaw('d.opportunity_id = o.id').where('d.partner_id', partner.id)))
          .orderBy('o.id')
          .first('o.id')
      : null;
    const now = Date.now();
    const createdAt = new Date(now - c.hoursAgo * HOUR);
    const [row] = await trx('cases')
      .insert({
        partner_id: partner.id, opened_by: opener.id, title: c.title, description: c.description, category: c.category, priority: c.priority, status: c.status,
        opportunity_id: opportunity?.id ?? null, assignee_user_id: c.status === 'new' ? null : support?.id ?? null,
        first_response_due: new Date(createdAt.getTime() + c.dueHours * HOUR),
        first_response_at: c.answeredAfterHours !== undefined ? new Date(createdAt.getTime() + c.answeredAfterHours * HOUR) : null,
        created_at: createdAt, updated_at: new Date(now - Math.min(...c.entries.map((e) => e.hoursAgo), c.hoursAgo) * HOUR),
      })
      .returning('id');
    for (const e of c.entries) {
      const staff = e.by === 'staff';
      await trx('case_entries').insert({
        case_id: row.id, partner_id: partner.id, kind: e.kind, author_user_id: staff ? support?.id : opener.id, author_name: staff ? support?.name : opener.name, author_staff: staff,
        body: e.body ?? null, from_status: e.from ?? null, to_status: e.to ?? null, created_at: new Date(now - e.hoursAgo * HOUR),
      });
    }
    added = true;
  }
  return added;
}
