import type { Knex } from 'knex';

/**
 * "Preferred partner" routing: every eligible partner gets a score made of named factors, each shown with its
 * value and contribution so staff can see why. The same inputs always give the same order (ties: lower id).
 */
export type RoutingWeights = {
  country: number;
  specialty: number;
  gold: number;
  silver: number;
  registered: number;
  capacity: number;
  responsiveness: number;
  /** Subtracted at a 100 % return rate. */
  returns: number;
};

export const DEFAULT_WEIGHTS: RoutingWeights = { country: 30, specialty: 25, gold: 15, silver: 10, registered: 5, capacity: 15, responsiveness: 10, returns: 10 };

export type CandidateStats = {
  partnerId: number;
  name: string;
  country: string | null;
  countriesServed: string[];
  level: 'registered' | 'silver' | 'gold' | null;
  specialties: number[];
  capacity: number | null;
  openAccepted: number;
  delivered: number;
  answered: number;
  /** Median hours from delivery to answer; null without answers. */
  medianHours: number | null;
  accepted: number;
  returned: number;
};

export type Factor = { name: 'country' | 'specialty' | 'level' | 'capacity' | 'responsiveness' | 'returns'; value: string; points: number };
export type Candidate = { partnerId: number; name: string; score: number; factors: Factor[] };

/** Answers within this many hours count as fully responsive; slower ones proportionally less. */
const RESPONSE_HORIZON_HOURS = 72;

const round = (n: number) => Math.round(n * 10) / 10;

export function scoreCandidate(c: CandidateStats, opportunity: { country: string | null; productId: number | null }, w: RoutingWeights): Candidate {
  const countryMatch = !!opportunity.country && (c.country === opportunity.country || c.countriesServed.includes(opportunity.country));
  const specialtyMatch = opportunity.productId !== null && c.specialties.includes(opportunity.productId);
  const levelPoints = c.level ? w[c.level] : 0;
  const spare = c.capacity && c.capacity > 0 ? Math.max(0, c.capacity - c.openAccepted) / c.capacity : 0;
  // Without any history a partner is neither rewarded nor punished: half the responsiveness points.
  const touchRate = c.delivered > 0 ? c.answered / c.delivered : 0.5;
  const speed = c.medianHours === null ? 0.5 : 1 - Math.min(c.medianHours, RESPONSE_HORIZON_HOURS) / RESPONSE_HORIZON_HOURS;
  const returnRate = c.accepted > 0 ? c.returned / c.accepted : 0;
  const factors: Factor[] = [
    { name: 'country', value: countryMatch ? 'yes' : 'no', points: countryMatch ? w.country : 0 },
    { name: 'specialty', value: specialtyMatch ? 'yes' : 'no', points: specialtyMatch ? w.specialty : 0 },
    { name: 'level', value: c.level ?? 'none', points: levelPoints },
    { name: 'capacity', value: c.capacity ? `${Math.max(0, c.capacity - c.openAccepted)}/${c.capacity}` : '0/0', points: round(w.capacity * spare) },
    {
      name: 'responsiveness',
      value: `${Math.round(touchRate * 100)}%${c.medianHours === null ? '' : `, ${round(c.medianHours)} h`}`,
      points: round(w.responsiveness * (touchRate + speed) / 2),
    },
    { name: 'returns', value: `${Math.round(returnRate * 100)}%`, points: round(-w.returns * returnRate) },
  ];
  return { partnerId: c.partnerId, name: c.name, score: round(factors.reduce((s, f) => s + f.points, 0)), factors };
}

export function rankCandidates(candidates: CandidateStats[], opportunity: { country: string | null; productId: number | null }, w: RoutingWeights): Candidate[] {
  return candidates.map((c) => scoreCandidate(c, opportunity, w)).sort((a, b) => b.score - a.score || a.partnerId - b.partnerId);
}

/**
 * Eligible partners for an opportunity with their figures (staff context: it reads every partner). Excluded:
 * partners that are not active, that declined, returned or let this opportunity expire, or that hold a live
 * distribution of it already.
 */
export async function loadCandidates(db: Knex.Transaction, opportunityId: number): Promise<CandidateStats[]> {
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
    `WITH history AS (
       SELECT d.partner_id,
              count(*) AS delivered,
              count(*) FILTER (WHERE d.answered_at IS NOT NULL) AS answered,
              count(*) FILTER (WHERE d.answered_at IS NOT NULL AND d.state <> 'declined') AS accepted,
              count(*) FILTER (WHERE d.state = 'returned') AS returned,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.answered_at - d.delivered_at) / 3600) AS median_hours
         FROM opportunity_distributions d GROUP BY d.partner_id
     ), open_work AS (
       SELECT d.partner_id, count(*) AS n FROM opportunity_distributions d JOIN opportunities o ON o.id = d.opportunity_id
        WHERE d.state = 'accepted' AND o.state = 'accepted' GROUP BY d.partner_id
     )
     SELECT p.id, p.name, p.country, p.countries_served, p.level, p.capacity,
            coalesce((SELECT array_agg(s.product_id) FROM partner_specialties s WHERE s.partner_id = p.id), '{}') AS specialties,
            coalesce(w.n, 0) AS open_accepted, coalesce(h.delivered, 0) AS delivered, coalesce(h.answered, 0) AS answered,
            h.median_hours, coalesce(h.accepted, 0) AS accepted, coalesce(h.returned, 0) AS returned
       FROM partners p
       LEFT JOIN history h ON h.partner_id = p.id
       LEFT JOIN open_work w ON w.partner_id = p.id
      WHERE p.status = 'active'
        AND NOT EXISTS (SELECT 1 FROM opportunity_distributions x WHERE x.opportunity_id = ? AND x.partner_id = p.id
                          AND (x.state IN ('declined', 'returned', 'expired', 'delivered', 'accepted')))
      ORDER BY p.id`,
    [opportunityId],
  );
  return rows.map((r) => ({
    partnerId: Number(r.id),
    name: String(r.name),
    country: (r.country as string | null) ?? null,
    countriesServed: (r.countries_served as string[] | null) ?? [],
    level: (r.level as CandidateStats['level']) ?? null,
    specialties: ((r.specialties as number[] | null) ?? []).map(Number),
    capacity: r.capacity === null ? null : Number(r.capacity),
    openAccepted: Number(r.open_accepted),
    delivered: Number(r.delivered),
    answered: Number(r.answered),
    medianHours: r.median_hours === null ? null : Number(r.median_hours),
    accepted: Number(r.accepted),
    returned: Number(r.returned),
  }));
}

export function weightsOf(value: unknown): RoutingWeights {
  const given = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const out = { ...DEFAULT_WEIGHTS };
  for (const key of Object.keys(DEFAULT_WEIGHTS) as (keyof RoutingWeights)[]) {
    const n = Number(given[key]);
    if (Number.isFinite(n)) out[key] = n;
  }
  return out;
}
