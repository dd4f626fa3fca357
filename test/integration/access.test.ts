import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, signedIn, text } from '../support/client.ts';
import { isAccess } from '../../src/web/access.ts';
import { buildApp } from '../../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('route access declarations', () => {
  it('every registered route declares public, user or a permission from the matrix', () => {
    expect(t.app.routeTable.length).toBeGreaterThan(8);
    const undeclared = t.app.routeTable.filter((r) => !isAccess(r.access)).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
  });

  it('refuses to start an app with a route that declares no access', async () => {
    const app = await buildApp({
      config: { production: false, sessionSecret: 'x'.repeat(40), trustProxy: false, logLevel: 'silent' },
      database: t.database,
    });
    expect(() => app.get('/forgotten', async () => 'oops')).toThrow(/declares no valid access/);
    await app.close();
  });

  it('sends anonymous visitors of a signed-in page to sign in, and back afterwards', async () => {
    const client = new Client(t.app);
    const res = await client.get('/account');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in?next=%2Faccount');
    await client.get(String(res.headers.location));
    const signIn = await client.post('/sign-in', { email: 'ben@alpha.example', password: 'portal-demo-password', next: '/account' });
    expect(signIn.headers.location).toBe('/account');
  });

  it.each([
    ['anna@alpha.example', 403],
    ['ben@alpha.example', 403],
    ['carla@beta.example', 403],
    ['manager@lumen.example', 403],
    ['support@lumen.example', 403],
    ['admin@lumen.example', 200],
  ])('lets only channel admins into the settings: %s gets %i', async (email, status) => {
    const client = await signedIn(t.app, email);
    const res = await client.get('/admin/settings');
    expect(res.statusCode).toBe(status);
    if (status === 403) expect(text(res.body)).toContain('You cannot do this');
    // Version 0 never exists, so even the admin's post is a stale edit and changes nothing for other tests.
    const post = await client.post('/admin/settings', { name: 'Hijacked', base_currency: 'EUR', time_zone: 'UTC', version: '0' });
    expect(post.statusCode).toBe(status === 403 ? 403 : 409);
  });

  it('shows the settings link only to those who may use it', async () => {
    const admin = await signedIn(t.app, 'admin@lumen.example');
    expect((await admin.get('/home')).body).toContain('href="/admin/settings"');
    const manager = await signedIn(t.app, 'manager@lumen.example');
    expect((await manager.get('/home')).body).not.toContain('href="/admin/settings"');
  });
});

describe('home shells', () => {
  it.each([
    ['admin@lumen.example', 'Welcome, Alex Admin', 'channel administrator'],
    ['manager@lumen.example', 'Welcome, Maria Manager', 'channel manager'],
    ['support@lumen.example', 'Welcome, Sam Support', 'support agent'],
    ['anna@alpha.example', 'Welcome, Anna Alpha', 'You work for Alpha Solutions as partner administrator'],
    ['ben@alpha.example', 'Welcome, Ben Alpha', 'You work for Alpha Solutions as sales agent'],
    ['carla@beta.example', 'Welcome, Carla Beta', 'You work for Beta Systems as partner administrator'],
  ])('greets %s with their own role and company', async (email, heading, line) => {
    const client = await signedIn(t.app, email);
    const body = text((await client.get('/home')).body);
    expect(body).toContain(heading);
    expect(body).toContain(line);
  });

  it("lists a sales agent's abilities from the matrix, without a partner admin's", async () => {
    const body = text((await (await signedIn(t.app, 'ben@alpha.example')).get('/home')).body);
    expect(body).toContain('Work with customers');
    expect(body).not.toContain("Manage your company's people");
  });
});

describe('ids in addresses', () => {
  // Every page and form target with a parameter, asked with a number past the database's integer range or with words: the
  // answer is "not found" (or a refusal), never an error page.
  it.each(['admin@lumen.example', 'anna@alpha.example'])('never answer %s with a 500, whatever the address holds', async (email) => {
    const client = await signedIn(t.app, email);
    const routes = t.app.routeTable.filter((r) => (r.method === 'GET' || r.method === 'POST') && r.url.includes('/:') && !r.url.includes('*'));
    expect(routes.filter((r) => r.method === 'GET').length).toBeGreaterThan(20);
    expect(routes.filter((r) => r.method === 'POST').length).toBeGreaterThan(20);
    await client.get('/home');
    const failures: string[] = [];
    for (const route of routes) {
      for (const value of ['99999999999', '2147483648', 'abc', '-1']) {
        const url = route.url.replace(/:[A-Za-z_]+/g, value);
        const res = route.method === 'GET' ? await client.get(url) : await client.post(url, {});
        if (res.statusCode >= 500) failures.push(`${route.method} ${url} ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('ids in forms and query strings', () => {
  const huge = '99999999999';
  it('treat an id past the integer range as one that does not exist: the filter finds nothing, the form says which field', async () => {
    const staff = await signedIn(t.app, 'admin@lumen.example');
    expect((await staff.get(`/admin/opportunities?partner=${huge}&product=${huge}`)).statusCode).toBe(200);
    await staff.get('/admin/opportunities/new');
    const opportunity = await staff.post('/admin/opportunities/new', { topic: 'Huge ids', account_id: huge, contact_id: huge, product_id: huge, currency: 'USD', value: '10' });
    expect(opportunity.statusCode).toBe(422);
    expect(opportunity.body).toContain('href="#account_id"');
    await staff.get('/admin/two-tier');
    const link = await staff.post('/admin/two-tier', { reseller: huge, provider: huge });
    expect(link.statusCode).toBe(422);
    expect(link.body).toContain('href="#reseller"');

    const partner = await signedIn(t.app, 'anna@alpha.example');
    expect((await partner.get(`/opportunities?owner=${huge}`)).statusCode).toBe(200);
    await partner.get('/opportunities/new');
    const deal = await partner.post('/opportunities/new', { topic: 'Huge ids', account_id: huge, solution_id: huge, product_id: huge, currency: 'USD', value: '10' });
    expect(deal.statusCode).toBe(422);
    expect(deal.body).toContain('href="#account_id"');
    await partner.get('/opportunities?view=awaiting');
    expect((await partner.post('/opportunities/bulk', { action: 'accept', ids: [huge] })).statusCode).toBe(303);
  });
});

describe('NUL characters', () => {
  it('are dropped from forms, searches and filters, which PostgreSQL could not store or compare', async () => {
    const partner = await signedIn(t.app, 'anna@alpha.example');
    await partner.get('/cases/new');
    const opened = await partner.post('/cases/new', { title: 'Printer\u0000 offline', description: 'Since\u0000 Monday', category: 'technical', priority: 'normal', opportunity: '' });
    expect(opened.statusCode).toBe(303);
    const id = Number(/\/cases\/(\d+)$/.exec(String(opened.headers.location))![1]);
    expect(await t.database.knex('cases').where({ id }).first('title', 'description')).toEqual({ title: 'Printer offline', description: 'Since Monday' });
    for (const url of ['/knowledge?q=deal%00registration', '/customers?q=a%00b', '/opportunities?q=%00', '/forums/search?q=x%00y']) {
      expect((await partner.get(url)).statusCode, url).toBe(200);
    }
  });
});

/** The query parameters the portal's pages read (filters, paging, quoting), for the tests below. */
const NAMES = [
  'action', 'archived', 'assignee', 'audience', 'before', 'board', 'category', 'close_before', 'country', 'entity', 'for', 'format', 'from', 'industry', 'lang',
  'language', 'level', 'min_days', 'min_value', 'mine', 'next', 'opportunity', 'order', 'owner', 'page', 'partner', 'priority', 'product', 'q', 'quote', 'relationship',
  'revision', 'signed_out', 'size', 'sort', 'specialty', 'stage', 'state', 'status', 'to', 'view', 'where',
];

describe('repeated query parameters', () => {
  // A link or a forged address may repeat a filter (?q=a&q=b): every page answers, never with an error page.
  it.each(['admin@lumen.example', 'support@lumen.example', 'anna@alpha.example', 'ben@alpha.example'])('on every page, for %s', async (email) => {
    const client = await signedIn(t.app, email);
    const query = NAMES.map((n) => `${n}=a&${n}=b`).join('&');
    const failures: string[] = [];
    for (const route of t.app.routeTable.filter((r) => r.method === 'GET' && !r.url.includes('*'))) {
      const res = await client.get(`${route.url.replace(/:[A-Za-z_]+/g, '1')}?${query}`);
      if (res.statusCode >= 500) failures.push(`${route.url} ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('ids past the integer range in query strings', () => {
  it.each(['admin@lumen.example', 'anna@alpha.example'])('find nothing on every page, for %s, instead of an error page', async (email) => {
    const client = await signedIn(t.app, email);
    const failures: string[] = [];
    const query = NAMES.map((n) => `${n}=99999999999`).join('&');
    for (const route of t.app.routeTable.filter((r) => r.method === 'GET' && !r.url.includes('*'))) {
      const res = await client.get(`${route.url.replace(/:[A-Za-z_]+/g, '1')}?${query}`);
      if (res.statusCode >= 500) failures.push(`${route.url} ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });
});
