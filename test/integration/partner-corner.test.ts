import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, signedIn, text, hidden, errorTitle } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';

/** A partner's own corner (company profile), staff managing partners, the tenant wall, audit and notifications. */
let t: TestApp;
let knex: Knex;
/** Fresh channel managers made here; they would otherwise be notified of every later application. */
const freshStaff: number[] = [];
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
});
afterAll(async () => {
  if (freshStaff.length) await knex('users').whereIn('id', freshStaff).update({ status: 'removed' });
  await t.close();
});

/** A fresh active company with a signed-in partner admin (and, when asked, a signed-in sales agent). */
async function company(options: { name?: string } = {}) {
  const partner = await createPartner(knex, { name: options.name ?? unique('Corner Co') });
  const admin = await createUser(knex, { partnerId: partner.id, role: 'partner_admin' });
  const client = await signedIn(t.app, admin.email, TEST_PASSWORD);
  return { partner, admin, client };
}

async function productId(name: string): Promise<number> {
  return (await knex('products').where('name', name).first('id')).id;
}

async function sessionsOf(userIds: number[]): Promise<number> {
  const [row] = await knex('sessions').whereIn('user_id', userIds).count<{ n: string }[]>({ n: '*' });
  return Number(row!.n);
}

async function profileForm(client: Client, overrides: Record<string, string | string[]> = {}) {
  const page = await client.get('/company');
  expect(page.statusCode).toBe(200);
  return {
    company_name: unique('Renamed Co'),
    website: 'https://www.renamed.example',
    country: 'AT',
    address: 'Kärntner Straße 1, Wien',
    phone: '+43 1 555 0100',
    specialties: [String(await productId('Lumen Analytics')), String(await productId('Premium support'))],
    countries_served: ['AT', 'HU'],
    languages: ['de', 'hu'],
    // The "listed" checkbox is left unticked (not sent) unless a test needs it: on PostgreSQL the public
    // directory would otherwise grow with every run.
    version: hidden(page.body, 'version'),
    ...overrides,
  };
}

describe('company profile (partner admin)', () => {
  it('saves the profile and shows the saved values', async () => {
    const { partner, client } = await company();
    const form = await profileForm(client, { listed: 'yes' });
    const res = await client.post('/company', form);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/company');

    const page = await client.get('/company');
    expect(text(page.body)).toContain('Your company profile has been saved.');
    expect(page.body).toContain(`id="company_name" name="company_name" type="text" value="${form.company_name}"`);
    expect(page.body).toContain('value="https://www.renamed.example"');
    expect(page.body).toContain('<option value="AT" selected>');
    expect(page.body).toContain('+43 1 555 0100');
    for (const id of form.specialties as string[]) expect(page.body).toMatch(new RegExp(`name="specialties" value="${id}" checked>`));
    expect(page.body.match(/name="specialties" value="\d+" checked>/g)).toHaveLength(2);
    for (const code of ['AT', 'HU']) expect(page.body).toContain(`name="countries_served" value="${code}" checked>`);
    expect(page.body.match(/name="countries_served" value="[A-Z]{2}" checked>/g)).toHaveLength(2);
    for (const code of ['de', 'hu']) expect(page.body).toContain(`name="languages" value="${code}" checked>`);
    expect(page.body).toContain('name="listed" value="yes" checked>');
    expect(hidden(page.body, 'version')).toBe(String(Number(form.version) + 1));

    const row = await knex('partners').where('id', partner.id).first('name', 'website', 'website_domain', 'country', 'countries_served', 'languages', 'listed');
    expect(row).toEqual({ name: form.company_name, website: 'https://www.renamed.example', website_domain: 'renamed.example', country: 'AT', countries_served: ['AT', 'HU'], languages: ['de', 'hu'], listed: true });
    // And unlisting with the checkbox left unticked sticks too.
    const again = await profileForm(client, { company_name: form.company_name as string });
    expect(again).not.toHaveProperty('listed');
    expect((await client.post('/company', again)).statusCode).toBe(303);
    expect((await knex('partners').where('id', partner.id).first('listed')).listed).toBe(false);
    expect((await client.get('/company')).body).not.toContain('name="listed" value="yes" checked>');
  });

  it('refuses a save based on an older version with 409, shows what changed and keeps the typed values', async () => {
    const { partner, client } = await company();
    const first = await profileForm(client);
    const stale = first.version;
    expect((await client.post('/company', first)).statusCode).toBe(303);

    // A second tab, opened before that save, now sends its own edit.
    const typed = { ...first, company_name: unique('Typed Name'), website: 'www.typed.example', version: stale };
    const res = await client.post('/company', typed);
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('<a href="#company_name">Someone else saved this form while you were editing it. Check their changes below, then save again</a>');
    const body = text(res.body);
    expect(body).toContain('Changed by someone else');
    expect(body).toContain(`Company name ${first.company_name}`);
    expect(body).toContain('Website https://www.renamed.example');
    expect(res.body).toContain(`value="${typed.company_name}"`);
    expect(res.body).toContain('value="www.typed.example"');
    // Sending the form again from here would save on top of the current version.
    expect(hidden(res.body, 'version')).toBe(String(Number(stale) + 1));
    expect(await knex('partners').where('id', partner.id).first('name', 'profile_version')).toEqual({ name: first.company_name, profile_version: Number(stale) + 1 });
  });

  it('refuses bad input with 422, each error linked and the values kept', async () => {
    const { partner, client } = await company();
    const form = await profileForm(client, { country: 'XX', website: 'not a website', specialties: ['987654321'], countries_served: ['AT', 'ZZ'], languages: ['de', 'xx'] });
    const res = await client.post('/company', form);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#country">Select a country from the list</a>');
    expect(res.body).toContain('<a href="#website">Enter a website address like www.example.com</a>');
    expect(res.body).toContain('<a href="#specialties">Select specialties from the list</a>');
    expect(res.body).toContain('<a href="#countries_served">Select countries from the list</a>');
    expect(res.body).toContain('<a href="#languages">Select languages from the list</a>');
    expect(res.body).toContain(`value="${form.company_name}"`);
    expect(res.body).toContain('value="not a website"');
    expect(res.body).toContain('value="+43 1 555 0100"');
    expect(res.body).toContain('name="countries_served" value="AT" checked>');
    expect(res.body).toContain('name="languages" value="de" checked>');
    expect(await knex('partners').where('id', partner.id).first('name', 'country', 'website', 'version')).toEqual({ name: partner.name, country: null, website: null, version: 1 });
    expect(await knex('partner_specialties').where('partner_id', partner.id).first()).toBeUndefined();
  });

  it('shows a sales agent the profile read-only and refuses their save (403)', async () => {
    const { partner, client: adminClient } = await company();
    const form = await profileForm(adminClient, { listed: 'yes' });
    expect((await adminClient.post('/company', form)).statusCode).toBe(303);
    const agent = await createUser(knex, { partnerId: partner.id, role: 'sales_agent' });
    const client = await signedIn(t.app, agent.email, TEST_PASSWORD);

    const page = await client.get('/company');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('action="/company"');
    expect(page.body).not.toContain('name="company_name"');
    const body = text(page.body);
    expect(body).toContain(`Company name ${form.company_name}`);
    expect(body).toContain('Country Austria');
    expect(body).toContain('Specialties Lumen Analytics, Premium support');
    expect(body).toContain('Public partner directory Listed');

    const res = await client.post('/company', { ...form, company_name: 'Taken over by an agent', version: String(Number(form.version) + 1) });
    expect(res.statusCode).toBe(403);
    expect(await knex('partners').where('id', partner.id).first('name', 'profile_version')).toEqual({ name: form.company_name, profile_version: Number(form.version) + 1 });
    await knex('partners').where('id', partner.id).update({ listed: false }); // keep the shared directory small
  });
});

describe('managing a partner (channel manager)', () => {
  it('changes level and capacity, suspends the company (signing all its users out) and notifies its admins', async () => {
    const { partner, admin, client: adminClient } = await company();
    const agent = await createUser(knex, { partnerId: partner.id, role: 'sales_agent' });
    const agentClient = await signedIn(t.app, agent.email, TEST_PASSWORD);
    const manager = await signedIn(t.app, 'manager@lumen.example');
    const url = `/admin/partners/${partner.id}`;

    const page = await manager.get(url);
    expect(page.statusCode).toBe(200);
    const res = await manager.post(url, { level: 'gold', capacity: '8', status: 'active', version: hidden(page.body, 'version') });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(url);
    const after = await manager.get(url);
    expect(text(after.body)).toContain(`${partner.name} has been updated.`);
    expect(after.body).toContain('<option value="gold" selected>');
    expect(after.body).toContain('id="capacity" name="capacity" type="text" value="8"');
    expect(await knex('partners').where('id', partner.id).first('level', 'capacity', 'status')).toEqual({ level: 'gold', capacity: 8, status: 'active' });
    // Changing the level signs nobody out.
    expect((await adminClient.get('/home')).statusCode).toBe(200);

    const bad = await manager.post(url, { level: 'platinum', capacity: 'lots', status: 'active', version: hidden(after.body, 'version') });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('<a href="#capacity">Enter the capacity as a whole number, like 5</a>');
    expect(bad.body).toContain('<a href="#level">Select one of the options for Partner level</a>');
    expect(bad.body).toContain('value="lots"');

    const stale = await manager.post(url, { level: 'silver', capacity: '3', status: 'active', version: hidden(page.body, 'version') });
    expect(stale.statusCode).toBe(409);
    expect(text(stale.body)).toContain('Changed by someone else');
    expect(stale.body).toContain('value="3"');
    expect(await knex('partners').where('id', partner.id).first('level', 'capacity')).toEqual({ level: 'gold', capacity: 8 });

    expect(await sessionsOf([admin.id, agent.id])).toBeGreaterThanOrEqual(2);
    const suspend = await manager.post(url, { level: 'gold', capacity: '8', status: 'suspended', version: hidden(after.body, 'version') });
    expect(suspend.statusCode).toBe(303);
    expect((await knex('partners').where('id', partner.id).first('status')).status).toBe('suspended');
    expect(await sessionsOf([admin.id, agent.id])).toBe(0);
    for (const client of [adminClient, agentClient]) {
      const next = await client.get('/home');
      expect(next.statusCode).toBe(303);
      expect(next.headers.location).toMatch(/^\/sign-in/);
    }
    for (const user of [admin, agent]) {
      const attempt = await new Client(t.app).signIn(user.email, TEST_PASSWORD);
      expect(attempt.statusCode).toBe(403);
      expect(text(attempt.body)).toContain('This account can no longer sign in');
    }

    // Both changes reached the partner's admin (not the sales agent).
    const notified = await knex('notifications').whereIn('user_id', [admin.id, agent.id]).select('user_id', 'type', 'link', 'params');
    expect(notified).toHaveLength(2);
    for (const n of notified) expect(n).toEqual({ user_id: admin.id, type: 'partner.changed', link: '/company', params: { company: partner.name } });

    // Reactivated, the admin signs in again and reads them.
    const reactivate = await manager.get(url);
    expect((await manager.post(url, { level: 'gold', capacity: '8', status: 'active', version: hidden(reactivate.body, 'version') })).statusCode).toBe(303);
    const back = await signedIn(t.app, admin.email, TEST_PASSWORD);
    const list = await back.get('/notifications');
    expect(list.statusCode).toBe(200);
    const items = list.body.split('<li class="').slice(1);
    expect(items).toHaveLength(3);
    for (const item of items) expect(item).toContain(`<a href="/company">${partner.name}: level, capacity or status changed</a>`);
    expect(text(list.body)).toContain(`The partner team changed the level, capacity or status of ${partner.name}.`);
    expect(list.body).toContain('<span class="count-badge">3</span>');
  });

  it("does not turn staff's change of level into a conflict for the partner editing its profile, nor the reverse", async () => {
    const { partner, client } = await company();
    const manager = await signedIn(t.app, 'manager@lumen.example');
    const url = `/admin/partners/${partner.id}`;
    const staffForm = await manager.get(url);
    const form = await profileForm(client);
    // Staff save first; the partner's open profile form is still good, and the other way round.
    expect((await manager.post(url, { level: 'gold', capacity: '9', status: 'active', version: hidden(staffForm.body, 'version') })).statusCode).toBe(303);
    expect((await client.post('/company', form)).statusCode).toBe(303);
    const again = await manager.get(url);
    const profile = await profileForm(client);
    expect((await client.post('/company', { ...profile, phone: '+43 1 555 0199' })).statusCode).toBe(303);
    expect((await manager.post(url, { level: 'silver', capacity: '9', status: 'active', version: hidden(again.body, 'version') })).statusCode).toBe(303);
  });

  it('names the level and status another person saved, in words, when a save conflicts', async () => {
    const { partner } = await company();
    const manager = await signedIn(t.app, 'manager@lumen.example');
    const url = `/admin/partners/${partner.id}`;
    const first = await manager.get(url);
    expect((await manager.post(url, { level: 'gold', capacity: '2', status: 'active', version: hidden(first.body, 'version') })).statusCode).toBe(303);
    const stale = await manager.post(url, { level: 'silver', capacity: '2', status: 'active', version: hidden(first.body, 'version') });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toMatch(/<dt>Partner level<\/dt><dd>Gold<\/dd>/);
  });

  it('keeps partner users and support agents out of partner management (403)', async () => {
    const { partner, client } = await company();
    const support = await signedIn(t.app, 'support@lumen.example');
    for (const c of [client, support]) {
      expect((await c.get(`/admin/partners/${partner.id}`)).statusCode).toBe(403);
      expect((await c.post(`/admin/partners/${partner.id}`, { level: 'gold', capacity: '99', status: 'suspended', version: '1' })).statusCode).toBe(403);
    }
    expect(await knex('partners').where('id', partner.id).first('status', 'level')).toEqual({ status: 'active', level: null });
  });
});

describe('the tenant wall', () => {
  it("answers 404 to every id of another company's people and invitations, and changes nothing", async () => {
    const a = await company();
    const colleague = await createUser(knex, { partnerId: a.partner.id, role: 'sales_agent' });
    const invitee = `${unique('invitee')}@example.test`;
    await a.client.get('/company/people');
    expect((await a.client.post('/company/people/invite', { email: invitee, role: 'sales_agent' })).statusCode).toBe(303);
    const invitation = await knex('invitations').where('email', invitee).first('id');

    const b = await company();
    const people = await b.client.get('/company/people');
    expect(people.statusCode).toBe(200);
    for (const target of [colleague.id, a.admin.id]) {
      const role = await b.client.post(`/company/people/${target}/role`, { role: 'partner_admin' });
      expect(role.statusCode, `role of ${target}`).toBe(404);
      expect(errorTitle(role)).toBe('Page not found');
      expect((await b.client.get(`/company/people/${target}/remove`)).statusCode, `remove page of ${target}`).toBe(404);
      expect((await b.client.post(`/company/people/${target}/remove`)).statusCode, `remove of ${target}`).toBe(404);
    }
    expect((await b.client.post(`/company/people/invitations/${invitation.id}/revoke`)).statusCode).toBe(404);

    expect(await knex('users').whereIn('id', [colleague.id, a.admin.id]).orderBy('id').select('role', 'status')).toEqual([
      { role: 'partner_admin', status: 'active' },
      { role: 'sales_agent', status: 'active' },
    ]);
    expect((await knex('invitations').where('id', invitation.id).first('revoked_at')).revoked_at).toBeNull();
    expect((await a.client.get('/home')).statusCode).toBe(200);

    // B's own pages show B only.
    const bPeople = text((await b.client.get('/company/people')).body);
    expect(bPeople).not.toContain(colleague.email);
    expect(bPeople).not.toContain(invitee);
    expect(bPeople).toContain(b.admin.email);
    const bCompany = await b.client.get('/company');
    expect(bCompany.body).toContain(`value="${b.partner.name}"`);
    expect(bCompany.body).not.toContain(a.partner.name);
  });

  it("shows a partner admin only their own company's audit trail; staff see every company's", async () => {
    const a = await company();
    const b = await company();
    const aName = unique('Audited A');
    const bName = unique('Audited B');
    expect((await a.client.post('/company', await profileForm(a.client, { company_name: aName }))).statusCode).toBe(303);
    expect((await b.client.post('/company', await profileForm(b.client, { company_name: bName }))).statusCode).toBe(303);

    const own = await b.client.get('/audit');
    expect(own.statusCode).toBe(200);
    expect(text(own.body)).toContain(bName);
    expect(text(own.body)).toContain(`partner ${b.partner.id}: profile_updated`);
    expect(own.body).not.toContain(aName);
    expect(own.body).not.toContain(`partner ${a.partner.id}:`);
    // Asking for A's entries by number finds none.
    const asked = await b.client.get(`/audit?partner=${a.partner.id}`);
    expect(asked.statusCode).toBe(200);
    expect(text(asked.body)).toContain('Nothing recorded matches.');
    expect(asked.body).not.toContain(aName);
    const byType = await b.client.get('/audit?entity=partner&action=profile_updated');
    expect(byType.body).not.toContain(aName);
    // A date filter that is no date (30 February) is ignored, not an error.
    const leap = await b.client.get('/audit?from=2026-02-30&to=2026-13-01');
    expect(leap.statusCode).toBe(200);
    expect(text(leap.body)).toContain(bName);

    const manager = await signedIn(t.app, 'manager@lumen.example');
    for (const [partner, name] of [[a.partner, aName], [b.partner, bName]] as const) {
      const res = await manager.get(`/audit?partner=${partner.id}`);
      expect(res.statusCode).toBe(200);
      expect(text(res.body)).toContain(`partner ${partner.id}: profile_updated`);
      expect(text(res.body)).toContain(name);
    }
  });

  it('keeps applicants and sales agents out of the audit trail (403)', async () => {
    const applicant = await createPartner(knex, { status: 'applicant' });
    const applicantUser = await createUser(knex, { partnerId: applicant.id, role: 'partner_admin' });
    const { partner } = await company();
    const agent = await createUser(knex, { partnerId: partner.id, role: 'sales_agent' });
    for (const user of [applicantUser, agent]) {
      const client = await signedIn(t.app, user.email, TEST_PASSWORD);
      const res = await client.get('/audit');
      expect(res.statusCode).toBe(403);
      expect(errorTitle(res)).toBe('You cannot do this');
      expect((await client.get(`/audit?partner=${partner.id}`)).statusCode).toBe(403);
    }
  });
});

describe('notifications', () => {
  type Staff = { user: { id: number }; client: Client };
  /** Three fresh channel managers (one per test), made before the one application this block submits. */
  const managers: Staff[] = [];
  let before: number;
  let companyName: string;
  let partnerId: number;

  async function unreadOf(userId: number): Promise<number> {
    const [row] = await knex('notifications').where('user_id', userId).whereNull('read_at').count<{ n: string }[]>({ n: '*' });
    return Number(row!.n);
  }

  /**
   * The header's count and the number of unread notifications, read while nothing new arrived (other test
   * files submit applications too, and every channel manager hears of each).
   */
  async function headerCount(client: Client, userId: number): Promise<{ shown: number; unread: number }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const unread = await unreadOf(userId);
      const res = await client.get('/home');
      if ((await unreadOf(userId)) !== unread) continue;
      const shown = Number(/<span class="count-badge">(\d+)<\/span>/.exec(res.body)?.[1] ?? 0);
      if (shown > 0) expect(text(res.body)).toContain(`Notifications ${shown} ${shown} unread`);
      return { shown, unread };
    }
    throw new Error('notifications kept arriving');
  }

  /** The notification about this application in a user's own list: its id while unread, and whether it is read. */
  function itemFor(body: string, id: number): { id: number | null; read: boolean } {
    const item = body.split('<li class="').find((chunk) => chunk.includes(`href="/admin/applications/${id}"`));
    if (!item) throw new Error(`no notification about application ${id}`);
    return { id: Number(/action="\/notifications\/(\d+)\/read"/.exec(item)?.[1]) || null, read: item.startsWith('read"') };
  }

  // One application for the whole block: every active channel admin and manager of the (shared) database is
  // notified and emailed about each one, so each application costs the outbox dozens of messages.
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const user = await createUser(knex, { role: 'channel_manager' });
      freshStaff.push(user.id);
      managers.push({ user, client: await signedIn(t.app, user.email, TEST_PASSWORD) });
    }
    before = (await headerCount(managers[0]!.client, managers[0]!.user.id)).shown;
    companyName = unique('Notified Co');
    const tag = unique('n');
    const client = new Client(t.app);
    await client.get('/apply');
    const res = await client.post('/apply', {
      company_name: companyName,
      website: `https://www.${tag}.example`,
      country: 'AT',
      countries_served: ['AT'],
      languages: ['de'],
      contact_name: 'Nia Notify',
      email: `nia.${tag}@example.test`,
      password: 'a long enough passphrase',
    });
    expect(res.statusCode).toBe(303);
    partnerId = (await knex('partners').where('name', companyName).first('id')).id;
  });

  it('counts unread notifications in the header and marks one as read with a plain form', async () => {
    const { user, client } = managers[0]!;
    expect(before).toBe(0);
    const counted = await headerCount(client, user.id);
    expect(counted.unread).toBeGreaterThanOrEqual(1);
    expect(counted.shown).toBe(counted.unread);

    const list = await client.get('/notifications');
    expect(text(list.body)).toContain(`New application from ${companyName}`);
    expect(text(list.body)).toContain(`${companyName} has applied to the partner program.`);
    const { id, read } = itemFor(list.body, partnerId);
    expect(read).toBe(false);
    expect(id).not.toBeNull();

    const res = await client.post(`/notifications/${id}/read`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/notifications');
    const after = await client.get('/notifications');
    expect(itemFor(after.body, partnerId)).toEqual({ id: null, read: true });
    expect((await knex('notifications').where('id', id!).first('read_at')).read_at).not.toBeNull();
    const recounted = await headerCount(client, user.id);
    expect(recounted.shown).toBe(recounted.unread);
    expect(await knex('notifications').where('user_id', user.id).whereNull('read_at').where('link', `/admin/applications/${partnerId}`).first('id')).toBeUndefined();
  });

  it('marks as read through htmx and answers the followed request with the list fragment alone', async () => {
    const { client } = managers[1]!;
    const list = await client.get('/notifications');
    const { id } = itemFor(list.body, partnerId);
    expect(list.body).toContain(`hx-post="/notifications/${id}/read" hx-target="#notification-list" hx-swap="outerHTML"`);

    const res = await client.post(`/notifications/${id}/read`, {}, { htmx: true });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/notifications');
    const fragment = await client.get(String(res.headers.location), { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(fragment.statusCode).toBe(200);
    expect(fragment.body.trimStart()).toMatch(/^<div id="notification-list">/);
    expect(fragment.body).not.toContain('<html');
    expect(fragment.body).not.toContain('<h1>');
    expect(itemFor(fragment.body, partnerId)).toEqual({ id: null, read: true });
  });

  it("refuses to mark another user's notification (404) and leaves it unread", async () => {
    const mine = managers[0]!;
    const theirs = managers[2]!;
    const other = await knex('notifications').where({ user_id: theirs.user.id, link: `/admin/applications/${partnerId}` }).first('id');
    expect(other).toBeDefined();
    await mine.client.get('/notifications');
    const res = await mine.client.post(`/notifications/${other.id}/read`);
    expect(res.statusCode).toBe(404);
    expect(errorTitle(res)).toBe('Page not found');
    expect((await knex('notifications').where('id', other.id).first('read_at')).read_at).toBeNull();
    expect((await mine.client.post('/notifications/999999999999/read')).statusCode).toBe(404);
    expect((await mine.client.post('/notifications/not-a-number/read')).statusCode).toBe(404);
    // Nor is it on my list.
    expect((await mine.client.get('/notifications')).body).not.toContain(`/notifications/${other.id}/read`);
  });
});
