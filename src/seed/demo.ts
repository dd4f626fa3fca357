import type { Knex } from 'knex';
import { hashPassword } from '../services/passwords.ts';
import { newToken } from '../services/tokens.ts';
import { messageIdFor } from '../mail/outbox.ts';
import { renderEmail } from '../mail/render.ts';
import type { PartnerRole, StaffRole } from '../policies/permissions.ts';
import type { Locale } from '../i18n/index.ts';

export const DEMO_PASSWORD = 'portal-demo-password';

type DemoUser = { email: string; name: string; role: StaffRole | PartnerRole; partner?: string; locale?: Locale };

export const DEMO_VENDOR = { name: 'Lumen Software', baseCurrency: 'USD', timeZone: 'Europe/Berlin' };

type DemoPartner = {
  name: string;
  status: 'applicant' | 'active' | 'rejected' | 'suspended';
  level?: 'registered' | 'silver' | 'gold';
  capacity?: number;
  website?: string;
  country: string;
  countriesServed: string[];
  languages: string[];
  specialties: string[];
  listed?: boolean;
  rejectionReason?: string;
  appliedDaysAgo: number;
};

export const DEMO_PRODUCTS = [
  { name: 'Lumen Analytics', category: 'software', description: { en: 'Dashboards and reports over your business data.', de: 'Dashboards und Berichte über Ihre Geschäftsdaten.' } },
  { name: 'Lumen Cloud Backup', category: 'cloud', description: { en: 'Encrypted off-site backup with point-in-time restore.', it: 'Backup cifrato fuori sede con ripristino puntuale.' } },
  { name: 'Lumen Secure Gateway', category: 'hardware', description: { en: 'A network appliance for branch offices.' } },
  { name: 'Implementation services', category: 'service', description: { en: 'Planning and rollout by certified consultants.' } },
  { name: 'Administrator training', category: 'training', description: { en: 'Two-day course for administrators, online or on site.' } },
  { name: 'Premium support', category: 'support', description: { en: 'Around-the-clock support with a one-hour response.', cs: 'Nepřetržitá podpora s odezvou do jedné hodiny.' } },
] as const;

export const DEMO_PARTNERS: DemoPartner[] = [
  { name: 'Alpha Solutions', status: 'active', level: 'gold', capacity: 12, website: 'www.alpha.example', country: 'DE', countriesServed: ['DE', 'AT', 'CH'], languages: ['de', 'en'], specialties: ['Lumen Analytics', 'Implementation services'], listed: true, appliedDaysAgo: 400 },
  { name: 'Beta Systems', status: 'active', level: 'silver', capacity: 6, website: 'beta.example', country: 'CZ', countriesServed: ['CZ', 'SK'], languages: ['cs', 'en'], specialties: ['Lumen Cloud Backup', 'Premium support'], listed: true, appliedDaysAgo: 300 },
  { name: 'Delta Networks', status: 'active', level: 'registered', capacity: 3, website: 'delta.example', country: 'SK', countriesServed: ['SK'], languages: ['en'], specialties: ['Lumen Cloud Backup'], listed: false, appliedDaysAgo: 60 },
  { name: 'Gamma IT', status: 'applicant', website: 'gamma.example', country: 'EE', countriesServed: ['EE', 'LV', 'LT'], languages: ['et', 'en'], specialties: ['Lumen Secure Gateway'], appliedDaysAgo: 3 },
  { name: 'Omega Resellers', status: 'rejected', website: 'omega.example', country: 'IT', countriesServed: ['IT'], languages: ['it'], specialties: [], rejectionReason: 'We could not verify the company registration number. You are welcome to apply again with the correct details.', appliedDaysAgo: 40 },
];

export const DEMO_USERS: DemoUser[] = [
  { email: 'admin@lumen.example', name: 'Alex Admin', role: 'channel_admin' },
  { email: 'manager@lumen.example', name: 'Maria Manager', role: 'channel_manager' },
  { email: 'support@lumen.example', name: 'Sam Support', role: 'support_agent' },
  { email: 'anna@alpha.example', name: 'Anna Alpha', role: 'partner_admin', partner: 'Alpha Solutions' },
  { email: 'ben@alpha.example', name: 'Ben Alpha', role: 'sales_agent', partner: 'Alpha Solutions' },
  { email: 'carla@beta.example', name: 'Carla Beta', role: 'partner_admin', partner: 'Beta Systems' },
  { email: 'dora@delta.example', name: 'Dora Delta', role: 'partner_admin', partner: 'Delta Networks' },
  { email: 'gina@gamma.example', name: 'Gina Gamma', role: 'partner_admin', partner: 'Gamma IT', locale: 'et' },
  { email: 'oscar@omega.example', name: 'Oscar Omega', role: 'partner_admin', partner: 'Omega Resellers', locale: 'it' },
];

const PROGRAM_TEXT = {
  en: `Lumen Software works with partners who sell, implement and support our products in their own markets.

## What you get

- Opportunities from our sales team, routed to the partner best placed to win them
- Deal registration: exclusive rights on the deals you find
- Training, certification and a knowledge base
- A partner level (Registered, Silver or Gold) that grows with your results

## What we ask

- At least one certified person on your team
- Honest forecasts, and answers to new opportunities within the deadline
- Respect for our partner rules and for your customers' data

Apply below: the partner team answers every application.`,
  de: `Lumen Software arbeitet mit Partnern, die unsere Produkte in ihren Märkten verkaufen, einführen und betreuen.

## Was Sie bekommen

- Verkaufschancen von unserem Vertrieb, an den jeweils passendsten Partner vergeben
- Deal-Registrierung: exklusive Rechte an den Geschäften, die Sie finden
- Schulungen, Zertifizierungen und eine Wissensdatenbank

## Was wir erwarten

- Mindestens eine zertifizierte Person im Team
- Ehrliche Prognosen und fristgerechte Antworten auf neue Verkaufschancen`,
};

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
    if (vendor && Object.keys(vendor.program_text ?? {}).length === 0) {
      await trx('vendor_settings').where('id', 1).update({ program_text: JSON.stringify(PROGRAM_TEXT) });
      added.push('program text');
    }

    const productIds = new Map<string, number>();
    for (const product of DEMO_PRODUCTS) {
      let row = await trx('products').whereRaw('lower(name) = lower(?)', [product.name]).first('id');
      if (!row) {
        [row] = await trx('products').insert({ name: product.name, category: product.category, description: JSON.stringify(product.description) }).returning('id');
        added.push(`product ${product.name}`);
      }
      productIds.set(product.name, row.id);
    }

    const partnerIds = new Map<string, number>();
    for (const partner of DEMO_PARTNERS) {
      let row = await trx('partners').where('name', partner.name).first('id');
      const appliedAt = new Date(Date.now() - partner.appliedDaysAgo * 86_400_000);
      const profile = {
        website: partner.website ?? null,
        website_domain: partner.website?.replace(/^www\./, '') ?? null,
        country: partner.country,
        countries_served: partner.countriesServed,
        languages: partner.languages,
        level: partner.level ?? null,
        capacity: partner.capacity ?? null,
        listed: partner.listed ?? false,
        applied_at: appliedAt,
        decided_at: partner.status === 'applicant' ? null : new Date(appliedAt.getTime() + 2 * 86_400_000),
        rejection_reason: partner.rejectionReason ?? null,
      };
      if (!row) {
        [row] = await trx('partners').insert({ name: partner.name, status: partner.status, ...profile }).returning('id');
        added.push(`partner ${partner.name}`);
      } else {
        // Companies created by an earlier version lack the profile this version adds: fill in what is empty.
        const current = await trx('partners').where('id', row.id).first();
        const missing = Object.fromEntries(Object.entries(profile).filter(([k, v]) => v !== null && (current[k] == null || (Array.isArray(current[k]) && current[k].length === 0))));
        if (Object.keys(missing).length) await trx('partners').where('id', row.id).update(missing);
      }
      partnerIds.set(partner.name, row.id);
      for (const name of partner.specialties) {
        await trx('partner_specialties').insert({ partner_id: row.id, product_id: productIds.get(name) }).onConflict(['partner_id', 'product_id']).ignore();
      }
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
        locale: user.locale ?? null,
        password_hash: passwordHash,
      });
      added.push(`user ${user.email}`);
    }

    // A pending invitation at Alpha, and its email on the Sent mail page with a link that works.
    const invitee = 'dan@alpha.example';
    const hasInvitation = await trx('invitations').where({ email: invitee }).first('id');
    if (!hasInvitation) {
      const { token, hash } = newToken();
      const anna = await trx('users').where('email', 'anna@alpha.example').first('id');
      const [inv] = await trx('invitations')
        .insert({ kind: 'partner', partner_id: partnerIds.get('Alpha Solutions'), email: invitee, role: 'sales_agent', token_hash: hash, expires_at: new Date(Date.now() + 7 * 86_400_000), invited_by: anna.id })
        .returning('id');
      await keptEmail(trx, `invitation:${inv.id}`, invitee, null, 'en', 'invitation', {
        inviter: 'Anna Alpha', company: 'Alpha Solutions', role: 'sales agent', link: `http://localhost:3000/invitations/${token}`, expires: new Date(Date.now() + 7 * 86_400_000).toDateString(),
      });
      added.push('invitation at Alpha');
    }
    if (await seedCustomers(trx, partnerIds.get('Alpha Solutions')!, CUSTOMER_NAMES, 'DE', 'example')) added.push('Alpha customers');
    if (await seedCustomers(trx, partnerIds.get('Beta Systems')!, CZ_NAMES, 'CZ', 'example')) added.push('Beta customers');
    if (await seedCustomers(trx, null, ['Northwind Retail Group', 'Contoso Health', 'Fabrikam Motors'], 'US', 'example')) added.push('vendor accounts');
    if (await seedCustomers(trx, partnerIds.get('Delta Networks')!, SK_NAMES, 'SK', 'example')) added.push('Delta customers');

    // Two-tier: Delta Networks resells through Beta Systems, its indirect provider.
    const beta = partnerIds.get('Beta Systems')!;
    const delta = partnerIds.get('Delta Networks')!;
    if (!(await trx('provider_links').where({ reseller_partner_id: delta, provider_partner_id: beta }).first('id'))) {
      await trx('provider_links').insert({ reseller_partner_id: delta, provider_partner_id: beta });
      added.push('two-tier link Delta → Beta');
    }
    for (const [partner, inviter, provider] of [['Alpha Solutions', 'anna@alpha.example', null], ['Beta Systems', 'carla@beta.example', null], ['Delta Networks', 'dora@delta.example', beta]] as const) {
      if (await seedRelationships(trx, partnerIds.get(partner)!, inviter, provider)) added.push(`${partner} relationships`);
    }

    const gamma = partnerIds.get('Gamma IT')!;
    if (!(await trx('outbox_emails').where('event_key', `application-received:${gamma}`).first('id'))) {
      await keptEmail(trx, `application-received:${gamma}`, 'gina@gamma.example', 'Gina Gamma', 'et', 'application_received', { name: 'Gina Gamma', company: 'Gamma IT', link: 'http://localhost:3000/home' });
      added.push('sent mail');
    }
  });
  return { added };
}

const CUSTOMER_NAMES = [
  'Adler Logistik', 'Bergwerk Maschinenbau', 'Citylab Architekten', 'Donau Kliniken', 'Edelweiss Hotels', 'Falke Versicherungen',
  'Greif Druckerei', 'Hafen Spedition', 'Isar Stadtwerke', 'Jura Weinhandel', 'Kranich Reisen', 'Linde Bäckereien', 'Main Fintech',
  'Nordlicht Energie', 'Oder Agrar', 'Pfalz Möbel', 'Quelle Getränke', 'Rhein Chemie Labs', 'Spree Medien', 'Tauber Textil',
  'Ulmer Werkzeuge', 'Vogtland Glas', 'Weser Werft', 'Zugspitz Sport', 'Alster Consulting',
];
const CZ_NAMES = [
  'Brněnské strojírny', 'Český sklář', 'Dřevostavby Hora', 'Elektro Vltava', 'Fotonika Praha', 'Hrad Logistics', 'Jihlavské mlýny',
  'Krkonošská pekárna', 'Labská plavba', 'Moravská vína', 'Nová nemocnice Kolín', 'Ostravská ocel', 'Plzeňský pivovar Sládek',
  'Rychlá doprava', 'Šumava Dřevo', 'Tatra Stav', 'Ústecká chemie', 'Vysočina Agro', 'Zlínská obuv', 'Žatecký chmel',
];
const SK_NAMES = ['Bratislavské vodárne', 'Kysucký nábytok', 'Tatranské hotely', 'Považská strojáreň', 'Záhorie Agro', 'Košická tlačiareň'];
const INDUSTRIES = ['Logistics', 'Manufacturing', 'Healthcare', 'Hospitality', 'Finance', 'Retail', 'Energy', 'Public sector'];
const SIZES = ['1-10', '11-50', '51-200', '201-1000', '1001+'];

/** A partner's demo customer book: accounts with one or two contacts each, added once. */
async function seedCustomers(trx: Knex.Transaction, partnerId: number | null, names: string[], country: string, emailDomainSuffix: string): Promise<number> {
  const existing = await trx('customer_accounts').where((q) => (partnerId === null ? q.whereNull('partner_id') : q.where('partner_id', partnerId))).count({ n: '*' });
  if (Number(existing[0]?.n) > 0) return 0;
  let i = 0;
  for (const name of names) {
    const slug = name.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const [account] = await trx('customer_accounts')
      .insert({ partner_id: partnerId, name, website_domain: `${slug}.${emailDomainSuffix}`, country, industry: INDUSTRIES[i % INDUSTRIES.length], size: SIZES[i % SIZES.length] })
      .returning('id');
    const people = i % 3 === 0 ? 2 : 1;
    for (let k = 0; k < people; k++) {
      const first = ['Jana', 'Tomas', 'Eva', 'Lukas', 'Marta', 'Petr', 'Ida', 'Karl'][(i + k) % 8]!;
      const [contact] = await trx('customer_contacts')
        .insert({ partner_id: partnerId, name: `${first} ${name.split(' ')[0]}`, email: `${first.toLowerCase()}@${slug}.${emailDomainSuffix}`, job_title: k === 0 ? 'IT manager' : 'Purchasing' })
        .returning('id');
      await trx('customer_account_contacts').insert({ account_id: account.id, contact_id: contact.id, partner_id: partnerId });
    }
    i += 1;
  }
  return names.length;
}

const DAY = 86_400_000;

/**
 * A mix of relationship states over a partner's first customers (by name): active with full and granular
 * rights, invited, declined, removed with granular roles still in force, the rest none. With a provider, the
 * first active relationship is two-tier.
 */
async function seedRelationships(trx: Knex.Transaction, partnerId: number, inviterEmail: string, providerId: number | null): Promise<boolean> {
  if (await trx('customer_relationships').where('partner_id', partnerId).first('id')) return false;
  const inviter = await trx('users').where('email', inviterEmail).first('id');
  const accounts: { id: number; name: string }[] = await trx('customer_accounts').where('partner_id', partnerId).orderByRaw('lower(name), id').select('id', 'name');
  const now = Date.now();
  const plan = providerId
    ? [{ status: 'active', dap: false, gdap: ['user_admin', 'license_admin'], days: 365, provider: providerId }, { status: 'invited', dap: true, gdap: [], days: null, provider: providerId }]
    : [
        { status: 'active', dap: true, gdap: ['helpdesk_admin', 'license_admin'], days: 730 },
        { status: 'active', dap: true, gdap: [], days: null },
        { status: 'active', dap: false, gdap: ['directory_reader', 'security_reader'], days: 180 },
        { status: 'invited', dap: true, gdap: ['user_admin'], days: 90 },
        { status: 'declined', dap: true, gdap: [], days: null },
        { status: 'removed', dap: true, gdap: ['billing_admin'], days: 365 },
      ];
  for (const [i, p] of plan.entries()) {
    const account = accounts[i];
    if (!account) break;
    const invitedAt = new Date(now - (40 - i) * DAY);
    const answered = p.status !== 'invited' ? new Date(invitedAt.getTime() + 2 * DAY) : null;
    const removed = p.status === 'removed' ? new Date(now - 5 * DAY) : null;
    await trx('customer_relationships').insert({
      account_id: account.id,
      partner_id: partnerId,
      provider_partner_id: 'provider' in p ? p.provider : null,
      status: p.status,
      dap: p.dap,
      gdap_roles: p.gdap,
      gdap_days: p.days,
      invited_by: inviter?.id ?? null,
      invited_at: p.status === 'invited' ? new Date(now - 2 * DAY) : invitedAt,
      expires_at: new Date((p.status === 'invited' ? now - 2 * DAY : invitedAt.getTime()) + 30 * DAY),
      responded_at: answered,
      responder_name: answered ? `Customer contact at ${account.name}` : null,
      gdap_expires_at: answered && p.days && p.status !== 'declined' ? new Date(answered.getTime() + p.days * DAY) : null,
      dap_ended_at: removed && p.dap ? removed : null,
      removed_at: removed,
      removed_by: removed ? inviter?.id ?? null : null,
    });
    await trx('customer_accounts').where('id', account.id).update({ relationship_status: p.status });
  }
  return true;
}

/** Demo mail that has "gone out": kept in the outbox as sent, readable on the Sent mail page. */
async function keptEmail(trx: Knex.Transaction, eventKey: string, to: string, toName: string | null, locale: Locale, template: string, params: Record<string, string>) {
  const { subject, text } = renderEmail(template, locale, { ...params, vendorName: DEMO_VENDOR.name });
  await trx('outbox_emails').insert({ event_key: eventKey, message_id: messageIdFor(eventKey, 'localhost'), to_email: to, to_name: toName, locale, template, subject, body_text: text, status: 'sent', sent_at: new Date(), attempts: 1 });
}

export function demoLoginsText(baseUrl: string): string {
  const lines = DEMO_USERS.map((u) => `  ${u.email.padEnd(24)} ${u.role.padEnd(16)} ${u.partner ?? DEMO_VENDOR.name}`);
  return [`Demo logins for ${baseUrl} (password for all: ${DEMO_PASSWORD}):`, ...lines].join('\n');
}
