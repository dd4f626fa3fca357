import type { Knex } from 'knex';
import {
  distributionMove, opportunityMove, type Actor, type DistributionAction, type DistributionState, type OpportunityAction, type OpportunityState, type Stage,
} from '../policies/opportunity-states.ts';
import { loadCandidates, rankCandidates, weightsOf, type Candidate } from './routing.ts';

export type Opportunity = {
  id: number;
  source: 'vendor' | 'partner';
  partner_id: number | null;
  topic: string;
  account_id: number;
  account_name: string | null;
  contact_id: number | null;
  currency: string;
  value: string;
  value_base: string;
  rate_date: string;
  close_date: string | null;
  situation: string | null;
  need: string | null;
  proposed_solution: string | null;
  product_id: number | null;
  product_name: string | null;
  solution_id: number | null;
  country: string | null;
  offer_until: string | null;
  state: OpportunityState;
  stage: Stage | null;
  auto_routing: boolean;
  lead_partner_id: number | null;
  owner_user_id: number | null;
  close_reason: string | null;
  close_reason_other: string | null;
  version: number;
  created_at: Date;
  state_changed_at: Date;
};

export type Distribution = {
  id: number;
  opportunity_id: number;
  partner_id: number;
  partner_name?: string;
  role: 'lead' | 'collaborator';
  state: DistributionState;
  accept_by: Date;
  routed: 'hand' | 'auto';
  explanation: Candidate | null;
  delivered_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  reason: string | null;
  reason_other: string | null;
};

/** Refused by the state rules: the route turns this into 409 (or 403 for an actor with no such right). */
export class StateError extends Error {
  readonly why: 'not_allowed' | 'wrong_state' | 'terminal' | 'changed';
  readonly current: string;
  constructor(why: StateError['why'], current: string) {
    super(`${why}: ${current}`);
    this.why = why;
    this.current = current;
  }
}

/** The database's own refusal of a change to a terminal opportunity (trigger opportunity_frozen). */
export function isFrozen(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'PF409';
}

const OPP_COLUMNS = [
  'o.id', 'o.source', 'o.partner_id', 'o.topic', 'o.account_id', 'o.contact_id', 'o.currency', 'o.value', 'o.value_base', 'o.rate_date', 'o.close_date',
  'o.situation', 'o.need', 'o.proposed_solution', 'o.product_id', 'o.solution_id', 'o.country', 'o.offer_until', 'o.state', 'o.stage', 'o.auto_routing',
  'o.lead_partner_id', 'o.owner_user_id', 'o.close_reason', 'o.close_reason_other', 'o.version', 'o.created_at', 'o.state_changed_at',
];

export async function findOpportunity(db: Knex.Transaction, id: number): Promise<Opportunity | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return db('opportunities as o')
    .select(OPP_COLUMNS)
    .select('a.name as account_name', 'p.name as product_name')
    .leftJoin('customer_accounts as a', 'a.id', 'o.account_id')
    .leftJoin('products as p', 'p.id', 'o.product_id')
    .where('o.id', id)
    .first();
}

export async function distributionsOf(db: Knex.Transaction, opportunityId: number): Promise<Distribution[]> {
  return db('opportunity_distributions as d')
    .select('d.*', 'p.name as partner_name')
    .leftJoin('partners as p', 'p.id', 'd.partner_id')
    .where('d.opportunity_id', opportunityId)
    .orderBy('d.delivered_at', 'desc')
    .orderBy('d.id', 'desc');
}

/** The partner's own distribution of an opportunity: the live one if any, else its latest. */
export async function myDistribution(db: Knex.Transaction, partnerId: number, opportunityId: number): Promise<Distribution | undefined> {
  return db('opportunity_distributions')
    .where({ opportunity_id: opportunityId, partner_id: partnerId })
    .orderByRaw(`CASE WHEN state IN ('delivered', 'accepted') THEN 0 ELSE 1 END, delivered_at DESC, id DESC`)
    .first();
}

/** Converts a value to the vendor's base currency at the rate in effect on a day; null when no rate is known. */
export async function toBase(db: Knex.Transaction, currency: string, value: number, baseCurrency: string, day: string): Promise<number | null> {
  if (currency === baseCurrency) return value;
  const rate = await db('exchange_rates').where('currency', currency).andWhere('valid_from', '<=', day).orderBy('valid_from', 'desc').first('rate');
  return rate ? Math.round(value * Number(rate.rate) * 100) / 100 : null;
}

export async function addEvent(
  db: Knex.Transaction,
  e: { opportunityId: number; kind: string; audience: 'shared' | 'staff' | 'partner'; partnerId?: number | null; actorUserId?: number | null; data?: Record<string, unknown> },
): Promise<void> {
  await db('opportunity_events').insert({
    opportunity_id: e.opportunityId, kind: e.kind, audience: e.audience, partner_id: e.partnerId ?? null, actor_user_id: e.actorUserId ?? null, data: JSON.stringify(e.data ?? {}),
  });
}

/** Checks an opportunity-level move, throwing a StateError the route shows as 409 (or 403). */
export function assertOpportunityMove(opp: Pick<Opportunity, 'state'>, action: OpportunityAction, actor: Actor) {
  const move = opportunityMove(opp.state, action, actor);
  if (!move.ok) throw new StateError(move.why, opp.state);
  return move;
}

/** Changes the opportunity's state only if it is still in one of the allowed states; false when it moved. */
async function moveOpportunity(db: Knex.Transaction, id: number, from: readonly OpportunityState[], to: OpportunityState, extra: Record<string, unknown> = {}): Promise<boolean> {
  const n = await db('opportunities')
    .where('id', id)
    .whereIn('state', from as OpportunityState[])
    .update({ state: to, state_changed_at: db.fn.now(), updated_at: db.fn.now(), version: db.raw('version + 1'), ...extra });
  return n === 1;
}

export type DistributeInput = { opportunity: Opportunity; leadId: number | null; collaboratorIds: number[]; acceptBy: Date; userId: number | null; routed: 'hand' | 'auto'; explanation?: Candidate | null };

/** Offers the opportunity (staff or auto-routing): one Delivered distribution per partner, with an accept-by deadline. */
export async function distribute(db: Knex.Transaction, input: DistributeInput): Promise<Distribution[]> {
  const { opportunity: opp } = input;
  const move = assertOpportunityMove(opp, 'distribute', 'staff');
  const rows = [
    ...(input.leadId ? [{ partner_id: input.leadId, role: 'lead' as const, explanation: input.explanation ? JSON.stringify(input.explanation) : null }] : []),
    ...input.collaboratorIds.filter((id) => id !== input.leadId).map((id) => ({ partner_id: id, role: 'collaborator' as const, explanation: null })),
  ];
  const inserted: Distribution[] = await db('opportunity_distributions')
    .insert(rows.map((r) => ({ ...r, opportunity_id: opp.id, accept_by: input.acceptBy, routed: input.routed, delivered_by: input.userId })))
    .returning('*');
  const extra = input.leadId ? { lead_partner_id: input.leadId } : {};
  if (!(await moveOpportunity(db, opp.id, move.from, 'distributed', extra))) throw new StateError('changed', opp.state);
  for (const d of inserted) {
    await addEvent(db, { opportunityId: opp.id, kind: 'delivered', audience: 'partner', partnerId: d.partner_id, actorUserId: input.userId, data: { role: d.role, routed: d.routed, accept_by: d.accept_by } });
  }
  return inserted;
}

/**
 * A partner's answer on its own distribution, applied only if the distribution is still in the state the rules
 * allow: a double click or a racing withdrawal leaves exactly one change, and the loser a StateError.
 */
export async function answer(
  db: Knex.Transaction,
  d: Distribution,
  action: Extract<DistributionAction, 'accept' | 'decline' | 'return'>,
  opts: { userId: number; reason?: string; reasonOther?: string | null },
): Promise<void> {
  const move = distributionMove(d.state, action, 'partner');
  if (!move.ok) throw new StateError(move.why, d.state);
  const ended = move.to !== 'accepted';
  const n = await db('opportunity_distributions')
    .where('id', d.id)
    .whereIn('state', move.from as DistributionState[])
    .update({
      state: move.to,
      ...(action === 'return' ? {} : { answered_at: db.fn.now() }),
      ...(ended ? { ended_at: db.fn.now(), reason: opts.reason ?? null, reason_other: opts.reasonOther ?? null } : {}),
    });
  if (n !== 1) {
    const now = await db('opportunity_distributions').where('id', d.id).first('state');
    throw new StateError('changed', now?.state ?? d.state);
  }
  await addEvent(db, { opportunityId: d.opportunity_id, kind: move.to!, audience: 'partner', partnerId: d.partner_id, actorUserId: opts.userId, data: ended ? { reason: opts.reason, other: opts.reasonOther ?? null } : {} });
  if (action === 'accept' && d.role === 'lead') {
    const opp = (await findOpportunity(db, d.opportunity_id))!;
    const m = assertOpportunityMove(opp, 'lead_accepts', 'lead');
    if (!(await moveOpportunity(db, opp.id, m.from, 'accepted', { stage: 'qualify', lead_partner_id: d.partner_id }))) throw new StateError('changed', opp.state);
    await addEvent(db, { opportunityId: opp.id, kind: 'accepted', audience: 'shared', partnerId: d.partner_id, actorUserId: opts.userId });
  }
}

/** Why a lost opportunity was lost: one of the fixed reasons, with text for "other". */
export type LossReason = { reason: string; reason_other: string };

/**
 * Won or lost, by the lead partner or by staff: applied only while the opportunity is still in a state the rules
 * allow, so a second click or a racing change leaves one outcome and the loser a StateError.
 */
export async function close(
  db: Knex.Transaction,
  opp: Pick<Opportunity, 'id' | 'state'>,
  outcome: { won: true } | { won: false; loss: LossReason },
  opts: { actor: Actor; userId: number; partnerId?: number | null },
): Promise<void> {
  const move = assertOpportunityMove(opp, outcome.won ? 'win' : 'lose', opts.actor);
  const loss = outcome.won ? null : outcome.loss;
  const moved = await moveOpportunity(db, opp.id, move.from, move.to as OpportunityState, { close_reason: loss?.reason ?? null, close_reason_other: loss?.reason_other || null });
  if (!moved) {
    const now = await db('opportunities').where('id', opp.id).first('state');
    throw new StateError('changed', now?.state ?? opp.state);
  }
  await addEvent(db, { opportunityId: opp.id, kind: move.to!, audience: 'shared', partnerId: opts.partnerId ?? null, actorUserId: opts.userId, data: loss ?? {} });
}

/** Staff withdraw a distribution, only from the state they saw (`expected`): a racing accept makes this a 409. */
export async function withdraw(db: Knex.Transaction, d: Distribution, expected: DistributionState, userId: number): Promise<void> {
  const move = distributionMove(d.state, 'withdraw', 'staff');
  if (!move.ok) throw new StateError(move.why, d.state);
  const n = await db('opportunity_distributions').where({ id: d.id, state: expected }).whereIn('state', move.from as DistributionState[]).update({ state: 'withdrawn', ended_at: db.fn.now() });
  if (n !== 1) {
    const now = await db('opportunity_distributions').where('id', d.id).first('state');
    throw new StateError('changed', now?.state ?? d.state);
  }
  await addEvent(db, { opportunityId: d.opportunity_id, kind: 'withdrawn', audience: 'partner', partnerId: d.partner_id, actorUserId: userId });
}

/**
 * After a lead's distribution ends (declined, returned, expired, withdrawn): with auto-routing on, offer the lead
 * role to the best remaining candidate; otherwise, when nothing is live any more, the opportunity is Open again.
 * Runs as staff (it reads every partner's figures): inline in staff requests, after commit for partners' answers.
 */
export async function settle(db: Knex.Transaction, opportunityId: number, acceptBy: Date): Promise<{ routedTo: number | null; state: OpportunityState }> {
  const opp = await db('opportunities').where('id', opportunityId).forUpdate().first();
  if (!opp || (opp.state !== 'distributed' && opp.state !== 'accepted')) return { routedTo: null, state: opp?.state };
  const live: Distribution[] = await db('opportunity_distributions').where('opportunity_id', opportunityId).whereIn('state', ['delivered', 'accepted']);
  if (live.some((d) => d.role === 'lead')) return { routedTo: null, state: opp.state };
  if (opp.auto_routing) {
    const settings = await db('vendor_settings').where('id', 1).first('routing_weights');
    const [best] = rankCandidates(await loadCandidates(db, opportunityId), { country: opp.country, productId: opp.product_id }, weightsOf(settings?.routing_weights));
    if (best) {
      await db('opportunity_distributions').insert({ opportunity_id: opportunityId, partner_id: best.partnerId, role: 'lead', accept_by: acceptBy, routed: 'auto', explanation: JSON.stringify(best) });
      await db('opportunities').where('id', opportunityId).update({ state: 'distributed', lead_partner_id: best.partnerId, stage: null, state_changed_at: db.fn.now(), version: db.raw('version + 1') });
      await addEvent(db, { opportunityId, kind: 'delivered', audience: 'partner', partnerId: best.partnerId, data: { role: 'lead', routed: 'auto', accept_by: acceptBy } });
      return { routedTo: best.partnerId, state: 'distributed' };
    }
  }
  const to: OpportunityState = live.length ? 'distributed' : 'open';
  await db('opportunities').where('id', opportunityId).update({ state: to, lead_partner_id: null, stage: null, state_changed_at: db.fn.now(), version: db.raw('version + 1') });
  return { routedTo: null, state: to };
}

/**
 * The expiry job's work, as staff: Delivered distributions past their deadline expire (and their opportunities
 * settle, re-routing when auto-routing is on); Open or Distributed opportunities past their offer-until date
 * expire, ending their live distributions first.
 */
export async function expireDue(db: Knex.Transaction, now: Date, acceptHours: number): Promise<{ distributions: number; opportunities: number }> {
  const due: Distribution[] = await db('opportunity_distributions as d')
    .join('opportunities as o', 'o.id', 'd.opportunity_id')
    .where('d.state', 'delivered')
    .andWhere('d.accept_by', '<=', now)
    .whereNotIn('o.state', ['won', 'lost', 'rejected', 'expired'])
    .select('d.*');
  for (const d of due) {
    const n = await db('opportunity_distributions').where({ id: d.id, state: 'delivered' }).update({ state: 'expired', ended_at: now });
    if (n === 1) await addEvent(db, { opportunityId: d.opportunity_id, kind: 'expired', audience: 'partner', partnerId: d.partner_id });
  }
  for (const opportunityId of new Set(due.map((d) => d.opportunity_id))) await settle(db, opportunityId, new Date(now.getTime() + acceptHours * 3_600_000));

  const today = now.toISOString().slice(0, 10);
  const stale: { id: number }[] = await db('opportunities').whereIn('state', ['open', 'distributed']).andWhere('offer_until', '<', today).select('id');
  for (const { id } of stale) {
    await db('opportunity_distributions').where('opportunity_id', id).whereIn('state', ['delivered', 'accepted']).update({ state: 'expired', ended_at: now });
    await moveOpportunity(db, id, ['open', 'distributed'], 'expired', { lead_partner_id: null });
    await addEvent(db, { opportunityId: id, kind: 'opportunity_expired', audience: 'shared' });
  }
  return { distributions: due.length, opportunities: stale.length };
}

export { type Candidate };
