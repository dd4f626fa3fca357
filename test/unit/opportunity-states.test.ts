import { describe, expect, it } from 'vitest';
import {
  DISTRIBUTION_STATES, OPPORTUNITY_STATES, TERMINAL, distributionMove, opportunityMove, type Actor, type DistributionAction, type OpportunityAction,
} from '../../src/policies/opportunity-states.ts';

const ACTORS: Actor[] = ['staff', 'partner', 'lead', 'job'];

/** The tables, written out independently of the module: [action, from states, to, actors]. */
const DISTRIBUTION_TABLE: [DistributionAction, string[], string, Actor[]][] = [
  ['accept', ['delivered'], 'accepted', ['partner']],
  ['decline', ['delivered'], 'declined', ['partner']],
  ['expire', ['delivered'], 'expired', ['job']],
  ['withdraw', ['delivered', 'accepted'], 'withdrawn', ['staff']],
  ['return', ['accepted'], 'returned', ['partner']],
];

describe('the distribution state table', () => {
  it('allows exactly the declared moves: every state × action × actor', () => {
    for (const [action, from, to, actors] of DISTRIBUTION_TABLE) {
      for (const state of DISTRIBUTION_STATES) {
        for (const actor of ACTORS) {
          const move = distributionMove(state, action, actor);
          const allowed = from.includes(state) && actors.includes(actor);
          expect(move.ok, `${actor} ${action} from ${state}`).toBe(allowed);
          if (move.ok) expect(move.to).toBe(to);
          else expect(move.why).toBe(actors.includes(actor) ? 'wrong_state' : 'not_allowed');
        }
      }
    }
  });

  it('asks for a reason where the table does', () => {
    expect(['decline', 'return'].map((a) => (distributionMove(a === 'decline' ? 'delivered' : 'accepted', a as DistributionAction, 'partner') as { reason: boolean }).reason)).toEqual([true, true]);
    expect((distributionMove('delivered', 'accept', 'partner') as { reason: boolean }).reason).toBe(false);
  });

  it('ends declined, expired, withdrawn and returned distributions for good', () => {
    for (const state of ['declined', 'expired', 'withdrawn', 'returned'] as const) {
      for (const [action] of DISTRIBUTION_TABLE) for (const actor of ACTORS) expect(distributionMove(state, action, actor).ok).toBe(false);
    }
  });
});

const OPPORTUNITY_TABLE: [OpportunityAction, string[], string | null, Actor[]][] = [
  ['distribute', ['open', 'distributed'], 'distributed', ['staff']],
  ['lead_accepts', ['distributed'], 'accepted', ['lead']],
  ['win', ['accepted'], 'won', ['lead', 'staff']],
  ['lose', ['accepted'], 'lost', ['lead', 'staff']],
  ['approve_deal', ['submitted'], 'accepted', ['staff']],
  ['reject_deal', ['submitted'], 'rejected', ['staff']],
  ['expire', ['open', 'distributed'], 'expired', ['job']],
  ['lead_returns', ['accepted'], 'open', ['lead']],
  ['set_stage', ['accepted'], null, ['lead']],
];

describe('the opportunity state table', () => {
  it('allows exactly the declared moves, and nothing at all on a terminal opportunity', () => {
    for (const [action, from, to, actors] of OPPORTUNITY_TABLE) {
      for (const state of OPPORTUNITY_STATES) {
        for (const actor of ACTORS) {
          const move = opportunityMove(state, action, actor);
          if (TERMINAL.includes(state)) {
            expect(move, `${actor} ${action} on ${state}`).toEqual({ ok: false, why: 'terminal' });
            continue;
          }
          expect(move.ok, `${actor} ${action} from ${state}`).toBe(from.includes(state) && actors.includes(actor));
          if (move.ok) expect(move.to).toBe(to);
        }
      }
    }
  });

  it('treats won, lost, rejected and expired as terminal, and nothing else', () => {
    expect([...TERMINAL].sort()).toEqual(['expired', 'lost', 'rejected', 'won']);
  });
});
