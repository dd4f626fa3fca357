import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedIn, text, type Client } from '../support/client.ts';
import { createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import { signedInCompany, type SignedInCompany } from '../support/company.ts';

let t: TestApp;
let knex: Knex;
let staff: Client;
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
  staff = await signedIn(t.app, (await createUser(knex, { role: 'channel_manager' })).email, TEST_PASSWORD);
});
afterAll(async () => t.close());

const company = (role?: 'partner_admin' | 'sales_agent') => signedInCompany(t, role);
type Company = SignedInCompany;

/** Submits a solution through the form and has staff publish it as co-sell ready. */
async function publishedSolution(c: Company, incentive = true): Promise<number> {
  await c.client.get('/company/solutions');
  const product = (await knex('products').first('id')).id;
  const name = unique('Solution');
  expect((await c.client.post('/company/solutions', { name, product_ids: String(product) })).statusCode).toBe(303);
  const id = (await knex('partner_solutions').where({ partner_id: c.partner.id, name }).first('id')).id;
  await staff.get('/admin/review');
  expect((await staff.post(`/admin/review/solutions/${id}`, { decision: 'publish', co_sell_ready: 'yes', ...(incentive ? { incentive_eligible: 'yes' } : {}) })).statusCode).toBe(303);
  return id;
}

async function ownAccount(c: Company, domain = `${unique('shop')}.example`): Promise<number> {
  const [a] = await knex('customer_accounts').insert({ partner_id: c.partner.id, name: unique('Own Customer'), website_domain: domain, country: 'DE' }).returning('id');
  return a.id;
}

async function submitDeal(c: Company, fields: Record<string, string>): Promise<number> {
  await c.client.get('/opportunities/new');
  const res = await c.client.post('/opportunities/new', { action: 'save', currency: 'USD', value: '40000', topic: unique('Deal'), ...fields });
  expect(res.statusCode, text(res.body).slice(0, 300)).toBe(303);
  return Number(/\/opportunities\/(\d+)$/.exec(String(res.headers.location))![1]);
}

describe('a partner\'s own deals', () => {
  it('keeps "New deal" disabled, with the reason in words, until a solution is published and co-sell ready', async () => {
    const c = await company();
    const page = await c.client.get('/opportunities/new');
    expect(text(page.body)).toContain('New deals need at least one of your company\'s solutions published');
    expect(page.body).toMatch(/<button type="button" disabled aria-describedby="deal-blocked">/);
    expect((await c.client.post('/opportunities/new', { topic: 'x', action: 'save' })).statusCode).toBe(403);
    await publishedSolution(c);
    expect(text((await c.client.get('/opportunities/new')).body)).not.toContain('New deals need');
  });

  it('suggests notes from the deal\'s fields without saving anything, then submits; staff accept and the partner leads it', async () => {
    const c = await company();
    const solution = await publishedSolution(c);
    const account = await ownAccount(c);
    await c.client.get('/opportunities/new');
    const suggested = await c.client.post('/opportunities/new', { action: 'suggest', topic: 'Rollout', account_id: String(account), currency: 'EUR', value: '12000', solution_id: String(solution) });
    expect(suggested.statusCode).toBe(200);
    const notes = /<textarea id="notes" name="notes"[^>]*>([^<]*)<\/textarea>/.exec(suggested.body)![1]!;
    expect(notes).toContain(c.partner.name);
    expect(notes).toContain('12,000.00');
    expect(await knex('opportunities').where({ partner_id: c.partner.id })).toHaveLength(0);
    expect((await c.client.post('/opportunities/suggestions/rate', { rating: 'happy', source: 'builtin', suggestion: notes })).statusCode).toBe(303);

    const id = await submitDeal(c, { account_id: String(account), solution_id: String(solution), notes: 'Our own notes' });
    expect((await knex('opportunities').where({ id }).first()).state).toBe('submitted');
    await staff.get('/admin/review');
    expect((await staff.post(`/admin/review/deals/${id}`, { decision: 'reject' })).statusCode).toBe(422);
    expect((await staff.post(`/admin/review/deals/${id}`, { decision: 'accept' })).statusCode).toBe(303);
    const o = await knex('opportunities').where({ id }).first();
    expect(o).toMatchObject({ state: 'accepted', lead_partner_id: c.partner.id });
    expect(await knex('opportunity_distributions').where({ opportunity_id: id, partner_id: c.partner.id, role: 'lead', state: 'accepted' })).toHaveLength(1);
    expect((await staff.post(`/admin/review/deals/${id}`, { decision: 'accept' })).statusCode).toBe(409);
    expect(text((await staff.get('/admin/review')).body)).toMatch(/Built-in suggestions: Happy × \d+/);
  });

  it('refuses a deal on another partner\'s customer', async () => {
    const c = await company();
    const other = await company();
    await publishedSolution(c);
    const foreign = await ownAccount(other);
    await c.client.get('/opportunities/new');
    const res = await c.client.post('/opportunities/new', { action: 'save', topic: 'Poach', account_id: String(foreign), currency: 'USD', value: '1' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#account_id">');
  });
});

describe('deal registration', () => {
  it('warns of a conflict without naming anyone, and staff see both side by side, approve with exclusivity', async () => {
    const a = await company();
    const b = await company();
    const domain = `${unique('contested')}.example`;
    for (const c of [a, b]) await publishedSolution(c);
    const product = (await knex('products').first('id')).id;
    const dealB = await submitDeal(b, { account_id: String(await ownAccount(b, domain)), product_id: String(product), topic: unique('B deal') });
    const dealA = await submitDeal(a, { account_id: String(await ownAccount(a, domain)), product_id: String(product) });

    const check = await a.client.get(`/opportunities/${dealA}/register`);
    expect(text(check.body)).toContain('A possible conflict exists');
    expect(text(check.body)).not.toContain(b.partner.name);
    expect((await a.client.post(`/opportunities/${dealA}/register`, {})).statusCode).toBe(303);
    expect((await a.client.post(`/opportunities/${dealA}/register`, {})).statusCode).toBe(409);
    const reg = await knex('deal_registrations').where({ opportunity_id: dealA }).first();
    expect(reg).toMatchObject({ state: 'pending', conflict: true, incentive_eligible: false });
    expect((await b.client.get(`/opportunities/${dealA}/register`)).statusCode).toBe(404);

    const review = await staff.get(`/admin/registrations/${reg.id}`);
    expect(text(review.body)).toContain(b.partner.name);
    expect(review.body).toContain(`/admin/opportunities/${dealB}`);
    expect((await staff.post(`/admin/registrations/${reg.id}`, { decision: 'info', version: String(reg.version) })).statusCode).toBe(422);
    expect((await staff.post(`/admin/registrations/${reg.id}`, { decision: 'info', note: 'Who is the buyer?', version: String(reg.version) })).statusCode).toBe(303);
    await a.client.get(`/opportunities/${dealA}/register`);
    expect((await a.client.post(`/opportunities/${dealA}/register/answer`, { answer: '' })).statusCode).toBe(422);
    expect((await a.client.post(`/opportunities/${dealA}/register/answer`, { answer: 'The CFO' })).statusCode).toBe(303);
    const again = await knex('deal_registrations').where({ id: reg.id }).first();
    expect(again.state).toBe('pending');
    await staff.get(`/admin/registrations/${reg.id}`);
    expect((await staff.post(`/admin/registrations/${reg.id}`, { decision: 'approve', version: String(again.version) })).statusCode).toBe(303);
    const approved = await knex('deal_registrations').where({ id: reg.id }).first();
    expect(approved.state).toBe('approved');
    const days = (new Date(approved.exclusive_until).getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe((await knex('vendor_settings').first('exclusivity_days')).exclusivity_days);
    expect(text((await a.client.get(`/opportunities/${dealA}`)).body)).toContain('Registration approved. Exclusive until');
  });
});

describe('co-selling', () => {
  it('is offered from the minimum value only, and the partner sees the decision and the vendor contact', async () => {
    const c = await company();
    await publishedSolution(c);
    const small = await submitDeal(c, { account_id: String(await ownAccount(c)), value: '100' });
    expect(text((await c.client.get(`/opportunities/${small}`)).body)).toContain('Co-selling can be requested from a deal value of');
    expect((await c.client.post(`/opportunities/${small}/cosell`, {})).statusCode).toBe(409);

    const big = await submitDeal(c, { account_id: String(await ownAccount(c)), value: '250000' });
    await c.client.get(`/opportunities/${big}`);
    expect((await c.client.post(`/opportunities/${big}/cosell`, { message: 'Large bank, needs exec sponsor' })).statusCode).toBe(303);
    const request = await knex('cosell_requests').where({ opportunity_id: big }).first();
    await staff.get('/admin/review');
    expect((await staff.post(`/admin/review/cosell/${request.id}`, { decision: 'accept' })).statusCode).toBe(422);
    expect((await staff.post(`/admin/review/cosell/${request.id}`, { decision: 'accept', vendor_contact: 'Vera Vendor, vera@lumen.example' })).statusCode).toBe(303);
    expect(text((await c.client.get(`/opportunities/${big}`)).body)).toContain('your contact is Vera Vendor, vera@lumen.example');
    expect((await staff.post(`/admin/review/cosell/${request.id}`, { decision: 'decline', reason: 'not_managed' })).statusCode).toBe(409);
  });
});

describe('the demo deals', () => {
  it('show Beta why "New deal" is off, and give staff a deal, a conflicting registration and a co-sell invitation to review', async () => {
    const beta = await signedIn(t.app, 'carla@beta.example');
    expect(text((await beta.get('/opportunities/new')).body)).toContain('New deals need at least one of your company\'s solutions published');
    const alpha = await signedIn(t.app, 'anna@alpha.example');
    expect(text((await alpha.get('/opportunities/new')).body)).not.toContain('New deals need');
    const review = text((await staff.get('/admin/review')).body);
    expect(review).toContain('Dashboards for the production sites');
    expect(review).toMatch(/Logistics dashboards ?, Alpha Solutions: Registration waiting for the vendor's decision\. possible conflict/);
    expect(review).toContain('The customer asks for a vendor executive sponsor.');
  });
});
