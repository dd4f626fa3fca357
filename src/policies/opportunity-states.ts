/**
 * The two state machines of an opportunity, declared as data. Services ask `distributionMove` and
 * `opportunityMove` before any change and apply it with a conditional UPDATE (`WHERE state = ANY(from)`), so
 * two contenders produce exactly one change; the database refuses any change to a terminal opportunity.
 */

export const DISTRIBUTION_STATES = ['delivered', 'accepted', 'declined', 'expired', 'withdrawn', 'returned'] as const;
export type DistributionState = (typeof DISTRIBUTION_STATES)[number];
/** These end a distribution for good. */
export const DISTRIBUTION_ENDED: readonly DistributionState[] = ['declined', 'expired', 'withdrawn', 'returned'];

export const OPPORTUNITY_STATES = ['open', 'distributed', 'accepted', 'won', 'lost', 'submitted', 'rejected', 'expired'] as const;
export type OpportunityState = (typeof OPPORTUNITY_STATES)[number];
/** Frozen for everyone: fields, state, stage, distributions and registration. Timeline notes may still be added. */
export const TERMINAL: readonly OpportunityState[] = ['won', 'lost', 'rejected', 'expired'];

export const STAGES = ['qualify', 'develop', 'propose', 'close'] as const;
export type Stage = (typeof STAGES)[number];

/** Who acts: staff, the partner whose distribution it is (lead or collaborator), only the lead, or the expiry job. */
export type Actor = 'staff' | 'partner' | 'lead' | 'job';

export const REASONS = [
  'budget', 'no_response', 'other_vendor', 'requirements', 'not_real', 'timeline', 'spam', 'other',
] as const;
export type Reason = (typeof REASONS)[number];

export type DistributionAction = 'accept' | 'decline' | 'expire' | 'withdraw' | 'return';

type DistributionRule = { action: DistributionAction; from: readonly DistributionState[]; to: DistributionState; by: readonly Actor[]; reason?: true };

export const DISTRIBUTION_TRANSITIONS: readonly DistributionRule[] = [
  { action: 'accept', from: ['delivered'], to: 'accepted', by: ['partner'] },
  { action: 'decline', from: ['delivered'], to: 'declined', by: ['partner'], reason: true },
  { action: 'expire', from: ['delivered'], to: 'expired', by: ['job'] },
  { action: 'withdraw', from: ['delivered', 'accepted'], to: 'withdrawn', by: ['staff'] },
  { action: 'return', from: ['accepted'], to: 'returned', by: ['partner'], reason: true },
];

export type OpportunityAction = 'distribute' | 'lead_accepts' | 'reroute' | 'reopen' | 'lead_returns' | 'win' | 'lose' | 'approve_deal' | 'reject_deal' | 'expire' | 'edit' | 'set_stage';

type OpportunityRule = { action: OpportunityAction; from: readonly OpportunityState[]; to: OpportunityState | null; by: readonly Actor[]; reason?: true };

/** `to: null` keeps the state (edits); every non-terminal state may be edited by staff or the lead. */
export const OPPORTUNITY_TRANSITIONS: readonly OpportunityRule[] = [
  { action: 'distribute', from: ['open', 'distributed'], to: 'distributed', by: ['staff'] },
  { action: 'lead_accepts', from: ['distributed'], to: 'accepted', by: ['lead'] },
  { action: 'reroute', from: ['distributed', 'accepted'], to: 'distributed', by: ['staff', 'lead', 'partner', 'job'] },
  { action: 'reopen', from: ['distributed', 'accepted'], to: 'open', by: ['staff', 'lead', 'partner', 'job'] },
  { action: 'lead_returns', from: ['accepted'], to: 'open', by: ['lead'], reason: true },
  { action: 'win', from: ['accepted'], to: 'won', by: ['lead', 'staff'] },
  { action: 'lose', from: ['accepted'], to: 'lost', by: ['lead', 'staff'], reason: true },
  { action: 'approve_deal', from: ['submitted'], to: 'accepted', by: ['staff'] },
  { action: 'reject_deal', from: ['submitted'], to: 'rejected', by: ['staff'], reason: true },
  { action: 'expire', from: ['open', 'distributed'], to: 'expired', by: ['job'] },
  { action: 'edit', from: ['open', 'distributed', 'accepted', 'submitted'], to: null, by: ['staff', 'lead'] },
  { action: 'set_stage', from: ['accepted'], to: null, by: ['lead'] },
];

export type Move<S> = { ok: true; from: readonly S[]; to: S | null; reason: boolean } | { ok: false; why: 'not_allowed' | 'wrong_state' | 'terminal' };

/** May this actor take this action on a distribution in this state? */
export function distributionMove(state: DistributionState, action: DistributionAction, actor: Actor): Move<DistributionState> {
  const rule = DISTRIBUTION_TRANSITIONS.find((r) => r.action === action);
  if (!rule || !rule.by.includes(actor)) return { ok: false, why: 'not_allowed' };
  if (!rule.from.includes(state)) return { ok: false, why: 'wrong_state' };
  return { ok: true, from: rule.from, to: rule.to, reason: !!rule.reason };
}

export function opportunityMove(state: OpportunityState, action: OpportunityAction, actor: Actor): Move<OpportunityState> {
  if (TERMINAL.includes(state)) return { ok: false, why: 'terminal' };
  const rule = OPPORTUNITY_TRANSITIONS.find((r) => r.action === action);
  if (!rule || !rule.by.includes(actor)) return { ok: false, why: 'not_allowed' };
  if (!rule.from.includes(state)) return { ok: false, why: 'wrong_state' };
  return { ok: true, from: rule.from, to: rule.to, reason: !!rule.reason };
}

export function isTerminal(state: OpportunityState): boolean {
  return TERMINAL.includes(state);
}
