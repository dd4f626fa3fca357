import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, errorTitle, signedIn, text } from '../support/client.ts';
import { createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import { inContext } from '../../src/db/scope.ts';
import { signedInCompany, type SignedInCompany } from '../support/company.ts';

let t: TestApp;
let knex: Knex;
let staff: Client;
let staffUserId: number;
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
  const staffUser = await createUser(knex, { role: 'channel_manager' });
  staffUserId = staffUser.id;
  staff = await signedIn(t.app, staffUser.email, TEST_PASSWORD);
});
afterAll(async () => t.close());

const company = () => signedInCompany(t);
type Company = SignedInCompany;

/** A vendor-sourced opportunity created through the staff form; returns its id. */
async function newOpportunity(fields: Record<string, string> = {}): Promise<number> {
  const [account] = await knex('customer_accounts').insert({ partner_id: null, name: unique('Vendor Account') }).returning('id');
  await staff.get('/admin/opportunities/new');
  const res = await staff.post('/admin/opportunities/new', {
    topic: unique('Opportunity'), account_id: String(account.id), currency: 'USD', value: '50000', country: 'DE', need: 'Backups for 40 sites',
    situation: 'Confidential: current vendor contract ends in March', ...fields,
  });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  return Number(/\/admin\/opportunities\/(\d+)$/.exec(String(res.headers.location))![1]);
}

async function distributeTo(id: number, lead: Company | null, collaborators: Company[] = [], hours = '48') {
  await staff.get(`/admin/opportunities/${id}`);
  const res = await staff.post(`/admin/opportunities/${id}/distribute`, { lead: lead ? String(lead.partner.id) : '', collaborators: collaborators.map((c) => String(c.partner.id)), accept_hours: hours });
  expect(res.statusCode, text(res.body).slice(0, 400)).toBe(303);
}

const state = async (id: number) => (await knex('opportunities').where({ id }).first()).state as string;
const distribution = async (id: number, c: Company) => knex('opportunity_distributions').where({ opportunity_id: id, partner_id: c.partner.id }).orderBy('id', 'desc').first();

describe('distributing an opportunity and working it', () => {
  it('shows a delivered partner the summary only, everything once accepted, and nothing to anyone else', async () => {
    const lead = await company();
    const other = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead);
    expect(await state(id)).toBe('distributed');

    const summary = text((await lead.client.get(`/opportunities/${id}`)).body);
    expect(summary).toContain('Backups for 40 sites');
    expect(summary).not.toContain('Confidential');
    expect(text((await lead.client.get('/opportunities?view=awaiting')).body)).toContain('Accept');

    for (const path of [`/opportunities/${id}`, `/opportunities/${id}/row`]) expect((await other.client.get(path)).statusCode).toBe(404);
    await other.client.get('/opportunities');
    for (const action of ['accept', 'decline', 'return', 'notes', 'stage', 'close']) expect((await other.client.post(`/opportunities/${id}/${action}`, { reason: 'budget', body: 'x', visibility: 'shared', stage: 'develop', outcome: 'won' })).statusCode).toBe(404);
    expect((await other.client.get(`/admin/opportunities/${id}`)).statusCode).toBe(403);

    await lead.client.get(`/opportunities/${id}`);
    expect((await lead.client.post(`/opportunities/${id}/accept`, {})).statusCode).toBe(303);
    expect(await state(id)).toBe('accepted');
    const full = text((await lead.client.get(`/opportunities/${id}`)).body);
    expect(full).toContain('Confidential: current vendor contract ends in March');
    expect(full).toContain('Accepted by');
  });

  it('refuses a second accept (a double click) with 409 and the state as it is', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead);
    await lead.client.get(`/opportunities/${id}`);
    expect((await lead.client.post(`/opportunities/${id}/accept`, {})).statusCode).toBe(303);
    const again = await lead.client.post(`/opportunities/${id}/accept`, {});
    expect(again.statusCode).toBe(409);
    expect(await knex('opportunity_events').where({ opportunity_id: id, kind: 'accepted' })).toHaveLength(2);
  });

  it('needs a reason to decline, reopens the opportunity without auto-routing, and tells staff', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead);
    await lead.client.get(`/opportunities/${id}`);
    const none = await lead.client.post(`/opportunities/${id}/decline`, {});
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('<a href="#decline-reason">');
    const other = await lead.client.post(`/opportunities/${id}/decline`, { reason: 'other' });
    expect(other.statusCode).toBe(422);
    expect(other.body).toContain('<a href="#decline-reason_other">');
    expect((await lead.client.post(`/opportunities/${id}/decline`, { reason: 'timeline' })).statusCode).toBe(303);
    expect((await distribution(id, lead)).state).toBe('declined');
    expect(await state(id)).toBe('open');
    // It keeps a read-only summary in its history.
    const history = await lead.client.get(`/opportunities/${id}`);
    expect(history.statusCode).toBe(200);
    expect(text(history.body)).toContain('part in this opportunity has ended');
    expect(history.body).not.toContain(`/opportunities/${id}/accept`);
  });

  it('accepts from a list row with htmx, answering with the row alone', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead);
    await lead.client.get('/opportunities');
    const res = await lead.client.post(`/opportunities/${id}/accept`, { from: 'row' }, { htmx: true });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/opportunities/${id}/row`);
    const row = await lead.client.get(String(res.headers.location), { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(row.body.trimStart()).toMatch(new RegExp(`^<tr id="opp-${id}">`));
    expect(text(row.body)).toContain('Accepted');
    // Without JavaScript the same form returns to the list.
    const plain = await newOpportunity();
    await distributeTo(plain, lead);
    await lead.client.get('/opportunities');
    const back = await lead.client.post(`/opportunities/${plain}/accept`, { from: 'row' });
    expect(back.headers.location).toBe('/opportunities');
  });

  it('re-routes to the next best partner when the lead declines with auto-routing on, never back to the decliner', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead);
    await staff.get(`/admin/opportunities/${id}`);
    expect((await staff.post(`/admin/opportunities/${id}/auto-routing`, { auto_routing: 'on' })).statusCode).toBe(303);
    await lead.client.get(`/opportunities/${id}`);
    expect((await lead.client.post(`/opportunities/${id}/decline`, { reason: 'budget' })).statusCode).toBe(303);
    const live = await knex('opportunity_distributions').where({ opportunity_id: id }).whereIn('state', ['delivered', 'accepted']);
    expect(live).toHaveLength(1);
    expect(live[0].routed).toBe('auto');
    expect(live[0].partner_id).not.toBe(lead.partner.id);
    expect(live[0].explanation.factors.map((f: { name: string }) => f.name)).toEqual(['country', 'specialty', 'level', 'capacity', 'responsiveness', 'returns']);
    expect(await state(id)).toBe('distributed');
  });

  it('lets collaborators work alongside without closing, and keeps company notes within the company', async () => {
    const lead = await company();
    const collaborator = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead, [collaborator]);
    for (const c of [lead, collaborator]) {
      await c.client.get(`/opportunities/${id}`);
      expect((await c.client.post(`/opportunities/${id}/accept`, {})).statusCode).toBe(303);
    }
    await lead.client.post(`/opportunities/${id}/notes`, { body: 'Shared: meeting on Friday', visibility: 'shared' });
    await lead.client.post(`/opportunities/${id}/notes`, { body: 'Lead only: our margin 12%', visibility: 'company' });
    await collaborator.client.post(`/opportunities/${id}/notes`, { body: 'Collaborator private: staffing gap', visibility: 'company' });
    // The shared note reached the collaborator's people; company notes notify no one.
    expect(await knex('notifications').where({ user_id: collaborator.user.id, type: 'opportunity.note' })).toHaveLength(1);
    expect(await knex('notifications').where({ user_id: lead.user.id, type: 'opportunity.note' })).toHaveLength(0);
    const seen = text((await collaborator.client.get(`/opportunities/${id}`)).body);
    expect(seen).toContain('Shared: meeting on Friday');
    expect(seen).not.toContain('Lead only: our margin');
    expect(seen).toContain('Collaborator private: staffing gap');
    expect(text((await lead.client.get(`/opportunities/${id}`)).body)).not.toContain('staffing gap');
    const vendor = text((await staff.get(`/admin/opportunities/${id}`)).body);
    expect(vendor).toContain('Shared: meeting on Friday');
    expect(vendor).not.toContain('our margin');

    // The collaborator cannot close or set the stage; the lead can.
    expect((await collaborator.client.post(`/opportunities/${id}/close`, { outcome: 'won' })).statusCode).toBe(403);
    expect((await collaborator.client.post(`/opportunities/${id}/stage`, { stage: 'propose' })).statusCode).toBe(403);
    expect((await lead.client.post(`/opportunities/${id}/stage`, { stage: 'propose' })).statusCode).toBe(303);
    expect((await lead.client.post(`/opportunities/${id}/close`, { outcome: 'lost' })).statusCode).toBe(422);
    expect((await lead.client.post(`/opportunities/${id}/close`, { outcome: 'won' })).statusCode).toBe(303);
    expect(await state(id)).toBe('won');
  });

  it('freezes a won opportunity for every route and for a direct update as the application role', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead);
    await lead.client.get(`/opportunities/${id}`);
    await lead.client.post(`/opportunities/${id}/accept`, {});
    await lead.client.post(`/opportunities/${id}/close`, { outcome: 'won' });
    expect(await state(id)).toBe('won');

    const refused = await lead.client.post(`/opportunities/${id}/stage`, { stage: 'close' });
    expect(refused.statusCode).toBe(409);
    expect(errorTitle(refused)).toBe('Opportunity closed');
    expect((await lead.client.post(`/opportunities/${id}/return`, { reason: 'budget' })).statusCode).toBe(409);
    expect((await staff.get(`/admin/opportunities/${id}/edit`)).statusCode).toBe(409);
    expect((await staff.post(`/admin/opportunities/${id}/edit`, { topic: 'Changed', account_id: '1', currency: 'USD', value: '1', version: '99' })).statusCode).toBe(409);
    expect((await staff.post(`/admin/opportunities/${id}/auto-routing`, { auto_routing: 'on' })).statusCode).toBe(409);
    const d = await distribution(id, lead);
    expect((await staff.post(`/admin/opportunities/${id}/distributions/${d.id}/withdraw`, { expected: 'accepted' })).statusCode).toBe(409);
    expect((await staff.get(`/admin/opportunities/${id}`)).body).not.toContain(`/admin/opportunities/${id}/edit`);
    // Notes may still be added.
    expect((await lead.client.post(`/opportunities/${id}/notes`, { body: 'Lessons learned', visibility: 'company' })).statusCode).toBe(303);
    expect((await staff.post(`/admin/opportunities/${id}/notes`, { body: 'Post-mortem', visibility: 'company' })).statusCode).toBe(303);

    // The database refuses it too, whoever asks.
    for (const ctx of [{ context: 'staff' as const }, { context: 'partner' as const, partnerId: lead.partner.id, userId: lead.user.id }]) {
      await expect(inContext(knex, ctx, (db) => db('opportunities').where({ id }).update({ topic: 'Sneaky' }))).rejects.toMatchObject({ code: 'PF409' });
      await expect(inContext(knex, ctx, (db) => db('opportunity_distributions').where({ opportunity_id: id }).update({ state: 'returned' }))).rejects.toMatchObject({ code: 'PF409' });
    }
    expect(await state(id)).toBe('won');
  });

  it('lets staff withdraw only from the state they saw: a racing accept makes the withdrawal a 409', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead);
    const d = await distribution(id, lead);
    await lead.client.get(`/opportunities/${id}`);
    await lead.client.post(`/opportunities/${id}/accept`, {});
    await staff.get(`/admin/opportunities/${id}`);
    const late = await staff.post(`/admin/opportunities/${id}/distributions/${d.id}/withdraw`, { expected: 'delivered' });
    expect(late.statusCode).toBe(409);
    expect((await distribution(id, lead)).state).toBe('accepted');
    expect((await staff.post(`/admin/opportunities/${id}/distributions/${d.id}/withdraw`, { expected: 'accepted' })).statusCode).toBe(303);
    expect((await distribution(id, lead)).state).toBe('withdrawn');
    expect(await state(id)).toBe('open');
  });

  it('expires a distribution past its deadline through the job, and an opportunity past its offer date', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead, [], '1');
    await knex('opportunity_distributions').where({ opportunity_id: id }).update({ accept_by: new Date(Date.now() - 60_000) });
    await t.app.clock.runOnce();
    expect((await distribution(id, lead)).state).toBe('expired');
    expect(await state(id)).toBe('open');

    const stale = await newOpportunity({ offer_until: '2020-01-01' });
    await t.app.clock.runOnce();
    expect(await state(stale)).toBe('expired');
  });

  it('keeps a stale edit from overwriting another with 409 and what changed', async () => {
    const id = await newOpportunity();
    const form = await staff.get(`/admin/opportunities/${id}/edit`);
    const version = /name="version" value="(\d+)"/.exec(form.body)![1]!;
    const account = /<option value="(\d+)" selected>/.exec(form.body)![1]!;
    const base = { account_id: account, currency: 'USD', value: '50000', version };
    expect((await staff.post(`/admin/opportunities/${id}/edit`, { ...base, topic: 'First edit' })).statusCode).toBe(303);
    const stale = await staff.post(`/admin/opportunities/${id}/edit`, { ...base, topic: 'Second edit' });
    expect(stale.statusCode).toBe(409);
    expect(text(stale.body)).toContain('First edit');
    expect((await knex('opportunities').where({ id }).first()).topic).toBe('First edit');
  });

  it('stores the value in the base currency at the day\'s rate, and refuses a currency without one', async () => {
    await knex('exchange_rates').insert({ currency: 'CHF', valid_from: '2000-01-01', rate: '1.1' }).onConflict(['currency', 'valid_from']).ignore();
    const id = await newOpportunity({ currency: 'CHF', value: '1000' });
    expect(Number((await knex('opportunities').where({ id }).first()).value_base)).toBe(1100);
    const [account] = await knex('customer_accounts').insert({ partner_id: null, name: unique('Vendor Account') }).returning('id');
    await staff.get('/admin/opportunities/new');
    const res = await staff.post('/admin/opportunities/new', { topic: 'No rate', account_id: String(account.id), currency: 'XAF', value: '10' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#currency">');
  });

  it('refuses a date that does not exist with a form error, not an error page', async () => {
    const [account] = await knex('customer_accounts').insert({ partner_id: null, name: unique('Vendor Account') }).returning('id');
    await staff.get('/admin/opportunities/new');
    const res = await staff.post('/admin/opportunities/new', { topic: 'Leap', account_id: String(account.id), currency: 'USD', value: '10', close_date: '2026-02-30', offer_until: '2027-02-29' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#close_date">');
    expect(res.body).toContain('<a href="#offer_until">');
    expect(res.body).toContain('value="2026-02-30"');
  });
});

describe('the demo opportunities', () => {
  it('give Alpha and Beta one collaboration where each sees the shared notes and only its own private ones', async () => {
    const topic = 'Data platform modernisation';
    const id = (await knex('opportunities').where({ topic }).first('id')).id;
    const alpha = text((await (await signedIn(t.app, 'anna@alpha.example')).get(`/opportunities/${id}`)).body);
    const beta = text((await (await signedIn(t.app, 'carla@beta.example')).get(`/opportunities/${id}`)).body);
    for (const page of [alpha, beta]) {
      expect(page).toContain('Workshop with the customer next Tuesday');
      expect(page).toContain('We can provide two consultants in Prague');
    }
    expect(alpha).toContain('Our margin target is 18%');
    expect(alpha).not.toContain('Check our capacity');
    expect(beta).toContain('Check our capacity');
    expect(beta).not.toContain('Our margin target');
  });

  it('cover every opportunity state', async () => {
    const states = new Set((await knex('opportunities').where('source', 'vendor').select('state')).map((r) => r.state));
    for (const s of ['open', 'distributed', 'accepted', 'won', 'lost', 'expired']) expect(states.has(s), s).toBe(true);
  });
});

describe('routing settings and exchange rates', () => {
  it('lets a channel admin set the weights (422 on nonsense), and the channel team add dated rates', async () => {
    const admin = await signedIn(t.app, (await createUser(knex, { role: 'channel_admin' })).email, TEST_PASSWORD);
    const page = await admin.get('/admin/routing');
    expect(page.statusCode).toBe(200);
    const form = Object.fromEntries([...page.body.matchAll(/<input id="([a-z_]+)" name="\1" type="text" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    expect(form.w_country).toBe(String((await knex('vendor_settings').first('routing_weights')).routing_weights.country));
    const bad = await admin.post('/admin/routing', { ...form, w_country: 'lots', cosell_min_currency: 'USD' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('<a href="#w_country">');
    expect((await staff.get('/admin/routing')).statusCode).toBe(403);

    await staff.get('/admin/rates');
    expect((await staff.post('/admin/rates', { currency: 'SEK', valid_from: 'tomorrow', rate: '-1' })).statusCode).toBe(422);
    expect((await staff.post('/admin/rates', { currency: 'SEK', valid_from: '2001-02-03', rate: '0.095' })).statusCode).toBe(303);
    expect(Number((await knex('exchange_rates').where({ currency: 'SEK', valid_from: '2001-02-03' }).first()).rate)).toBeCloseTo(0.095, 6);
  });
});

describe('responsiveness in the public directory', () => {
  it('ranks the partner that answers offers faster first among equals, and says how fast', async () => {
    const make = async (name: string) => (await knex('partners').insert({ name: unique(name), status: 'active', listed: true, level: 'silver', country: 'LI', countries_served: ['LI'] }).returning(['id', 'name']))[0];
    const slow = await make('Slow Co');
    const fast = await make('Fast Co');
    const [account] = await knex('customer_accounts').insert({ partner_id: null, name: unique('Directory Account') }).returning('id');
    for (const [p, hours] of [[slow, 20], [fast, 2]] as const) {
      const [o] = await knex('opportunities').insert({ source: 'vendor', topic: 'Dir', account_id: account.id, currency: 'USD', value: 1, value_base: 1, rate_date: '2026-01-01', state: 'distributed' }).returning('id');
      const delivered = new Date(Date.now() - 48 * 3_600_000);
      await knex('opportunity_distributions').insert({ opportunity_id: o.id, partner_id: p.id, role: 'lead', state: 'declined', reason: 'budget', accept_by: new Date(), delivered_at: delivered, answered_at: new Date(delivered.getTime() + hours * 3_600_000), ended_at: new Date() });
    }
    const page = text((await new Client(t.app).get('/partners/find?country=LI')).body);
    expect(page.indexOf(fast.name)).toBeGreaterThan(-1);
    expect(page.indexOf(fast.name)).toBeLessThan(page.indexOf(slow.name));
    expect(page).toContain('Usually answers an offered opportunity within 2 hours');
  });
});

describe('answering several at once, and the staff figures', () => {
  it('accepts the selected opportunities together, reporting any that moved meanwhile', async () => {
    const lead = await company();
    const ids = [await newOpportunity(), await newOpportunity(), await newOpportunity()];
    for (const id of ids) await distributeTo(id, lead);
    const d = await distribution(ids[2]!, lead);
    await staff.get(`/admin/opportunities/${ids[2]}`);
    await staff.post(`/admin/opportunities/${ids[2]}/distributions/${d.id}/withdraw`, { expected: 'delivered' });
    const list = await lead.client.get('/opportunities?view=awaiting');
    expect(list.body).toContain('form="bulk"');
    expect((await lead.client.post('/opportunities/bulk', { action: 'decline', ids: ids.map(String) })).statusCode).toBe(303);
    expect((await distribution(ids[0]!, lead)).state).toBe('delivered');
    const res = await lead.client.post('/opportunities/bulk', { action: 'accept', ids: ids.map(String) });
    expect(res.statusCode).toBe(303);
    expect(text((await lead.client.get(String(res.headers.location))).body)).toContain('2 accepted; 1 could not be');
    for (const id of ids.slice(0, 2)) expect(await state(id)).toBe('accepted');
    // Each answer in the batch reaches the channel team and the audit trail, as a single answer does.
    const told = await knex('notifications').where({ user_id: staffUserId, type: 'opportunity.answered' }).whereIn('link', ids.map((id) => `/admin/opportunities/${id}`));
    expect(told.map((n) => n.link).sort()).toEqual(ids.slice(0, 2).map((id) => `/admin/opportunities/${id}`).sort());
    const audited = await knex('audit_events').where({ entity_type: 'opportunity', action: 'distribution_accept' }).whereIn('entity_id', ids.map(String));
    expect(audited.map((a) => a.entity_id).sort()).toEqual(ids.slice(0, 2).map(String).sort());
  });

  it('leaves no trace of a bulk answer refused halfway, and still applies the others', async () => {
    const lead = await company();
    const ids = [await newOpportunity(), await newOpportunity()];
    for (const id of ids) await distributeTo(id, lead);
    // The first opportunity moves on behind the offer (as a racing staff change would): its distribution can still
    // be accepted, but the opportunity can no longer follow.
    await knex('opportunities').where({ id: ids[0] }).update({ state: 'open' });
    await lead.client.get('/opportunities?view=awaiting');
    const res = await lead.client.post('/opportunities/bulk', { action: 'accept', ids: ids.map(String) });
    expect(text((await lead.client.get(String(res.headers.location))).body)).toContain('1 accepted; 1 could not be');
    expect((await distribution(ids[0]!, lead)).state).toBe('delivered');
    expect(await knex('opportunity_events').where({ opportunity_id: ids[0], kind: 'accepted' })).toHaveLength(0);
    expect(await state(ids[1]!)).toBe('accepted');
  });

  it('lets staff close an accepted opportunity as won or lost, with a reason for lost, once', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead);
    await lead.client.get(`/opportunities/${id}`);
    await lead.client.post(`/opportunities/${id}/accept`, {});
    await staff.get(`/admin/opportunities/${id}`);

    const missing = await staff.post(`/admin/opportunities/${id}/close`, { outcome: 'lost' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('href="#lose-reason"');
    expect(await state(id)).toBe('accepted');

    const other = await staff.post(`/admin/opportunities/${id}/close`, { outcome: 'lost', reason: 'other' });
    expect(other.statusCode).toBe(422);
    expect(other.body).toContain('href="#lose-reason_other"');

    expect((await staff.post(`/admin/opportunities/${id}/close`, { outcome: 'lost', reason: 'budget' })).statusCode).toBe(303);
    const row = await knex('opportunities').where({ id }).first();
    expect([row.state, row.close_reason]).toEqual(['lost', 'budget']);
    // The partner sees the outcome on its timeline; a second close, either way, is refused as closed.
    expect(text((await lead.client.get(`/opportunities/${id}`)).body)).toMatch(/Lost/);
    const again = await staff.post(`/admin/opportunities/${id}/close`, { outcome: 'won' });
    expect(again.statusCode).toBe(409);
    expect(errorTitle(again)).toBe('Opportunity closed');
    expect(await state(id)).toBe('lost');
    expect(await knex('opportunity_events').where({ opportunity_id: id, kind: 'lost' })).toHaveLength(1);
  });

  it('shows staff each partner\'s answers, touch rate and won revenue', async () => {
    const lead = await company();
    const id = await newOpportunity({ value: '1000' });
    await distributeTo(id, lead);
    await lead.client.get(`/opportunities/${id}`);
    await lead.client.post(`/opportunities/${id}/accept`, {});
    await lead.client.post(`/opportunities/${id}/close`, { outcome: 'won' });
    const page = await staff.get('/admin/performance');
    const row = new RegExp(`<th scope="row">${lead.partner.name}</th>(.*?)</tr>`, 's').exec(page.body)![1]!;
    // Delivered, accepted, declined, expired, returned, touch rate, median time to answer (seconds: 0 h), win rate, won revenue.
    expect(text(row)).toBe('1 1 0 0 0 100 % 0 h 100 % $1,000.00');
    expect((await lead.client.get('/admin/performance')).statusCode).toBe(403);
  });
});

describe('deadline reminders', () => {
  it('reminds the partner\'s users once, within 24 hours of the deadline, in the portal and by email', async () => {
    const lead = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead, [], '12');
    await t.app.clock.runOnce();
    await t.app.clock.runOnce();
    expect(await knex('notifications').where({ user_id: lead.user.id, type: 'opportunity.deadline' })).toHaveLength(1);
    expect(await knex('outbox_emails').where({ to_email: lead.user.email }).whereLike('subject', 'Answer due within 24 hours%')).toHaveLength(1);
    const far = await newOpportunity();
    await distributeTo(far, lead, [], '72');
    await t.app.clock.runOnce();
    expect((await distribution(far, lead)).reminded_at).toBeNull();
  });
});

describe('the partner\'s opportunity list', () => {
  it('pages by the chosen sort with a cursor, every opportunity once, and exports the list as filtered', async () => {
    const lead = await company();
    const ids: number[] = [];
    for (let i = 0; i < 53; i++) ids.push(await newOpportunity({ value: String(1000 + i) }));
    for (const id of ids) await knex('opportunity_distributions').insert({ opportunity_id: id, partner_id: lead.partner.id, role: 'lead', accept_by: new Date(Date.now() + 86_400_000) });
    const seen: string[] = [];
    let url: string | null = '/opportunities?view=awaiting&sort=value';
    while (url) {
      const res = await lead.client.get(url);
      seen.push(...[...res.body.matchAll(/<tr id="opp-(\d+)">/g)].map((m) => m[1]!));
      url = /<a href="([^"]+)" rel="next">/.exec(res.body)?.[1]?.replace(/&amp;/g, '&') ?? null;
    }
    expect(seen).toEqual([...ids].reverse().map(String));
    const csv = await lead.client.get('/opportunities/export.csv?view=awaiting&sort=value');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.trim().split('\r\n')).toHaveLength(54);
    expect((await lead.client.get('/opportunities?view=awaiting&after=garbage')).statusCode).toBe(200);
  });
});

describe('the lead editing an opportunity', () => {
  it('saves the lead\'s edit, refuses a stale one with 409 and what changed, and refuses collaborators', async () => {
    const lead = await company();
    const collaborator = await company();
    const id = await newOpportunity();
    await distributeTo(id, lead, [collaborator]);
    for (const c of [lead, collaborator]) {
      await c.client.get(`/opportunities/${id}`);
      await c.client.post(`/opportunities/${id}/accept`, {});
    }
    const form = await lead.client.get(`/opportunities/${id}/edit`);
    expect(form.statusCode).toBe(200);
    const version = /name="version" value="(\d+)"/.exec(form.body)![1]!;
    const base = { currency: 'USD', value: '50000', version };
    expect((await lead.client.post(`/opportunities/${id}/edit`, { ...base, topic: 'Lead renamed it', need: 'More sites' })).statusCode).toBe(303);
    const stale = await lead.client.post(`/opportunities/${id}/edit`, { ...base, topic: 'Older tab' });
    expect(stale.statusCode).toBe(409);
    expect(text(stale.body)).toContain('Lead renamed it');
    expect((await knex('opportunities').where({ id }).first()).topic).toBe('Lead renamed it');
    expect((await collaborator.client.get(`/opportunities/${id}/edit`)).statusCode).toBe(403);
    expect((await collaborator.client.post(`/opportunities/${id}/edit`, { ...base, topic: 'Collaborator' })).statusCode).toBe(403);
  });
});

describe('auto-routing after a return, an expiry and a withdrawal', () => {
  async function autoRouted(lead: Company) {
    const id = await newOpportunity();
    await distributeTo(id, lead);
    await staff.get(`/admin/opportunities/${id}`);
    await staff.post(`/admin/opportunities/${id}/auto-routing`, { auto_routing: 'on' });
    return id;
  }
  const liveLead = async (id: number) => knex('opportunity_distributions').where({ opportunity_id: id, role: 'lead' }).whereIn('state', ['delivered', 'accepted']).first();

  it('offers the lead role on when the lead returns an accepted opportunity, and excludes it afterwards', async () => {
    const lead = await company();
    const id = await autoRouted(lead);
    await lead.client.get(`/opportunities/${id}`);
    await lead.client.post(`/opportunities/${id}/accept`, {});
    expect((await lead.client.post(`/opportunities/${id}/return`, {})).statusCode).toBe(422);
    expect((await lead.client.post(`/opportunities/${id}/return`, { reason: 'requirements' })).statusCode).toBe(303);
    const next = await liveLead(id);
    expect(next.routed).toBe('auto');
    expect(next.partner_id).not.toBe(lead.partner.id);
    expect(await state(id)).toBe('distributed');
  });

  it('offers it on when the lead lets the deadline pass', async () => {
    const lead = await company();
    const id = await autoRouted(lead);
    await knex('opportunity_distributions').where({ opportunity_id: id, partner_id: lead.partner.id }).update({ accept_by: new Date(Date.now() - 1000) });
    await t.app.clock.runOnce();
    expect((await distribution(id, lead)).state).toBe('expired');
    const next = await liveLead(id);
    expect(next.partner_id).not.toBe(lead.partner.id);
    expect(next.routed).toBe('auto');
  });

  it('offers it on when staff withdraw the lead\'s distribution', async () => {
    const lead = await company();
    const id = await autoRouted(lead);
    const d = await distribution(id, lead);
    expect((await staff.post(`/admin/opportunities/${id}/distributions/${d.id}/withdraw`, { expected: 'delivered' })).statusCode).toBe(303);
    const next = await liveLead(id);
    expect(next.partner_id).not.toBe(lead.partner.id);
    expect(await state(id)).toBe('distributed');
  });
});

describe('dashboard figures', () => {
  it('count only the partner\'s own work', async () => {
    const lead = await company();
    const other = await company();
    const id = await newOpportunity({ value: '7000' });
    await distributeTo(id, lead);
    await lead.client.get(`/opportunities/${id}`);
    await lead.client.post(`/opportunities/${id}/accept`, {});
    const mine = text((await lead.client.get('/opportunities')).body);
    expect(mine).toMatch(/\$0\.00 won this year \$7,000\.00 open pipeline/);
    const theirs = text((await other.client.get('/opportunities')).body);
    expect(theirs).toMatch(/\$0\.00 won this year \$0\.00 open pipeline/);
    await lead.client.post(`/opportunities/${id}/close`, { outcome: 'won' });
    expect(text((await lead.client.get('/opportunities')).body)).toMatch(/\$7,000\.00 won this year \$0\.00 open pipeline \(accepted, ours to close\) 100 % win rate/);
    expect(text((await other.client.get('/opportunities')).body)).toMatch(/\$0\.00 won this year/);
  });
});

describe('the staff pipeline', () => {
  it('filters by partner, value and close date, totals in the base currency, and exports what it shows', async () => {
    const lead = await company();
    const small = await newOpportunity({ value: '100', close_date: '2030-01-10' });
    const big = await newOpportunity({ value: '900000', close_date: '2030-06-10' });
    for (const id of [small, big]) await distributeTo(id, lead);
    const all = text((await staff.get(`/admin/opportunities?partner=${lead.partner.id}`)).body);
    expect(all).toContain('2 opportunities, $900,100.00 in total');
    const filtered = await staff.get(`/admin/opportunities?partner=${lead.partner.id}&min_value=1000&close_before=2030-12-31`);
    expect(text(filtered.body)).toContain('1 opportunity, $900,000.00 in total');
    const csv = await staff.get(`/admin/opportunities?partner=${lead.partner.id}&min_value=1000&format=csv`);
    expect(csv.body.trim().split('\r\n')).toHaveLength(2);
    expect(text((await staff.get(`/admin/opportunities?partner=${lead.partner.id}&close_before=2030-02-01`)).body)).toContain('1 opportunity, $100.00 in total');
  });
});

describe('the customer contact of a vendor opportunity', () => {
  it('reaches the partner once it accepts, not while it decides, and stays behind the policy otherwise', async () => {
    const lead = await company();
    const [account] = await knex('customer_accounts').insert({ partner_id: null, name: unique('Contact Account') }).returning('id');
    const [contact] = await knex('customer_contacts').insert({ partner_id: null, name: 'Carl Contact', email: 'carl@contact-account.example' }).returning('id');
    await knex('customer_account_contacts').insert({ account_id: account.id, contact_id: contact.id, partner_id: null });
    await staff.get('/admin/opportunities/new');
    const res = await staff.post('/admin/opportunities/new', { topic: unique('With contact'), account_id: String(account.id), contact_id: String(contact.id), currency: 'USD', value: '10' });
    const id = Number(/(\d+)$/.exec(String(res.headers.location))![1]);
    await distributeTo(id, lead);
    expect(text((await lead.client.get(`/opportunities/${id}`)).body)).not.toContain('carl@contact-account.example');
    const before = await inContext(knex, { context: 'partner', partnerId: lead.partner.id, userId: lead.user.id }, (db) => db('customer_contacts').where({ id: contact.id }));
    expect(before).toEqual([]);
    await lead.client.post(`/opportunities/${id}/accept`, {});
    expect(text((await lead.client.get(`/opportunities/${id}`)).body)).toContain('carl@contact-account.example');
  });
});
