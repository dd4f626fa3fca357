import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, signedIn, text } from '../support/client.ts';
import { TestMailServer, linkIn } from '../support/smtp.ts';
import { unique } from '../support/factories.ts';

let t: TestApp;
let mail: TestMailServer;
beforeAll(async () => {
  mail = new TestMailServer();
  t = await createTestApp({ smtpUrl: await mail.start() });
});
afterAll(async () => {
  await t.close();
  await mail.stop();
});

function application(overrides: Record<string, string | string[]> = {}) {
  const tag = unique('co');
  return {
    company_name: `Zeta ${tag}`,
    website: `https://www.${tag}.example`,
    country: 'AT',
    address: 'Ringstraße 1, Wien',
    phone: '+43 1 234 567',
    registration_number: 'ATU12345678',
    employee_count: '25',
    countries_served: ['AT', 'DE'],
    languages: ['de', 'en'],
    contact_name: 'Zoe Zeta',
    email: `zoe.${tag}@example.test`,
    password: 'a long enough passphrase',
    ...overrides,
  };
}

async function apply(form: Record<string, string | string[]>) {
  const client = new Client(t.app);
  await client.get('/apply');
  const res = await client.post('/apply', form);
  return { client, res };
}

async function partnerIdOf(name: string): Promise<number> {
  return (await t.database.knex('partners').where('name', name).first('id')).id;
}

describe('applying to the program', () => {
  it('creates the applicant company and contact, signs them in and shows only the application', async () => {
    const form = application();
    const { client, res } = await apply(form);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/home');
    const home = await client.get('/home');
    expect(text(home.body)).toContain('Your application');
    expect(text(home.body)).toContain('Pending review');
    expect(text(home.body)).toContain('Thank you. Your application has been sent');
    // An applicant sees nothing else of the portal.
    for (const path of ['/company', '/company/people', '/audit']) expect((await client.get(path)).statusCode).toBe(403);
    expect(home.body).not.toContain('href="/company"');

    const partner = await t.database.knex('partners').where('name', form.company_name).first();
    expect(partner).toMatchObject({ status: 'applicant', country: 'AT', website_domain: `${(form.website as string).replace('https://www.', '')}`, employee_count: 25 });
    expect(partner.countries_served).toEqual(['AT', 'DE']);
  });

  it('emails the applicant and notifies the partner team', async () => {
    const form = application();
    await apply(form);
    await t.app.outbox.drain();
    const [received] = mail.to(form.email as string);
    expect(received?.subject).toBe(`We have received the application of ${form.company_name}`);
    expect(received?.messageId).toMatch(/^<[0-9a-f]{32}@portal\.test>$/);
    const id = await partnerIdOf(form.company_name as string);
    const admin = await signedIn(t.app, 'admin@lumen.example');
    const notifications = await admin.get('/notifications');
    expect(text(notifications.body)).toContain(`New application from ${form.company_name}`);
    expect(notifications.body).toContain(`href="/admin/applications/${id}"`);
  });

  it('refuses bad input with 422, each error linked and every value kept', async () => {
    const form = application({ email: 'not-an-email', country: 'XX', company_name: 'x'.repeat(201), website: 'javascript:alert(1)', password: 'short', countries_served: ['AT', 'ZZ'] });
    const { res } = await apply(form);
    expect(res.statusCode).toBe(422);
    for (const field of ['company_name', 'website', 'country', 'email', 'password', 'countries_served']) expect(res.body).toContain(`<a href="#${field}">`);
    expect(res.body).toContain('value="not-an-email"');
    expect(res.body).toContain('value="+43 1 234 567"');
    expect(res.body).toMatch(/value="AT" checked/);
    expect(res.body).not.toMatch(/value="DE" checked/);
    expect(await t.database.knex('partners').where('name', form.company_name).first()).toBeUndefined();
  });

  it('refuses an email address that already has an account', async () => {
    const { res } = await apply(application({ email: 'ANNA@alpha.example' }));
    expect(res.statusCode).toBe(422);
    expect(text(res.body)).toContain('An account with this email address already exists');
  });

  it('asks for the required fields', async () => {
    const { res } = await apply({});
    expect(res.statusCode).toBe(422);
    for (const field of ['company_name', 'country', 'contact_name', 'email', 'password']) expect(res.body).toContain(`<a href="#${field}">`);
  });

  it('flags a likely duplicate (same website domain) for staff instead of accepting silently', async () => {
    const form = application({ company_name: `Totally New ${unique('n')}`, website: 'http://alpha.example/about' });
    await apply(form);
    const id = await partnerIdOf(form.company_name as string);
    const manager = await signedIn(t.app, 'manager@lumen.example');
    const page = await manager.get(`/admin/applications/${id}`);
    expect(text(page.body)).toContain('This may be a company we already know');
    expect(text(page.body)).toMatch(/Alpha Solutions \(Active\): same website domain/);
  });
});

describe('reviewing applications', () => {
  it('lists waiting applications, oldest first, with counts by status', async () => {
    const manager = await signedIn(t.app, 'manager@lumen.example');
    const res = await manager.get('/admin/applications?status=applicant');
    expect(res.statusCode).toBe(200);
    const names = [...res.body.matchAll(/<a href="\/admin\/applications\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(names.indexOf('Gamma IT')).toBeGreaterThanOrEqual(0);
    expect(text(res.body)).toMatch(/\d+ Pending review/);
  });

  it('approves with a plain form: the company becomes active, the contact is emailed and becomes its partner admin', async () => {
    const form = application();
    const { client: applicant } = await apply(form);
    const id = await partnerIdOf(form.company_name as string);
    const manager = await signedIn(t.app, 'manager@lumen.example');
    await manager.get(`/admin/applications/${id}`);
    const res = await manager.post(`/admin/applications/${id}/approve`, { level: 'silver', capacity: '4' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/applications/${id}`);
    expect(text((await manager.get(`/admin/applications/${id}`)).body)).toContain('is now a partner');

    await t.app.outbox.drain();
    expect(mail.to(form.email as string).map((m) => m.subject)).toContain(`Welcome to the partner program, ${form.company_name}`);
    const home = await applicant.get('/home');
    expect(text(home.body)).toContain('Welcome, Zoe Zeta');
    expect(text(home.body)).toContain('as partner administrator');
    expect((await applicant.get('/company/people')).statusCode).toBe(200);

    // A second decision (another tab, a colleague) is refused: the first one stands.
    const again = await manager.post(`/admin/applications/${id}/reject`, { reason: 'changed my mind' });
    expect(again.statusCode).toBe(409);
    expect((await t.database.knex('partners').where('id', id).first('status')).status).toBe('active');
  });

  it('approves through htmx, answering with the decision panel alone', async () => {
    const form = application();
    await apply(form);
    const id = await partnerIdOf(form.company_name as string);
    const admin = await signedIn(t.app, 'admin@lumen.example');
    await admin.get(`/admin/applications/${id}`);
    const res = await admin.post(`/admin/applications/${id}/approve`, { level: 'gold', capacity: '10' }, { htmx: true });
    // fetch follows the 303; the page then answers the same htmx request with its partial
    expect(res.statusCode).toBe(303);
    const fragment = await admin.get(String(res.headers.location), { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(fragment.body.trimStart()).toMatch(/^<section id="decision"/);
    expect(text(fragment.body)).toContain('is now a partner');
    expect(text(fragment.body)).toContain('Gold');
  });

  it('needs a reason to reject, then emails it and shows it to the applicant', async () => {
    const form = application();
    const { client: applicant } = await apply(form);
    const id = await partnerIdOf(form.company_name as string);
    const manager = await signedIn(t.app, 'manager@lumen.example');
    await manager.get(`/admin/applications/${id}`);
    const missing = await manager.post(`/admin/applications/${id}/reject`, { reason: '  ' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('<a href="#reason">Enter the reason for rejecting the application</a>');
    const htmxMissing = await manager.post(`/admin/applications/${id}/reject`, { reason: '' }, { htmx: true });
    expect(htmxMissing.statusCode).toBe(422);
    expect(htmxMissing.body.trimStart()).toMatch(/^<section id="decision"/);

    const res = await manager.post(`/admin/applications/${id}/reject`, { reason: 'We only accept partners with two certified consultants.' });
    expect(res.statusCode).toBe(303);
    await t.app.outbox.drain();
    const rejection = mail.to(form.email as string).find((m) => m.subject === `Your application for ${form.company_name}`);
    expect(rejection?.text).toContain('We only accept partners with two certified consultants.');
    const home = text((await applicant.get('/home')).body);
    expect(home).toContain('Rejected');
    expect(home).toContain('We only accept partners with two certified consultants.');
  });

  it('keeps partner users and support agents out of the review', async () => {
    for (const email of ['anna@alpha.example', 'support@lumen.example']) {
      const client = await signedIn(t.app, email);
      expect((await client.get('/admin/applications')).statusCode).toBe(403);
      expect((await client.post('/admin/applications/1/approve', { level: 'gold', capacity: '1' })).statusCode).toBe(403);
    }
  });
});

describe('the outbox', () => {
  it('keeps messages while the mail server fails and delivers them, with the same Message-ID, once it works', async () => {
    const form = application();
    mail.failing = true;
    await apply(form);
    await t.app.outbox.drain();
    const queued = await t.database.knex('outbox_emails').where('to_email', form.email).first();
    expect(queued).toMatchObject({ status: 'pending', attempts: 1 });
    expect(queued.last_error).toMatch(/451/);
    expect(new Date(queued.next_attempt_at).getTime()).toBeGreaterThan(Date.now());
    expect(mail.to(form.email as string)).toEqual([]);

    mail.failing = false;
    // The backoff has passed.
    await t.database.knex('outbox_emails').where('id', queued.id).update({ next_attempt_at: new Date(Date.now() - 1000) });
    await t.app.outbox.drain();
    const [delivered] = mail.to(form.email as string);
    expect(delivered?.messageId).toBe(queued.message_id);
    expect((await t.database.knex('outbox_emails').where('id', queued.id).first()).status).toBe('sent');
  });

  it('writes the email only if the change that causes it commits', async () => {
    const before = Number((await t.database.knex('outbox_emails').count({ n: '*' }))[0]!.n);
    await apply(application({ email: 'broken' }));
    const after = Number((await t.database.knex('outbox_emails').count({ n: '*' }))[0]!.n);
    expect(after).toBe(before);
  });
});

export { linkIn };
