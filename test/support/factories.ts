import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { hashPassword } from '../../src/services/passwords.ts';
import type { PartnerRole, StaffRole } from '../../src/policies/permissions.ts';

export const TEST_PASSWORD = 'correct horse battery staple';
let hashed: Promise<string> | undefined;

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/**
 * Factories write with the owner's handle, as an administrator's tool would. Every call makes a fresh partner
 * unless told otherwise, so any test of "cannot see" crosses tenants without extra setup.
 */
export async function createPartner(knex: Knex, fields: { name?: string; status?: 'applicant' | 'active' | 'rejected' | 'suspended' } = {}) {
  const [row] = await knex('partners').insert({ name: fields.name ?? unique('Partner'), status: fields.status ?? 'active' }).returning(['id', 'name', 'status']);
  return row as { id: number; name: string; status: string };
}

export async function createUser(
  knex: Knex,
  fields: { partnerId?: number; role?: PartnerRole | StaffRole; email?: string; name?: string; status?: 'active' | 'removed'; locale?: string } = {},
) {
  // A partner admin of a fresh company unless told otherwise: staff would receive every staff notification
  // (and its email) that other tests cause on a shared database.
  const role = fields.role ?? 'partner_admin';
  const staff = role === 'channel_admin' || role === 'channel_manager' || role === 'support_agent';
  let partnerId = fields.partnerId;
  if (!staff && partnerId === undefined) partnerId = (await createPartner(knex)).id;
  hashed ??= hashPassword(TEST_PASSWORD);
  const email = fields.email ?? `${unique('user')}@example.test`;
  const [row] = await knex('users')
    .insert({
      kind: staff ? 'staff' : 'partner',
      partner_id: staff ? null : partnerId,
      email,
      name: fields.name ?? unique('Person'),
      role,
      status: fields.status ?? 'active',
      locale: fields.locale ?? null,
      password_hash: await hashed,
    })
    .returning(['id', 'email', 'name', 'role', 'partner_id']);
  return row as { id: number; email: string; name: string; role: string; partner_id: number | null };
}
