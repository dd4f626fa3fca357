import type { Knex } from 'knex';
import type { CaseRow } from '../services/cases.ts';
import { OPEN_STATUSES, type CaseStatus } from '../policies/case-states.ts';

export type CaseListRow = CaseRow & { opener_name: string | null; partner_name: string | null; assignee_name: string | null; opportunity_topic: string | null };

export type CaseEntry = {
  id: number;
  kind: 'comment' | 'note' | 'status' | 'assignment';
  author_name: string | null;
  author_staff: boolean;
  author_user_id: number | null;
  body: string | null;
  from_status: string | null;
  to_status: string | null;
  created_at: Date;
};

/** Status groups of the lists' filters. */
export const STATUS_GROUPS: Record<string, readonly CaseStatus[]> = {
  open: OPEN_STATUSES,
  waiting_on_partner: ['waiting_on_partner'],
  new: ['new'],
  in_progress: ['in_progress'],
  resolved: ['resolved'],
  closed: ['closed'],
};

/**
 * Cases with the names a list shows. Names of users come from the users table, which the policies narrow to
 * the partner's own company (staff see all); the opportunity's topic through its own policy.
 */
function withNames(db: Knex.Transaction) {
  return db('cases as c')
    .leftJoin('users as o', 'o.id', 'c.opened_by')
    .leftJoin('users as a', 'a.id', 'c.assignee_user_id')
    .leftJoin('opportunities as op', 'op.id', 'c.opportunity_id')
    .select('c.*', 'o.name as opener_name', 'a.name as assignee_name', 'op.topic as opportunity_topic');
}

/** A partner's cases: a sales agent's own, a partner admin's whole company (and the policies say the same). */
export async function partnerCases(
  db: Knex.Transaction,
  input: { partnerId: number; userId: number; ownOnly: boolean; statuses: readonly CaseStatus[]; limit: number; offset: number },
): Promise<CaseListRow[]> {
  const q = withNames(db).where('c.partner_id', input.partnerId).whereIn('c.status', input.statuses).orderBy([{ column: 'c.updated_at', order: 'desc' }, { column: 'c.id', order: 'desc' }]).limit(input.limit).offset(input.offset);
  if (input.ownOnly) q.where('c.opened_by', input.userId);
  return q;
}

export async function findCase(db: Knex.Transaction, id: number): Promise<CaseListRow | undefined> {
  return withNames(db).leftJoin('partners as p', 'p.id', 'c.partner_id').select('p.name as partner_name').where('c.id', id).first();
}

export async function caseEntries(db: Knex.Transaction, caseId: number): Promise<CaseEntry[]> {
  return db('case_entries').where('case_id', caseId).orderBy('id').select('id', 'kind', 'author_name', 'author_staff', 'author_user_id', 'body', 'from_status', 'to_status', 'created_at');
}

export type QueueFilters = { statuses: readonly CaseStatus[]; priority?: string; category?: string; partnerId?: number; assignee?: 'me' | 'none' | number; userId: number; limit: number; offset: number };

/** The support team's queue: breached first, then by due time; with the number of breaches in the selection. */
export async function staffQueue(db: Knex.Transaction, f: QueueFilters, now: Date): Promise<{ rows: (CaseListRow & { breached: boolean })[]; breaches: number; total: number }> {
  const base = db('cases as c').whereIn('c.status', f.statuses);
  if (f.priority) base.where('c.priority', f.priority);
  if (f.category) base.where('c.category', f.category);
  if (f.partnerId) base.where('c.partner_id', f.partnerId);
  if (f.assignee === 'me') base.where('c.assignee_user_id', f.userId);
  else if (f.assignee === 'none') base.whereNull('c.assignee_user_id');
  else if (typeof f.assignee === 'number') base.where('c.assignee_user_id', f.assignee);
  const breachSql = `(CASE WHEN c.first_response_at IS NOT NULL THEN c.first_response_at > c.first_response_due
                           ELSE c.status IN ('new', 'in_progress', 'waiting_on_partner') AND c.first_response_due < ? END)`;
  const counts = await base.clone().select(db.raw('count(*)::int AS total'), db.raw(`count(*) FILTER (WHERE ${breachSql})::int AS breaches`, [now])).first();
  const rows = await base
    .clone()
    .leftJoin('users as o', 'o.id', 'c.opened_by')
    .leftJoin('users as a', 'a.id', 'c.assignee_user_id')
    .leftJoin('partners as p', 'p.id', 'c.partner_id')
    .leftJoin('opportunities as op', 'op.id', 'c.opportunity_id')
    .select('c.*', 'o.name as opener_name', 'a.name as assignee_name', 'p.name as partner_name', 'op.topic as opportunity_topic', db.raw(`${breachSql} AS breached`, [now]))
    .orderByRaw(`${breachSql} DESC, c.first_response_at IS NOT NULL, c.first_response_due, c.id`, [now])
    .limit(f.limit)
    .offset(f.offset);
  return { rows, breaches: counts.breaches, total: counts.total };
}

/** Staff who answer cases, for the assignment list. */
export async function caseAgents(db: Knex.Transaction): Promise<{ id: number; name: string }[]> {
  return db('users').where({ kind: 'staff', status: 'active' }).whereIn('role', ['support_agent', 'channel_admin']).orderBy('name').select('id', 'name');
}

/** Opportunities the signed-in company may see (the policy decides), for linking a case. */
export async function linkableOpportunities(db: Knex.Transaction, partnerId: number): Promise<{ id: number; topic: string; state: string }[]> {
  return db('opportunities as o')
    .where((w) => w.where('o.partner_id', partnerId).orWhereExists(db('opportunity_distributions as d').whereRaw('d.opportunity_id = o.id').where('d.partner_id', partnerId)))
    .orderBy('o.updated_at', 'desc')
    .limit(300)
    .select('o.id', 'o.topic', 'o.state');
}

/** Linked cases, as the reader may see them (policies: a sales agent sees only their own). */
export async function casesForOpportunity(db: Knex.Transaction, opportunityId: number): Promise<CaseListRow[]> {
  return withNames(db).where('c.opportunity_id', opportunityId).orderBy('c.created_at', 'desc');
}

export async function casesForAccount(db: Knex.Transaction, accountId: number): Promise<CaseListRow[]> {
  return withNames(db).where('op.account_id', accountId).orderBy('c.created_at', 'desc').limit(100);
}
