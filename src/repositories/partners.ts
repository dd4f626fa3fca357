import type { Knex } from 'knex';

export type PartnerStatus = 'applicant' | 'active' | 'rejected' | 'suspended';
export type PartnerLevel = 'registered' | 'silver' | 'gold';
export const PARTNER_LEVELS: PartnerLevel[] = ['registered', 'silver', 'gold'];

export type DuplicateFlag = { partnerId: number; name: string; status: PartnerStatus; reason: 'domain' | 'name'; similarity: number };

export type Partner = {
  id: number;
  name: string;
  status: PartnerStatus;
  website: string | null;
  country: string | null;
  address: string | null;
  phone: string | null;
  registration_number: string | null;
  employee_count: number | null;
  countries_served: string[];
  languages: string[];
  level: PartnerLevel | null;
  capacity: number | null;
  listed: boolean;
  applied_at: Date | null;
  decided_at: Date | null;
  decided_by: number | null;
  rejection_reason: string | null;
  duplicate_flags: DuplicateFlag[];
  /** Staff's changes (decision, level, capacity, status) and the partner's own profile edits lock separately. */
  version: number;
  profile_version: number;
  created_at: Date;
  specialties: number[];
};

const COLUMNS = [
  'p.id', 'p.name', 'p.status', 'p.website', 'p.country', 'p.address', 'p.phone', 'p.registration_number', 'p.employee_count',
  'p.countries_served', 'p.languages', 'p.level', 'p.capacity', 'p.listed', 'p.applied_at', 'p.decided_at', 'p.decided_by', 'p.rejection_reason',
  'p.duplicate_flags', 'p.version', 'p.profile_version', 'p.created_at',
];

/** One partner as this context may see it (a partner context sees only its own company: the policy decides). */
export async function findPartner(db: Knex.Transaction, id: number): Promise<Partner | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const row = await db('partners as p')
    .select(COLUMNS)
    .select(db.raw('ARRAY(SELECT s.product_id FROM partner_specialties s WHERE s.partner_id = p.id ORDER BY s.product_id) AS specialties'))
    .where('p.id', id)
    .first();
  return row;
}

export async function setSpecialties(db: Knex.Transaction, partnerId: number, productIds: number[]): Promise<void> {
  await db('partner_specialties').where('partner_id', partnerId).delete();
  if (productIds.length) await db('partner_specialties').insert(productIds.map((product_id) => ({ partner_id: partnerId, product_id })));
}

/** The people of one company (the policy limits a partner context to its own). */
export async function listPeople(db: Knex.Transaction, partnerId: number) {
  return db('users')
    .select('id', 'name', 'email', 'role', 'status', 'locale', 'last_sign_in_at', 'created_at')
    .where('partner_id', partnerId)
    .orderByRaw(`status = 'active' DESC, lower(name)`);
}
