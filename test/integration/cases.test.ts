import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { translator } from '../../src/i18n/index.ts';
import { createTestApp, openPrivateDatabase, type TestApp } from '../support/app.ts';
import { errorTitle, hidden, signedIn, text, type Client } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';

let t: TestApp;
let knex: Knex;
let support: Client;
let supportId: number;
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
  const agent = await createUser(knex, { role: 'support_agent' });
  supportId = agent.id;
  support = await signedIn(t.app, agent.email, TEST_PASSWORD);
});
afterAll(async () => t.close());

async function company() {
  const partner = await createPartner(knex);
  const admin = await createUser(knex, { partnerId: partner.id, role: 'partner_admin' });
  const agent = await createUser(knex, { partnerId: partner.id, role: 'sales_agent' });
  return {
    partner,
    admin: { ...admin, client: await signedIn(t.app, admin.email, TEST_PASSWORD) },
    agent: { ...agent, client: await signedIn(t.app, agent.email, TEST_PASSWORD) },
  };
}
type Company = Awaited<ReturnType<typeof company>>;

/** A deal of the company's own (written with the owner's handle, as the deal pages would). */
async function ownDeal(c: Company): Promise<{ id: number; accountId: number; topic: string }> {
  const [account] = await knex('customer_accounts').insert({ partner_id: c.partner.id, name: unique('Customer'), country: 'DE' }).returning('id');
  const topic = unique('Deal');
  const [o] = await knex('opportunities')
    .insert({ source: 'partner', partner_id: c.partner.id, topic, account_id: account.id, currency: 'USD', value: 1000, value_base: 1000, rate_date: new Date(), state: 'submitted', created_by: c.admin.id })
    .returning('id');
  return { id: o.id, accountId: account.id, topic };
}

async function openCase(client: Client, fields: Record<string, string> = {}): Promise<number> {
  await client.get('/cases/new');
  const res = await client.post('/cases/new', { title: unique('Case'), description: 'It broke.', category: 'technical', priority: 'normal', opportunity: '', ...fields });
  expect(res.statusCode, text(res.body).slice(0, 400)).toBe(303);
  return Number(/\/cases\/(\d+)$/.exec(String(res.headers.location))![1]);
}

async function staffReply(id: number, body: string, wait = false) {
  await support.get(`/admin/cases/${id}`);
  const res = await support.post(`/admin/cases/${id}/reply`, { body, ...(wait ? { wait: 'yes' } : {}) });
  expect(res.statusCode, text(res.body).slice(0, 300)).toBe(303);
}

const statusOf = async (id: number) => (await knex('cases').where('id', id).first('status')).status;

describe('opening a case', () => {
  it('re-renders the form with errors, refuses another partner\'s opportunity, and links its own', async () => {
    const a = await company();
    const b = await company();
    const foreign = await ownDeal(b);
    const mine = await ownDeal(a);
    await a.agent.client.get('/cases/new');
    const empty = await a.agent.client.post('/cases/new', { title: '', description: 'Kept text', category: '', priority: 'normal', opportunity: '' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('href="#title"');
    expect(empty.body).toContain('>Kept text</textarea>');

    const refused = await a.agent.client.post('/cases/new', { title: 'About their deal', description: 'x', category: 'opportunity', priority: 'normal', opportunity: String(foreign.id) });
    expect(refused.statusCode).toBe(422);
    expect(text(refused.body)).toContain("Choose one of your company's opportunities");
    expect(await knex('cases').where({ partner_id: a.partner.id, title: 'About their deal' }).first()).toBeUndefined();
    // The list offers only the company's own opportunities.
    expect(refused.body).toContain(`value="${mine.id}"`);
    expect(refused.body).not.toContain(`value="${foreign.id}"`);

    const id = await openCase(a.agent.client, { opportunity: String(mine.id), priority: 'urgent' });
    const row = await knex('cases').where('id', id).first();
    expect(row).toMatchObject({ partner_id: a.partner.id, opened_by: a.agent.id, opportunity_id: mine.id, status: 'new', priority: 'urgent' });
    // Urgent: the first answer is due within the hour.
    expect(new Date(row.first_response_due).getTime() - new Date(row.created_at).getTime()).toBe(3_600_000);
    // The support team is told.
    expect(await knex('notifications').where({ user_id: supportId, type: 'case.opened', link: `/admin/cases/${id}` }).first('id')).toBeTruthy();
    // Staff see the opportunity as context.
    const staffPage = text((await support.get(`/admin/cases/${id}`)).body);
    expect(staffPage).toContain('The opportunity this case is about');
    expect(staffPage).toContain(mine.topic);
  });

  it('cannot be moved onto another partner\'s opportunity by editing, through the form or the database', async () => {
    const a = await company();
    const b = await company();
    const foreign = await ownDeal(b);
    const id = await openCase(a.admin.client);
    const form = await a.admin.client.get(`/cases/${id}/edit`);
    const res = await a.admin.client.post(`/cases/${id}/edit`, { title: 'Edited', description: 'x', category: 'technical', priority: 'normal', opportunity: String(foreign.id), version: hidden(form.body, 'version') });
    expect(res.statusCode).toBe(422);
    expect(await knex('cases').where('id', id).first('opportunity_id', 'title')).toEqual({ opportunity_id: null, title: (await knex('cases').where('id', id).first('title')).title });
    // Not even staff can, whatever the query.
    await expect(knex.transaction(async (trx) => {
      await trx.raw(`SELECT set_config('role', 'portal_app', true), set_config('app.context', 'staff', true), set_config('app.user_id', ?, true)`, [String(supportId)]);
      await trx('cases').where('id', id).update({ opportunity_id: foreign.id });
    })).rejects.toMatchObject({ code: 'PF422' });
  });

  it('saves an edit, and refuses a stale one with what changed', async () => {
    const a = await company();
    const id = await openCase(a.admin.client);
    const form = await a.admin.client.get(`/cases/${id}/edit`);
    const version = hidden(form.body, 'version');
    expect((await a.admin.client.post(`/cases/${id}/edit`, { title: 'First title', description: 'x', category: 'technical', priority: 'high', opportunity: '', version })).statusCode).toBe(303);
    const stale = await a.admin.client.post(`/cases/${id}/edit`, { title: 'Second title', description: 'x', category: 'technical', priority: 'low', opportunity: '', version });
    expect(stale.statusCode).toBe(409);
    expect(text(stale.body)).toContain('First title');
    expect(stale.body).toContain('value="Second title"');
  });
});

describe('who sees which case', () => {
  it('shows a sales agent their own cases, the partner admin all of the company\'s, and nobody else\'s', async () => {
    const a = await company();
    const b = await company();
    const byAgent = await openCase(a.agent.client);
    const byAdmin = await openCase(a.admin.client);
    expect((await a.admin.client.get(`/cases/${byAgent}`)).statusCode).toBe(200);
    expect((await a.agent.client.get(`/cases/${byAdmin}`)).statusCode).toBe(404);
    const agentList = await a.agent.client.get('/cases');
    expect(agentList.body).toContain(`href="/cases/${byAgent}"`);
    expect(agentList.body).not.toContain(`href="/cases/${byAdmin}"`);
    for (const client of [b.admin.client, b.agent.client]) {
      for (const id of [byAgent, byAdmin]) {
        expect((await client.get(`/cases/${id}`)).statusCode).toBe(404);
        expect((await client.get(`/cases/${id}/edit`)).statusCode).toBe(404);
        expect((await client.post(`/cases/${id}/comments`, { body: 'hi' })).statusCode).toBe(404);
        expect((await client.post(`/cases/${id}/resolve`, {})).statusCode).toBe(404);
      }
    }
    // The same rule in the database, as the agent's and the other company's sessions.
    const visible = async (partnerId: number, userId: number) =>
      knex.transaction(async (trx) => {
        await trx.raw(`SELECT set_config('role', 'portal_app', true), set_config('app.context', 'partner', true), set_config('app.partner_id', ?, true), set_config('app.user_id', ?, true)`, [String(partnerId), String(userId)]);
        return (await trx('cases').whereIn('id', [byAgent, byAdmin]).orderBy('id').pluck('id')) as number[];
      });
    expect(await visible(a.partner.id, a.agent.id)).toEqual([byAgent]);
    expect(await visible(a.partner.id, a.admin.id)).toEqual([byAgent, byAdmin].sort((x, y) => x - y));
    expect(await visible(b.partner.id, b.admin.id)).toEqual([]);
    // Partners never reach the support team's pages.
    expect((await a.admin.client.get('/admin/cases')).statusCode).toBe(403);
  });

  it('keeps internal notes from partners, on the page and in the database', async () => {
    const a = await company();
    const id = await openCase(a.agent.client);
    await support.get(`/admin/cases/${id}`);
    expect((await support.post(`/admin/cases/${id}/note`, { note: 'Secret-internal-remark' })).statusCode).toBe(303);
    await staffReply(id, 'Public answer');
    const page = await a.agent.client.get(`/cases/${id}`);
    expect(text(page.body)).toContain('Public answer');
    expect(page.body).not.toContain('Secret-internal-remark');
    expect(text((await support.get(`/admin/cases/${id}`)).body)).toContain('Secret-internal-remark');
    const entries = await knex.transaction(async (trx) => {
      await trx.raw(`SELECT set_config('role', 'portal_app', true), set_config('app.context', 'partner', true), set_config('app.partner_id', ?, true), set_config('app.user_id', ?, true)`, [String(a.partner.id), String(a.admin.id)]);
      return trx('case_entries').where('case_id', id).pluck('kind');
    });
    expect(entries).not.toContain('note');
    expect(entries).toContain('comment');
  });
});

describe('the conversation and the status', () => {
  it('follows the status table: reply starts it, a question waits on the partner, the answer brings it back', async () => {
    const a = await company();
    const id = await openCase(a.agent.client);
    await staffReply(id, 'Which version do you run?', true);
    expect(await statusOf(id)).toBe('waiting_on_partner');
    const row = await knex('cases').where('id', id).first('first_response_at');
    expect(row.first_response_at).not.toBeNull();
    // The opener hears of the reply.
    expect(await knex('notifications').where({ user_id: a.agent.id, type: 'case.reply' }).first('id')).toBeTruthy();
    await a.agent.client.get(`/cases/${id}`);
    const empty = await a.agent.client.post(`/cases/${id}/comments`, { body: ' ' });
    expect(empty.statusCode).toBe(422);
    expect((await a.agent.client.post(`/cases/${id}/comments`, { body: 'Version 4.2' })).statusCode).toBe(303);
    expect(await statusOf(id)).toBe('in_progress');
    const kinds = await knex('case_entries').where('case_id', id).orderBy('id').select('kind', 'from_status', 'to_status');
    expect(kinds.filter((k) => k.kind === 'status').map((k) => `${k.from_status}>${k.to_status}`)).toEqual(['new>in_progress', 'in_progress>waiting_on_partner', 'waiting_on_partner>in_progress']);
  });

  it('lets the opener resolve, reopen within 14 days (not after), and confirm; closed is final', async () => {
    const a = await company();
    const id = await openCase(a.agent.client);
    await a.agent.client.get(`/cases/${id}`);
    expect((await a.agent.client.post(`/cases/${id}/resolve`, {})).statusCode).toBe(303);
    expect(await statusOf(id)).toBe('resolved');
    // A resolved case takes a comment only by being reopened.
    expect((await a.agent.client.post(`/cases/${id}/comments`, { body: 'hello' })).statusCode).toBe(409);
    expect((await a.agent.client.post(`/cases/${id}/reopen`, { body: '' })).statusCode).toBe(422);
    expect((await a.agent.client.post(`/cases/${id}/reopen`, { body: 'Still broken' })).statusCode).toBe(303);
    expect(await statusOf(id)).toBe('in_progress');

    await staffReply(id, 'Fixed now');
    await support.post(`/admin/cases/${id}/resolve`, {});
    expect(await statusOf(id)).toBe('resolved');
    // The opener is told in their own language, whoever changed it.
    await knex('users').where('id', a.agent.id).update({ locale: 'de' });
    const german = translator('de')('case.status.resolved');
    expect(german).not.toBe('Resolved');
    expect(text((await a.agent.client.get('/notifications')).body)).toContain(german);
    await knex('users').where('id', a.agent.id).update({ locale: null });
    await knex('cases').where('id', id).update({ resolved_at: new Date(Date.now() - 15 * 86_400_000) });
    const late = await a.agent.client.post(`/cases/${id}/reopen`, { body: 'Again' });
    expect(late.statusCode).toBe(409);
    expect(errorTitle(late)).toBe('Too late to reopen');
    expect((await a.agent.client.get(`/cases/${id}`)).body).not.toContain(`action="/cases/${id}/reopen"`);

    expect((await a.agent.client.post(`/cases/${id}/close`, {})).statusCode).toBe(303);
    expect(await statusOf(id)).toBe('closed');
    const closedPage = await a.agent.client.get(`/cases/${id}`);
    expect(text(closedPage.body)).toContain('This case is closed');
    expect(closedPage.body).not.toContain('<textarea');
    expect((await a.agent.client.post(`/cases/${id}/comments`, { body: 'more' })).statusCode).toBe(409);
    expect((await a.agent.client.get(`/cases/${id}/edit`)).statusCode).toBe(409);
    expect((await support.post(`/admin/cases/${id}/reply`, { body: 'more' })).statusCode).toBe(409);
    expect((await support.post(`/admin/cases/${id}/note`, { note: 'more' })).statusCode).toBe(409);
    // The database refuses too, whoever asks.
    await expect(knex('cases').where('id', id).update({ status: 'in_progress' })).rejects.toMatchObject({ code: 'PF409' });
    await expect(knex('case_entries').insert({ case_id: id, partner_id: a.partner.id, kind: 'comment', body: 'x' })).rejects.toMatchObject({ code: 'PF409' });
  });

  it('closes resolved cases by itself 14 days after resolution', async () => {
    const a = await company();
    const fresh = await openCase(a.agent.client);
    const old = await openCase(a.agent.client);
    for (const id of [fresh, old]) {
      await a.agent.client.get(`/cases/${id}`);
      await a.agent.client.post(`/cases/${id}/resolve`, {});
    }
    await knex('cases').where('id', old).update({ resolved_at: new Date(Date.now() - 14 * 86_400_000 - 60_000) });
    await t.app.clock.runOnce();
    expect(await statusOf(old)).toBe('closed');
    expect(await statusOf(fresh)).toBe('resolved');
    expect(text((await a.agent.client.get(`/cases/${old}`)).body)).toContain('The case closed by itself');
  });

  it('renders Markdown in case text and comments, and leaves script, handler, javascript: and style payloads inert', async () => {
    const a = await company();
    const payload = ['**bold**', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '[x](javascript:alert(1))', '<b style="color:red">styled</b>'].join('\n\n');
    const id = await openCase(a.agent.client, { description: payload });
    await staffReply(id, payload);
    for (const [client, url] of [[a.agent.client, `/cases/${id}`], [support, `/admin/cases/${id}`]] as const) {
      const body = (await client.get(url)).body;
      const main = body.slice(body.indexOf('<main'), body.indexOf('</main>'));
      expect((main.match(/<strong>bold<\/strong>/g) ?? []).length).toBe(2);
      expect(main).not.toMatch(/<script|<img|<[^>]*\son\w+=|href="javascript:|<[^>]*\sstyle=/i);
    }
  });
});

describe('the support team\'s queue', () => {
  it('filters, shows breaches with a count, and assigning a new case starts it', async () => {
    const a = await company();
    const late = await openCase(a.admin.client, { priority: 'urgent', title: unique('Late') });
    const onTime = await openCase(a.admin.client, { priority: 'low', title: unique('Calm') });
    await knex('cases').where('id', late).update({ first_response_due: new Date(Date.now() - 60_000) });
    const queue = await support.get(`/admin/cases?partner=${a.partner.id}`);
    expect(queue.statusCode).toBe(200);
    const body = text(queue.body);
    expect(body).toMatch(/2 cases in this view 1 first-response targets missed/);
    expect(queue.body.indexOf(`/admin/cases/${late}"`)).toBeLessThan(queue.body.indexOf(`/admin/cases/${onTime}"`));
    const urgentOnly = await support.get(`/admin/cases?partner=${a.partner.id}&priority=low`);
    expect(urgentOnly.body).toContain(`/admin/cases/${onTime}"`);
    expect(urgentOnly.body).not.toContain(`/admin/cases/${late}"`);

    await support.get(`/admin/cases/${onTime}`);
    expect((await support.post(`/admin/cases/${onTime}/assign`, { assignee: '999999999', priority: 'low' })).statusCode).toBe(422);
    expect((await support.post(`/admin/cases/${onTime}/assign`, { assignee: String(supportId), priority: 'high' })).statusCode).toBe(303);
    expect(await knex('cases').where('id', onTime).first('status', 'assignee_user_id', 'priority')).toEqual({ status: 'in_progress', assignee_user_id: supportId, priority: 'high' });
    const mine = await support.get(`/admin/cases?assignee=me&partner=${a.partner.id}`);
    expect(mine.body).toContain(`/admin/cases/${onTime}"`);
    expect(mine.body).not.toContain(`/admin/cases/${late}"`);
    // A channel manager does not answer cases.
    const manager = await signedIn(t.app, (await createUser(knex, { role: 'channel_manager' })).email, TEST_PASSWORD);
    expect((await manager.get('/admin/cases')).statusCode).toBe(403);
  });

  it('pages the queue and the partner\'s list by 50, keeping the filters in the page links', async () => {
    const a = await company();
    const due = new Date(Date.now() + 86_400_000);
    const rows = Array.from({ length: 55 }, (_, i) => ({
      partner_id: a.partner.id, opened_by: a.admin.id, title: `Paged case ${i}`, description: 'Many of them', category: 'billing', priority: 'low', first_response_due: due,
    }));
    const ids = (await knex('cases').insert(rows).returning('id')).map((r) => r.id as number);
    const caseLinks = (html: string, base: string) => [...html.matchAll(new RegExp(`href="${base}/(\\d+)"`, 'g'))].map((m) => Number(m[1]));

    const first = await support.get(`/admin/cases?partner=${a.partner.id}&category=billing`);
    expect(text(first.body)).toMatch(/55 cases in this view/);
    expect(caseLinks(first.body, '/admin/cases')).toHaveLength(50);
    const next = /<a href="([^"]+)" rel="next">/.exec(first.body)![1]!.replaceAll('&amp;', '&');
    expect(Object.fromEntries(new URL(next, 'http://x').searchParams)).toEqual({ partner: String(a.partner.id), category: 'billing', page: '2' });
    const second = await support.get(next);
    const onSecond = caseLinks(second.body, '/admin/cases');
    expect(onSecond).toHaveLength(5);
    expect(new Set([...caseLinks(first.body, '/admin/cases'), ...onSecond])).toEqual(new Set(ids));
    expect(second.body).toContain('rel="prev"');
    expect(second.body).not.toContain('rel="next"');

    const mine = await a.admin.client.get('/cases');
    expect(caseLinks(mine.body, '/cases')).toHaveLength(50);
    const later = await a.admin.client.get(/<a href="([^"]+)" rel="next">/.exec(mine.body)![1]!.replaceAll('&amp;', '&'));
    expect(caseLinks(later.body, '/cases')).toHaveLength(5);
    expect(text(later.body)).toContain('Page 2');
  });
});

describe('first-response targets and non-working days', () => {
  // Vendor-wide settings: on a database of this describe's own, so cases opened by parallel test files keep theirs.
  let own: TestApp;
  let admin: Client;
  beforeAll(async () => {
    own = await createTestApp({ database: await openPrivateDatabase() });
    admin = await signedIn(own.app, (await createUser(own.database.knex, { role: 'channel_admin' })).email, TEST_PASSWORD);
  });
  afterAll(async () => own?.close());
  const stored = async () => own.database.knex('vendor_settings').where('id', 1).first('case_response_targets', 'case_holidays');
  const current = { urgent_amount: '1', urgent_unit: 'hours', high_amount: '4', high_unit: 'hours', normal_amount: '1', normal_unit: 'business_days', low_amount: '2', low_unit: 'business_days' };
  const base = (html: string) => text(hidden(html, 'base'));

  it('are kept by the channel admin, checked, and shown on the queue', async () => {
    const agent = await signedIn(own.app, (await createUser(own.database.knex, { role: 'support_agent' })).email, TEST_PASSWORD);
    expect((await agent.get('/admin/case-targets')).statusCode).toBe(403);
    const form = await admin.get('/admin/case-targets');
    expect(form.statusCode).toBe(200);
    for (const [k, v] of Object.entries(current)) expect(form.body).toMatch(new RegExp(`name="${k}"[^>]*(value="${v}"|>)`));
    const bad = await admin.post('/admin/case-targets', {
      urgent_amount: '0', urgent_unit: 'hours', high_amount: '4', high_unit: 'hours', normal_amount: '45', normal_unit: 'business_days', low_amount: '2', low_unit: 'weeks',
      holidays: '2026-12-24\n2026-02-30', base: base(form.body),
    });
    expect(bad.statusCode).toBe(422);
    for (const field of ['urgent_amount', 'normal_amount', 'low_unit', 'holidays']) expect(bad.body).toContain(`href="#${field}"`);
    expect(text(bad.body)).toContain('“2026-02-30” is not a date');
    expect(bad.body).toMatch(/<textarea id="holidays"[^>]*>2026-12-24\n2026-02-30<\/textarea>/);

    const saved = await admin.post('/admin/case-targets', { ...current, high_amount: '8', holidays: '2099-12-25, 2099-12-24\n2099-12-25', base: base(form.body) });
    expect(saved.statusCode).toBe(303);
    expect(await stored()).toEqual({ case_response_targets: { urgent: { hours: 1 }, high: { hours: 8 }, normal: { business_days: 1 }, low: { business_days: 2 } }, case_holidays: ['2099-12-24', '2099-12-25'] });
    expect(text((await admin.get('/admin/cases')).body)).toContain('Urgent: 1 hour · High: 8 hours · Normal: 1 business day · Low: 2 business days');
    expect((await admin.get('/admin/case-targets')).body).toMatch(/<textarea id="holidays"[^>]*>2099-12-24\n2099-12-25<\/textarea>/);
  });

  it('refuses a save based on targets someone changed since (409, with what they changed), keeping the values typed', async () => {
    const first = await admin.get('/admin/case-targets');
    const second = await admin.get('/admin/case-targets');
    expect((await admin.post('/admin/case-targets', { ...current, holidays: '2099-05-01', base: base(first.body) })).statusCode).toBe(303);
    const late = await admin.post('/admin/case-targets', { ...current, low_amount: '3', holidays: '', base: base(second.body) });
    expect(late.statusCode).toBe(409);
    const page = text(late.body);
    expect(page).toContain('Non-working days 2099-05-01');
    expect(late.body).toMatch(/name="low_amount"[^>]*value="3"/);
    expect((await stored()).case_holidays).toEqual(['2099-05-01']);
    // Sent again from the 409 page (which carries what is stored now), it saves.
    expect((await admin.post('/admin/case-targets', { ...current, low_amount: '3', holidays: '', base: base(late.body) })).statusCode).toBe(303);
    expect(await stored()).toMatchObject({ case_holidays: [], case_response_targets: { low: { business_days: 3 } } });
  });

  it('gives a new case a due time that skips the non-working days', async () => {
    const c = await (async () => {
      const partner = await createPartner(own.database.knex);
      const user = await createUser(own.database.knex, { partnerId: partner.id, role: 'partner_admin' });
      return signedIn(own.app, user.email, TEST_PASSWORD);
    })();
    // The next three weeks are days off: a one-business-day target lands after them.
    const days = Array.from({ length: 21 }, (_, i) => new Date(Date.now() + (i - 1) * 86_400_000).toISOString().slice(0, 10));
    const form = await admin.get('/admin/case-targets');
    expect((await admin.post('/admin/case-targets', { ...current, holidays: days.join('\n'), base: base(form.body) })).statusCode).toBe(303);
    const id = await openCase(c, { priority: 'normal' });
    const due = new Date((await own.database.knex('cases').where('id', id).first('first_response_due')).first_response_due);
    expect(due.getTime()).toBeGreaterThan(Date.now() + 19 * 86_400_000);
    expect(due.getTime()).toBeLessThan(Date.now() + 26 * 86_400_000);
  });
});

describe('linked cases', () => {
  it('appear on the opportunity and the customer account, to those who may see them', async () => {
    const a = await company();
    const deal = await ownDeal(a);
    const id = await openCase(a.agent.client, { opportunity: String(deal.id), title: unique('Linked') });
    const title = (await knex('cases').where('id', id).first('title')).title;
    expect((await a.agent.client.get(`/opportunities/${deal.id}`)).body).toContain(`href="/cases/${id}"`);
    expect((await a.admin.client.get(`/customers/${deal.accountId}`)).body).toContain(`href="/cases/${id}"`);
    // The opportunity page offers a case about it.
    expect((await a.admin.client.get(`/opportunities/${deal.id}`)).body).toContain(`/cases/new?opportunity=${deal.id}`);
    // Another sales agent of the company does not see a colleague's case.
    const colleague = await createUser(knex, { partnerId: a.partner.id, role: 'sales_agent' });
    const other = await signedIn(t.app, colleague.email, TEST_PASSWORD);
    expect((await other.get(`/opportunities/${deal.id}`)).body).not.toContain(title);
    const admin = await signedIn(t.app, (await createUser(knex, { role: 'channel_admin' })).email, TEST_PASSWORD);
    expect((await admin.get(`/admin/opportunities/${deal.id}`)).body).toContain(`href="/admin/cases/${id}"`);
    expect((await admin.get(`/admin/accounts/${deal.accountId}`)).statusCode).toBe(404);
    // A support agent sees the opportunity's summary on the case, without a link to pages it cannot open.
    const casePage = await support.get(`/admin/cases/${id}`);
    expect(text(casePage.body)).toContain(deal.topic);
    expect(casePage.body).not.toContain(`href="/admin/opportunities/${deal.id}"`);
  });
});

describe('demo cases', () => {
  it('has Alpha cases linked to an opportunity, waiting on the partner, with an internal note, and a Beta case', async () => {
    const alpha = await knex('partners').where('name', 'Alpha Solutions').first('id');
    const cases = await knex('cases').where('partner_id', alpha.id).select('id', 'status', 'opportunity_id');
    expect(cases.some((c) => c.opportunity_id !== null)).toBe(true);
    expect(cases.some((c) => c.status === 'waiting_on_partner')).toBe(true);
    expect(await knex('case_entries').whereIn('case_id', cases.map((c) => c.id)).where('kind', 'note').first('id')).toBeTruthy();
    const beta = await knex('partners').where('name', 'Beta Systems').first('id');
    expect(await knex('cases').where('partner_id', beta.id).first('id')).toBeTruthy();
    const ben = await signedIn(t.app, 'ben@alpha.example');
    const list = text((await ben.get('/cases')).body);
    expect(list).toContain('Licence key rejected');
    expect(list).not.toContain('Deal registration shows a conflict');
  });
});
