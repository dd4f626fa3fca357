import type { Knex } from 'knex';

/** Granular delegated roles a partner can ask a customer for (GDAP), each for a limited time. */
export const GDAP_ROLES = ['directory_reader', 'user_admin', 'license_admin', 'helpdesk_admin', 'billing_admin', 'security_reader', 'service_support_admin'] as const;
/** How long granular roles may be asked for, in days: up to two years. */
export const GDAP_DURATIONS = ['30', '90', '180', '365', '730'] as const;
/** An invitation link works for 30 days. */
export const INVITATION_DAYS = 30;

export type Relationship = {
  id: number;
  account_id: number;
  partner_id: number;
  provider_partner_id: number | null;
  status: 'invited' | 'active' | 'declined' | 'removed' | 'superseded';
  dap: boolean;
  gdap_roles: string[];
  gdap_days: number | null;
  message: string | null;
  invited_by: number | null;
  invited_by_name: string | null;
  invited_at: Date;
  expires_at: Date;
  sent_to_email: string | null;
  sent_at: Date | null;
  responded_at: Date | null;
  responder_name: string | null;
  gdap_expires_at: Date | null;
  gdap_revoked_at: Date | null;
  dap_ended_at: Date | null;
  removed_at: Date | null;
};

const COLUMNS = [
  'r.id', 'r.account_id', 'r.partner_id', 'r.provider_partner_id', 'r.status', 'r.dap', 'r.gdap_roles', 'r.gdap_days', 'r.message', 'r.invited_by',
  'r.invited_at', 'r.expires_at', 'r.sent_to_email', 'r.sent_at', 'r.responded_at', 'r.responder_name', 'r.gdap_expires_at', 'r.gdap_revoked_at',
  'r.dap_ended_at', 'r.removed_at',
];

function select(db: Knex.Transaction) {
  // The inviter's name: partner users may read their own colleagues; a provider sees null here.
  return db('customer_relationships as r').select(COLUMNS).select('u.name as invited_by_name').leftJoin('users as u', 'u.id', 'r.invited_by');
}

/** Full delegated administration is in force only while the relationship is active. */
export function dapInForce(r: Relationship): boolean {
  return r.dap && r.status === 'active' && !r.dap_ended_at;
}

/** Granular roles outlive the relationship's removal: they last until their end date unless revoked. */
export function gdapInForce(r: Relationship, now = new Date()): boolean {
  return r.gdap_roles.length > 0 && !!r.gdap_expires_at && !r.gdap_revoked_at && new Date(r.gdap_expires_at) > now;
}

export function invitationUsable(r: Relationship, now = new Date()): boolean {
  return r.status === 'invited' && new Date(r.expires_at) > now;
}

/** Every relationship of an account the viewer may see (RLS: the owning partner, or the provider once accepted), newest first. */
export async function relationshipsOf(db: Knex.Transaction, accountId: number): Promise<Relationship[]> {
  return select(db).where('r.account_id', accountId).orderBy([{ column: 'r.invited_at', order: 'desc' }, { column: 'r.id', order: 'desc' }]);
}

export async function findRelationship(db: Knex.Transaction, partnerId: number, accountId: number, id: number): Promise<Relationship | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return select(db).where({ 'r.id': id, 'r.account_id': accountId, 'r.partner_id': partnerId }).first();
}

export async function openRelationship(db: Knex.Transaction, partnerId: number, accountId: number): Promise<Relationship | undefined> {
  return select(db).where({ 'r.account_id': accountId, 'r.partner_id': partnerId }).whereIn('r.status', ['invited', 'active']).forUpdate('r').first();
}

export type TwoTierLink = { id: number; reseller_partner_id: number; reseller_name: string; provider_partner_id: number; provider_name: string; created_at: Date };

/** Two-tier links the viewer may see: all for staff, a partner's own as reseller or provider. */
export async function twoTierLinks(db: Knex.Transaction): Promise<TwoTierLink[]> {
  const { rows } = await db.raw<{ rows: TwoTierLink[] }>('SELECT * FROM two_tier_links()');
  return rows;
}

export type NewInvitation = { accountId: number; partnerId: number; userId: number; dap: boolean; gdapRoles: string[]; gdapDays: number | null; providerId: number | null };

/** A new invitation replaces one still pending; the account shows as invited. */
export async function createInvitation(db: Knex.Transaction, inv: NewInvitation): Promise<Relationship> {
  await db('customer_relationships').where({ account_id: inv.accountId, partner_id: inv.partnerId, status: 'invited' }).update({ status: 'superseded' });
  const [row] = await db('customer_relationships')
    .insert({
      account_id: inv.accountId,
      partner_id: inv.partnerId,
      provider_partner_id: inv.providerId,
      dap: inv.dap,
      gdap_roles: inv.gdapRoles,
      gdap_days: inv.gdapRoles.length ? inv.gdapDays : null,
      invited_by: inv.userId,
      expires_at: db.raw(`now() + make_interval(days => ${INVITATION_DAYS})`),
    })
    .returning('id');
  await db('customer_accounts').where({ id: inv.accountId, partner_id: inv.partnerId }).update({ relationship_status: 'invited', updated_at: db.fn.now() });
  return (await findRelationship(db, inv.partnerId, inv.accountId, row.id))!;
}

export async function saveMessage(db: Knex.Transaction, r: Relationship, message: string, sentTo: string | null): Promise<void> {
  await db('customer_relationships')
    .where({ id: r.id, status: 'invited' })
    .update({ message, ...(sentTo ? { sent_to_email: sentTo, sent_at: db.fn.now() } : {}) });
}

/** Ends the relationship: full delegated administration stops now; granular roles keep their own end date. */
export async function removeRelationship(db: Knex.Transaction, r: Relationship, userId: number): Promise<boolean> {
  const updated = await db('customer_relationships')
    .where({ id: r.id, status: 'active' })
    .update({ status: 'removed', removed_at: db.fn.now(), removed_by: userId, dap_ended_at: r.dap ? db.fn.now() : null });
  if (updated !== 1) return false;
  await db('customer_accounts').where({ id: r.account_id, partner_id: r.partner_id }).update({ relationship_status: 'removed', updated_at: db.fn.now() });
  return true;
}

export async function revokeGdap(db: Knex.Transaction, r: Relationship): Promise<boolean> {
  return (await db('customer_relationships').where({ id: r.id }).whereNull('gdap_revoked_at').whereNotNull('gdap_expires_at').update({ gdap_revoked_at: db.fn.now() })) === 1;
}

/** What the customer sees through the link, read without an account (link context only). */
export type LinkRelationship = {
  id: number;
  status: Relationship['status'];
  expires_at: Date;
  dap: boolean;
  gdap_roles: string[];
  gdap_days: number | null;
  responded_at: Date | null;
  responder_name: string | null;
  removed_at: Date | null;
  account_id: number;
  account_name: string;
  partner_id: number;
  partner_name: string;
  provider_partner_id: number | null;
  provider_name: string | null;
  partner_status: string;
};

export async function relationshipForLink(db: Knex.Transaction, id: number): Promise<LinkRelationship | undefined> {
  const { rows } = await db.raw<{ rows: LinkRelationship[] }>('SELECT * FROM customer_relationship_for_link(?)', [id]);
  return rows[0];
}

export async function respond(db: Knex.Transaction, id: number, accept: boolean, name: string | null): Promise<{ status: string; account_id: number; partner_id: number } | undefined> {
  const { rows } = await db.raw<{ rows: { status: string; account_id: number; partner_id: number }[] }>('SELECT * FROM respond_customer_relationship(?, ?, ?)', [id, accept, name]);
  return rows[0];
}
