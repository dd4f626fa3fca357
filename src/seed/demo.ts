import type { Knex } from 'knex';
import { hashPassword } from '../services/passwords.ts';
import type { PartnerRole, StaffRole } from '../policies/permissions.ts';

export const DEMO_PASSWORD = 'portal-demo-password';

type DemoUser = { email: string; name: string; role: StaffRole | PartnerRole; partner?: string };

export const DEMO_VENDOR = { name: 'Lumen Software', baseCurrency: 'USD', timeZone: 'Europe/Berlin' };

export const DEMO_PARTNERS: { name: string; status: 'applicant' | 'active' | 'rejected' | 'suspended' }[] = [
  { name: 'Alpha Solutions', status: 'active' },
  { name: 'Beta Systems', status: 'active' },
];

export const DEMO_USERS: DemoUser[] = [
  { email: 'admin@lumen.example', name: 'Alex Admin', role: 'channel_admin' },
  { email: 'manager@lumen.example', name: 'Maria Manager', role: 'channel_manager' },
  { email: 'support@lumen.example', name: 'Sam Support', role: 'support_agent' },
  { email: 'anna@alpha.example', name: 'Anna Alpha', role: 'partner_admin', partner: 'Alpha Solutions' },
  { email: 'ben@alpha.example', name: 'Ben Alpha', role: 'sales_agent', partner: 'Alpha Solutions' },
  { email: 'carla@beta.example', name: 'Carla Beta', role: 'partner_admin', partner: 'Beta Systems' },
];

/**
 * Loads the demo data, adding only what is missing: safe to run at every start, and records that later
 * versions add appear in an existing data folder. Runs with the owner's handle, outside any request.
 */
export async function seedDemo(knex: Knex): Promise<{ added: string[] }> {
  const added: string[] = [];
  await knex.transaction(async (trx) => {
    const vendor = await trx('vendor_settings').where('id', 1).first();
    if (vendor?.name === 'Vendor') {
      await trx('vendor_settings').where('id', 1).update({ name: DEMO_VENDOR.name, base_currency: DEMO_VENDOR.baseCurrency, time_zone: DEMO_VENDOR.timeZone });
      added.push('vendor settings');
    }
    const partnerIds = new Map<string, number>();
    for (const partner of DEMO_PARTNERS) {
      let row = await trx('partners').where('name', partner.name).first('id');
      if (!row) {
        [row] = await trx('partners').insert({ name: partner.name, status: partner.status }).returning('id');
        added.push(`partner ${partner.name}`);
      }
      partnerIds.set(partner.name, row.id);
    }
    let passwordHash: string | undefined;
    for (const user of DEMO_USERS) {
      const exists = await trx('users').whereRaw('lower(email) = ?', [user.email]).first('id');
      if (exists) continue;
      passwordHash ??= await hashPassword(DEMO_PASSWORD);
      await trx('users').insert({
        kind: user.partner ? 'partner' : 'staff',
        partner_id: user.partner ? partnerIds.get(user.partner) : null,
        email: user.email,
        name: user.name,
        role: user.role,
        password_hash: passwordHash,
      });
      added.push(`user ${user.email}`);
    }
  });
  return { added };
}

export function demoLoginsText(baseUrl: string): string {
  const lines = DEMO_USERS.map((u) => `  ${u.email.padEnd(24)} ${u.role.padEnd(16)} ${u.partner ?? DEMO_VENDOR.name}`);
  return [`Demo logins for ${baseUrl} (password for all: ${DEMO_PASSWORD}):`, ...lines].join('\n');
}
