/**
 * The support case's states, declared as data. `caseMove` answers whether an actor may take an action from a
 * state; the service applies it with a conditional UPDATE on the allowed states, so two contenders change the
 * case once. Closed is final (the database refuses any change to a closed case).
 */
export const CASE_STATUSES = ['new', 'in_progress', 'waiting_on_partner', 'resolved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const OPEN_STATUSES: readonly CaseStatus[] = ['new', 'in_progress', 'waiting_on_partner'];

export const CASE_CATEGORIES = ['technical', 'licensing', 'deal_registration', 'opportunity', 'program', 'billing', 'other'] as const;
export const CASE_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type CasePriority = (typeof CASE_PRIORITIES)[number];

/** How long a resolved case may be reopened by the partner, and when it closes by itself. */
export const REOPEN_DAYS = 14;

/** staff: the support team; partner: the company's side of the case (its opener, or a partner admin); clock: the daily job. */
export type CaseActor = 'staff' | 'partner' | 'clock';

export type CaseAction = 'start' | 'ask' | 'partner_replies' | 'resolve' | 'reopen' | 'close';

type Rule = { action: CaseAction; from: readonly CaseStatus[]; to: CaseStatus; by: readonly CaseActor[]; when: string };

export const CASE_TRANSITIONS: readonly Rule[] = [
  { action: 'start', from: ['new'], to: 'in_progress', by: ['staff'], when: 'staff assign it or reply' },
  { action: 'ask', from: ['in_progress'], to: 'waiting_on_partner', by: ['staff'], when: 'staff ask the partner something' },
  { action: 'partner_replies', from: ['waiting_on_partner'], to: 'in_progress', by: ['partner'], when: 'the partner replies (automatically)' },
  { action: 'resolve', from: ['new', 'in_progress', 'waiting_on_partner'], to: 'resolved', by: ['staff', 'partner'], when: 'staff, or the partner who opened it' },
  { action: 'reopen', from: ['resolved'], to: 'in_progress', by: ['partner'], when: `the partner reopens it within ${REOPEN_DAYS} days` },
  { action: 'close', from: ['resolved'], to: 'closed', by: ['partner', 'clock'], when: `the partner confirms, or ${REOPEN_DAYS} days after resolution` },
];

export type CaseMove = { ok: true; from: readonly CaseStatus[]; to: CaseStatus } | { ok: false; why: 'not_allowed' | 'wrong_state' | 'closed' };

export function caseMove(action: CaseAction, actor: CaseActor, current: CaseStatus): CaseMove {
  if (current === 'closed') return { ok: false, why: 'closed' };
  const rule = CASE_TRANSITIONS.find((r) => r.action === action);
  if (!rule || !rule.by.includes(actor)) return { ok: false, why: 'not_allowed' };
  if (!rule.from.includes(current)) return { ok: false, why: 'wrong_state' };
  return { ok: true, from: rule.from, to: rule.to };
}

/** Comments are welcome until the case is resolved; a resolved case takes one only by being reopened. */
export function mayComment(status: CaseStatus): boolean {
  return OPEN_STATUSES.includes(status);
}
