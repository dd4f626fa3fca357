import type { Knex } from 'knex';
import { hashPassword } from '../services/passwords.ts';
import { newToken } from '../services/tokens.ts';
import { messageIdFor } from '../mail/outbox.ts';
import { renderEmail } from '../mail/render.ts';
import type { PartnerRole, StaffRole } from '../policies/permissions.ts';
import type { Locale } from '../i18n/index.ts';
import { seedForums } from './demo-forums.ts';
import { seedKnowledge } from './demo-knowledge.ts';
import { seedCases } from './demo-cases.ts';

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

    if (await seedOpportunities(trx, partnerIds, productIds)) added.push('opportunities');
    if (await seedKnowledge(trx)) added.push('knowledge articles');
    if (await seedForums(trx)) added.push('forums');
    if (await seedCases(trx)) added.push('support cases');

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
 * Vendor opportunities for Alpha and Beta in every state, with exchange rates for their currencies, and one
 * collaboration (Alpha leads, Beta collaborates) with a shared and a private note from each. Added once.
 */
async function seedOpportunities(trx: Knex.Transaction, partnerIds: Map<string, number>, productIds: Map<string, number>): Promise<boolean> {
  if (await trx('opportunities').first('id')) return false;
  await trx('exchange_rates').insert([
    { currency: 'EUR', valid_from: '2026-01-01', rate: '1.08' },
    { currency: 'CZK', valid_from: '2026-01-01', rate: '0.043' },
  ]).onConflict(['currency', 'valid_from']).ignore();
  const alpha = partnerIds.get('Alpha Solutions')!;
  const beta = partnerIds.get('Beta Systems')!;
  const staff = await trx('users').where('email', 'manager@lumen.example').first('id');
  const anna = await trx('users').where('email', 'anna@alpha.example').first('id');
  const carla = await trx('users').where('email', 'carla@beta.example').first('id');
  const accounts: { id: number; name: string }[] = await trx('customer_accounts').whereNull('partner_id').orderBy('id').select('id', 'name');
  const rates: Record<string, number> = { USD: 1, EUR: 1.08, CZK: 0.043 };
  const now = Date.now();
  type Plan = { topic: string; state: string; lead?: number; dist?: string; collaborator?: number; currency: string; value: number; country: string; product: string; stage?: string; reason?: string; days: number };
  const plans: Plan[] = [
    { topic: 'Backup for 12 branch offices', state: 'open', currency: 'EUR', value: 48000, country: 'DE', product: 'Lumen Cloud Backup', days: 2 },
    { topic: 'Analytics rollout for the finance team', state: 'distributed', lead: alpha, dist: 'delivered', currency: 'EUR', value: 65000, country: 'DE', product: 'Lumen Analytics', days: 1 },
    { topic: 'Secure gateway for 30 clinics', state: 'distributed', lead: beta, dist: 'delivered', currency: 'CZK', value: 1200000, country: 'CZ', product: 'Lumen Secure Gateway', days: 1 },
    { topic: 'Data platform modernisation', state: 'accepted', lead: alpha, dist: 'accepted', collaborator: beta, currency: 'EUR', value: 180000, country: 'DE', product: 'Lumen Analytics', stage: 'develop', days: 20 },
    { topic: 'Cloud backup for a logistics group', state: 'accepted', lead: beta, dist: 'accepted', currency: 'USD', value: 30000, country: 'CZ', product: 'Lumen Cloud Backup', stage: 'propose', days: 16 },
    { topic: 'Reporting for the city utilities', state: 'won', lead: alpha, dist: 'accepted', currency: 'EUR', value: 52000, country: 'AT', product: 'Lumen Analytics', stage: 'close', days: 10 },
    { topic: 'Premium support renewal', state: 'lost', lead: beta, dist: 'accepted', currency: 'USD', value: 15000, country: 'SK', product: 'Premium support', stage: 'propose', reason: 'other_vendor', days: 12 },
    { topic: 'Administrator training for a hospital', state: 'open', lead: alpha, dist: 'declined', currency: 'EUR', value: 9000, country: 'DE', product: 'Administrator training', reason: 'timeline', days: 6 },
    { topic: 'Gateway pilot for a retailer', state: 'expired', lead: beta, dist: 'expired', currency: 'USD', value: 22000, country: 'CZ', product: 'Lumen Secure Gateway', days: 40 },
  ];
  for (const [i, p] of plans.entries()) {
    const account = accounts[i % accounts.length]!;
    const changed = new Date(now - p.days * DAY);
    const closed = ['won', 'lost', 'expired'].includes(p.state);
    const [o] = await trx('opportunities')
      .insert({
        source: 'vendor', topic: p.topic, account_id: account.id, currency: p.currency, value: p.value, value_base: Math.round(p.value * rates[p.currency]! * 100) / 100,
        rate_date: '2026-01-01', close_date: new Date(now + (60 - i * 5) * DAY), country: p.country, product_id: productIds.get(p.product) ?? null,
        need: `${account.name} needs ${p.topic.toLowerCase()}.`, situation: 'The current solution is end of life next year.', proposed_solution: `${p.product}, with implementation services.`,
        // Closed ones are written open first: their distributions cannot be added once they are frozen.
        offer_until: p.state === 'expired' ? new Date(now - 5 * DAY) : new Date(now + 30 * DAY), state: closed ? 'open' : p.state, stage: p.stage ?? null,
        lead_partner_id: p.dist === 'accepted' || p.dist === 'delivered' ? p.lead : null, owner_user_id: p.dist === 'accepted' && p.lead === alpha ? anna?.id : null,
        close_reason: p.state === 'lost' ? p.reason : null, created_by: staff?.id, created_at: new Date(changed.getTime() - 3 * DAY), state_changed_at: changed, auto_routing: i === 0,
      })
      .returning('id');
    if (p.lead) {
      const deliveredAt = new Date(changed.getTime() - 2 * DAY);
      const answered = p.dist === 'accepted' || p.dist === 'declined' ? new Date(deliveredAt.getTime() + (i + 2) * 3_600_000) : null;
      await trx('opportunity_distributions').insert({
        opportunity_id: o.id, partner_id: p.lead, role: 'lead', state: p.dist, delivered_at: deliveredAt, delivered_by: staff?.id,
        accept_by: p.dist === 'delivered' ? new Date(now + (30 + i * 6) * 3_600_000) : new Date(deliveredAt.getTime() + 72 * 3_600_000),
        answered_at: answered, ended_at: p.dist === 'declined' || p.dist === 'expired' ? changed : null, reason: p.dist === 'declined' ? p.reason : null,
      });
      await trx('opportunity_events').insert({ opportunity_id: o.id, partner_id: p.lead, audience: 'partner', kind: 'delivered', at: deliveredAt, actor_user_id: staff?.id, data: JSON.stringify({ role: 'lead' }) });
      if (p.dist !== 'delivered') await trx('opportunity_events').insert({ opportunity_id: o.id, partner_id: p.lead, audience: 'partner', kind: p.dist, at: answered ?? changed, data: JSON.stringify(p.reason && p.dist === 'declined' ? { reason: p.reason } : {}) });
      if (p.dist === 'accepted') await trx('opportunity_events').insert({ opportunity_id: o.id, partner_id: p.lead, audience: 'shared', kind: 'accepted', at: answered });
      if (p.state === 'won' || p.state === 'lost') await trx('opportunity_events').insert({ opportunity_id: o.id, partner_id: p.lead, audience: 'shared', kind: p.state, at: changed, data: JSON.stringify(p.reason ? { reason: p.reason } : {}) });
    }
    if (p.collaborator) {
      await trx('opportunity_distributions').insert({
        opportunity_id: o.id, partner_id: p.collaborator, role: 'collaborator', state: 'accepted', delivered_at: new Date(changed.getTime() - 2 * DAY), accept_by: new Date(changed.getTime() + DAY), answered_at: new Date(changed.getTime() - DAY),
      });
      await trx('opportunity_notes').insert([
        { opportunity_id: o.id, partner_id: alpha, author_user_id: anna?.id, visibility: 'shared', body: 'Workshop with the customer next Tuesday; Beta covers the Czech subsidiary.' },
        { opportunity_id: o.id, partner_id: alpha, author_user_id: anna?.id, visibility: 'company', body: 'Our margin target is 18%; keep the services quote separate.' },
        { opportunity_id: o.id, partner_id: beta, author_user_id: carla?.id, visibility: 'shared', body: 'We can provide two consultants in Prague from May.' },
        { opportunity_id: o.id, partner_id: beta, author_user_id: carla?.id, visibility: 'company', body: 'Check our capacity before committing the second consultant.' },
      ]);
    }
    if (closed) await trx('opportunities').where('id', o.id).update({ state: p.state, state_changed_at: changed });
  }

  // Alpha's solutions (published, co-sell ready), none for Beta, so Beta's "New deal" explains why it is off.
  const analytics = productIds.get('Lumen Analytics')!;
  const [solution] = await trx('partner_solutions')
    .insert([
      { partner_id: alpha, name: 'Alpha Insight Dashboards', description: 'Ready-made finance and logistics dashboards on Lumen Analytics.', product_ids: [analytics], status: 'published', co_sell_ready: true, incentive_eligible: true, reviewed_by: staff?.id, reviewed_at: new Date(now - 30 * DAY) },
      { partner_id: alpha, name: 'Alpha Managed Backup', description: 'Backup operated by Alpha on Lumen Cloud Backup.', product_ids: [productIds.get('Lumen Cloud Backup')!], status: 'submitted' },
    ])
    .returning('id');
  const own: { id: number; name: string; website_domain: string; country: string }[] = await trx('customer_accounts').where('partner_id', alpha).orderByRaw('lower(name), id').select('id', 'name', 'website_domain', 'country');
  const deal = async (account: (typeof own)[number], topic: string, state: string, value: number) => {
    const [row] = await trx('opportunities')
      .insert({
        source: 'partner', partner_id: alpha, topic, account_id: account.id, currency: 'EUR', value, value_base: Math.round(value * 1.08 * 100) / 100, rate_date: '2026-01-01',
        close_date: new Date(now + 45 * DAY), country: account.country, product_id: analytics, solution_id: solution.id, need: `${account.name} wants dashboards for its managers.`,
        state, stage: state === 'accepted' ? 'develop' : null, lead_partner_id: state === 'accepted' ? alpha : null, owner_user_id: anna?.id, created_by: anna?.id, state_changed_at: new Date(now - 3 * DAY),
      })
      .returning('id');
    await trx('opportunity_events').insert({ opportunity_id: row.id, partner_id: alpha, audience: 'shared', kind: 'submitted', actor_user_id: anna?.id, at: new Date(now - 4 * DAY) });
    if (state === 'accepted') await trx('opportunity_distributions').insert({ opportunity_id: row.id, partner_id: alpha, role: 'lead', state: 'accepted', accept_by: new Date(now - 3 * DAY), delivered_at: new Date(now - 3 * DAY), answered_at: new Date(now - 3 * DAY) });
    return row.id as number;
  };
  // A deal awaiting review, and a managed deal whose registration conflicts with a vendor opportunity for the
  // same customer domain and product, with a co-sell invitation waiting.
  await deal(own[1]!, 'Dashboards for the production sites', 'submitted', 24000);
  const contested = own[0]!;
  const [vendorTwin] = await trx('customer_accounts').insert({ partner_id: null, name: `${contested.name} Group`, website_domain: contested.website_domain, country: contested.country }).returning('id');
  await trx('opportunities').insert({
    source: 'vendor', topic: 'Group-wide analytics', account_id: vendorTwin.id, currency: 'EUR', value: 90000, value_base: 97200, rate_date: '2026-01-01', country: contested.country,
    product_id: analytics, state: 'open', created_by: staff?.id, offer_until: new Date(now + 20 * DAY), need: 'A single analytics platform for all subsidiaries.',
  });
  const registered = await deal(contested, 'Logistics dashboards', 'accepted', 60000);
  await trx('deal_registrations').insert({ opportunity_id: registered, partner_id: alpha, state: 'pending', conflict: true, incentive_eligible: true, requested_by: anna?.id, requested_at: new Date(now - DAY) });
  await trx('cosell_requests').insert({ opportunity_id: registered, partner_id: alpha, message: 'The customer asks for a vendor executive sponsor.', requested_by: anna?.id, requested_at: new Date(now - DAY) });
  return true;
}

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
