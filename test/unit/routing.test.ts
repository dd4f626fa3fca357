import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, rankCandidates, type CandidateStats } from '../../src/services/routing.ts';

const base: Omit<CandidateStats, 'partnerId' | 'name'> = {
  country: null, countriesServed: [], level: null, specialties: [], capacity: null, openAccepted: 0, delivered: 0, answered: 0, medianHours: null, accepted: 0, returned: 0,
};
const partner = (partnerId: number, name: string, over: Partial<CandidateStats>): CandidateStats => ({ ...base, partnerId, name, ...over });

describe('preferred-partner routing with the default weights', () => {
  const opportunity = { country: 'DE', productId: 7 };
  const partners = [
    // Gold, German, the product's specialist, half its capacity free, answers everything within 12 h, no returns.
    partner(3, 'Alpha', { country: 'DE', level: 'gold', specialties: [7], capacity: 10, openAccepted: 5, delivered: 10, answered: 10, medianHours: 12, accepted: 8 }),
    // Silver, serves DE from abroad, no specialty, full capacity free, no history, no returns.
    partner(5, 'Beta', { country: 'CZ', countriesServed: ['DE', 'CZ'], level: 'silver', capacity: 4 }),
    // Gold, other country, specialist, no capacity left, slow, returns half of what it accepts.
    partner(2, 'Gamma', { country: 'IT', level: 'gold', specialties: [7], capacity: 2, openAccepted: 2, delivered: 4, answered: 2, medianHours: 72, accepted: 2, returned: 1 }),
    // Nothing matches; equal to Epsilon in every way.
    partner(9, 'Delta', { country: 'FR', level: 'registered' }),
    partner(8, 'Epsilon', { country: 'FR', level: 'registered' }),
  ];

  it('ranks by score, each factor shown with its value and points adding up to the score', () => {
    const ranked = rankCandidates(partners, opportunity, DEFAULT_WEIGHTS);
    // Alpha 30 + 25 + 15 + 7.5 + 9.2; Beta 30 + 10 + 15 + 5 (no history: half the responsiveness);
    // Gamma 25 + 15 + 0 + 2.5 − 5; Delta and Epsilon 5 + 5.
    expect(ranked.map((c) => [c.name, c.score])).toEqual([
      ['Alpha', 86.7],
      ['Beta', 60],
      ['Gamma', 37.5],
      ['Epsilon', 10],
      ['Delta', 10],
    ]);
  });

  it('explains Alpha\'s score factor by factor', () => {
    const [alpha] = rankCandidates(partners, opportunity, DEFAULT_WEIGHTS);
    expect(alpha!.factors).toEqual([
      { name: 'country', value: 'yes', points: 30 },
      { name: 'specialty', value: 'yes', points: 25 },
      { name: 'level', value: 'gold', points: 15 },
      { name: 'capacity', value: '5/10', points: 7.5 },
      { name: 'responsiveness', value: '100%, 12 h', points: 9.2 },
      { name: 'returns', value: '0%', points: -0 },
    ]);
    expect(alpha!.factors.reduce((s, f) => s + f.points, 0)).toBeCloseTo(alpha!.score, 5);
  });

  it('breaks ties by the lower partner id, so the same inputs always give the same order', () => {
    const ranked = rankCandidates(partners, opportunity, DEFAULT_WEIGHTS);
    expect(ranked.slice(-2).map((c) => c.partnerId)).toEqual([8, 9]);
    expect(rankCandidates([...partners].reverse(), opportunity, DEFAULT_WEIGHTS)).toEqual(ranked);
  });

  it('follows the weights set by staff', () => {
    const ranked = rankCandidates(partners, opportunity, { ...DEFAULT_WEIGHTS, country: 0, specialty: 100 });
    expect(ranked[0]!.name).toBe('Alpha');
    expect(ranked[1]!.name).toBe('Gamma');
  });
});
