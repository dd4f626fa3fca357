import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, errorTitle, signedIn, text, type Response } from '../support/client.ts';
import { createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import { signedToken } from '../../src/services/tokens.ts';
import { inContext } from '../../src/db/scope.ts';
import { signedInCompany, type SignedInCompany } from '../support/company.ts';

let t: TestApp;
let knex: Knex;
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
});
afterAll(async () => t.close());

const company = (role?: 'partner_admin' | 'sales_agent') => signedInCompany(t, role);
type Company = SignedInCompany;

async function addCustomer(c: Company, fields: Record<string, string>): Promise<number> {
  await c.client.get('/customers/new');
  const res = await c.client.post('/customers/new', fields);
  expect(res.statusCode).toBe(303);
  return Number(/\/customers\/(\d+)$/.exec(String(res.headers.location))![1]);
}

/** Drafts an invitation through the form; returns its id and the customer's link path from the draft. */
async function invite(c: Company, accountId: number, form: Record<string, string | string[]> = { dap: 'yes' }): Promise<{ rid: number; link: string; page: Response }> {
  await c.client.get(`/customers/${accountId}/relationship/new`);
  const res = await c.client.post(`/customers/${accountId}/relationship/new`, form);
  expect(res.statusCode).toBe(303);
  const location = String(res.headers.location);
  const rid = Number(/\/relationship\/(\d+)$/.exec(location)![1]);
  const page = await c.client.get(location);
  const link = /https?:\/\/[^/\s<"]+(\/relationships\/[0-9]+\.[0-9]+\.[A-Za-z0-9_-]{43})/.exec(page.body)![1]!;
  return { rid, link, page };
}

async function accept(link: string, name = 'Cora Customer'): Promise<{ customer: Client; res: Response }> {
  const customer = new Client(t.app);
  const form = await customer.get(link);
  expect(form.statusCode).toBe(200);
  const res = await customer.post(link, { decision: 'accept', name, authorised: 'yes' });
  return { customer, res };
}

async function relationshipRow(id: number) {
  return knex('customer_relationships').where({ id }).first();
}

describe('asking a customer for a reseller relationship', () => {
  it('drafts an invitation with a signed 30-day link, and the customer accepts it without an account', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Harbor Freight Co' });
    await c.client.post(`/customers/${id}/contacts`, { name: 'Hana Harbor', email: 'hana@harbor.example' });
    const { rid, link, page } = await invite(c, id, { dap: 'yes', gdap_roles: ['user_admin', 'license_admin'], gdap_days: '180' });
    expect(text(page.body)).toContain('Dear Hana Harbor');
    expect(text(page.body)).toContain('Granular delegated roles (GDAP) for 180 days: User administrator, License administrator');
    const row = await relationshipRow(rid);
    const days = (new Date(row.expires_at).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(text((await c.client.get('/customers')).body)).toContain('Invited');

    const customer = new Client(t.app);
    const view = text((await customer.get(link)).body);
    expect(view).toContain(`${c.partner.name} asks to become your reseller`);
    expect(view).toContain('Full delegated administration (DAP)');
    expect(view).toContain('User administrator, License administrator');

    // The accept form needs a name and the authority checkbox; the values stay.
    const missing = await customer.post(link, { decision: 'accept', name: 'Hana Harbor' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('<a href="#authorised">');
    expect(missing.body).toContain('value="Hana Harbor"');

    const res = await customer.post(link, { decision: 'accept', name: 'Hana Harbor', authorised: 'yes' });
    expect(res.statusCode).toBe(303);
    const done = await customer.get(String(res.headers.location));
    expect(text(done.body)).toContain(`You accepted ${c.partner.name} as your reseller`);

    const after = await relationshipRow(rid);
    expect(after.status).toBe('active');
    expect(after.responder_name).toBe('Hana Harbor');
    const gdapDays = (new Date(after.gdap_expires_at).getTime() - new Date(after.responded_at).getTime()) / 86_400_000;
    expect(Math.round(gdapDays)).toBe(180);
    expect(names((await c.client.get('/customers?relationship=active')).body)).toEqual(['Harbor Freight Co']);
    // The partner is told: a notification for the inviter, with an email through the outbox.
    const notes = await knex('notifications').where({ user_id: c.user.id, type: 'relationship.accepted' });
    expect(notes).toHaveLength(1);
    expect(await knex('outbox_emails').where({ to_email: c.user.email }).whereLike('subject', '%Harbor Freight Co accepted%').first()).toBeTruthy();
    // The trail records the invitation and the answer.
    const actions = (await knex('audit_events').where({ entity_type: 'customer_relationship', entity_id: String(rid) }).orderBy('id')).map((e) => e.action);
    expect(actions).toEqual(['invited', 'accepted']);
  });

  it('tells the partner when the customer declines, and the account shows as declined', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Declining Dairy' });
    const { rid, link } = await invite(c, id);
    const customer = new Client(t.app);
    await customer.get(link);
    const res = await customer.post(link, { decision: 'decline' });
    expect(res.statusCode).toBe(303);
    expect(text((await customer.get(link)).body)).toContain(`You declined the request from ${c.partner.name}`);
    expect((await relationshipRow(rid)).status).toBe('declined');
    expect(text((await c.client.get(`/customers/${id}`)).body)).toContain('Declined by the customer');
    expect(await knex('notifications').where({ user_id: c.user.id, type: 'relationship.declined' })).toHaveLength(1);
  });

  it('refuses a request without any rights, and a granular request longer than two years', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Rightless Rail' });
    await c.client.get(`/customers/${id}/relationship/new`);
    const none = await c.client.post(`/customers/${id}/relationship/new`, {});
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('<a href="#dap">');
    const long = await c.client.post(`/customers/${id}/relationship/new`, { gdap_roles: 'user_admin', gdap_days: '731' });
    expect(long.statusCode).toBe(422);
    expect(long.body).toContain('<a href="#gdap_days">');
    const badRole = await c.client.post(`/customers/${id}/relationship/new`, { gdap_roles: 'global_admin', gdap_days: '365' });
    expect(badRole.statusCode).toBe(422);
    expect(await knex('customer_relationships').where({ account_id: id })).toHaveLength(0);
  });

  it('lets the partner edit the text, keeps the link in it, and sends it to a chosen contact', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Editable Engines' });
    await c.client.post(`/customers/${id}/contacts`, { name: 'Eve Engine', email: 'eve@engines.example' });
    const { rid, link } = await invite(c, id);
    const url = `/customers/${id}/relationship/${rid}`;
    const saved = await c.client.post(url, { action: 'save', message: 'Hi Eve, please accept our request.' });
    expect(saved.statusCode).toBe(303);
    const draft = await c.client.get(url);
    expect(text(draft.body)).toContain('The link had been removed, so it was put back at the end');
    const message = (await relationshipRow(rid)).message as string;
    expect(message.startsWith('Hi Eve, please accept our request.')).toBe(true);
    expect(message.trimEnd().endsWith(link)).toBe(true);

    const noContact = await c.client.post(url, { action: 'send', message: 'Hello', contact_id: '' });
    expect(noContact.statusCode).toBe(422);
    expect(noContact.body).toContain('<a href="#contact_id">');
    expect(noContact.body).toContain('>Hello</textarea>');

    const contactId = /<option value="(\d+)"[^>]*>Eve Engine/.exec(draft.body)![1]!;
    const sent = await c.client.post(url, { action: 'send', message: `Dear Eve,\n\nplease see ${t.app.portalConfig.publicUrl}${link}`, contact_id: contactId });
    expect(sent.statusCode).toBe(303);
    const mail = await knex('outbox_emails').where({ to_email: 'eve@engines.example' }).first();
    expect(mail.subject).toBe(`${c.partner.name} asks to become your reseller`);
    expect(mail.body_text).toContain(link);
    expect(text((await c.client.get(url)).body)).toContain('to eve@engines.example');
  });

  it('shows the copy button only to scripts, with the text area always there to select', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Copy Cats' });
    const { page } = await invite(c, id);
    expect(page.body).toMatch(/<p class="copy-row" hidden data-copy-row>/);
    expect(page.body).toMatch(/<textarea id="message" name="message"/);
  });
});

describe('links that no longer work', () => {
  it('refuses a tampered link, changing nothing', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Tamper Tools' });
    const { rid, link } = await invite(c, id);
    const [, idPart, expiry, sig] = /\/relationships\/(\d+)\.(\d+)\.(.+)$/.exec(link)!;
    const customer = new Client(t.app);
    for (const bad of [
      `/relationships/${Number(idPart) + 1}.${expiry}.${sig}`,
      `/relationships/${idPart}.${Number(expiry) + 86_400}.${sig}`,
      `/relationships/${idPart}.${expiry}.${sig!.slice(0, -1)}${sig!.endsWith('A') ? 'B' : 'A'}`,
      '/relationships/not-a-token',
    ]) {
      const res = await customer.get(bad);
      expect(res.statusCode).toBe(404);
      expect(errorTitle(res)).toBe('Link not valid');
      expect((await customer.post(bad, { decision: 'accept', name: 'X', authorised: 'yes' })).statusCode).toBe(404);
    }
    expect((await relationshipRow(rid)).status).toBe('invited');
  });

  it('says an expired link has expired and changes nothing', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Expired Exports' });
    const { rid } = await invite(c, id);
    const past = new Date(Date.now() - 86_400_000);
    await knex('customer_relationships').where({ id: rid }).update({ expires_at: past });
    const link = `/relationships/${signedToken(t.app.portalConfig.linkSecret, 'customer-relationship', rid, past)}`;
    const customer = new Client(t.app);
    const res = await customer.get(link);
    expect(res.statusCode).toBe(410);
    expect(errorTitle(res)).toBe('Invitation expired');
    expect((await customer.post(link, { decision: 'accept', name: 'Late Larry', authorised: 'yes' })).statusCode).toBe(410);
    expect((await relationshipRow(rid)).status).toBe('invited');
  });

  it('answers a second acceptance with the answer on record, changing nothing', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Twice Tiles' });
    const { rid, link } = await invite(c, id);
    await accept(link, 'First Person');
    const first = await relationshipRow(rid);
    const again = new Client(t.app);
    await again.get(link);
    const res = await again.post(link, { decision: 'decline' });
    expect(res.statusCode).toBe(303);
    const after = await relationshipRow(rid);
    expect(after.status).toBe('active');
    expect(after.responder_name).toBe('First Person');
    expect(new Date(after.responded_at).getTime()).toBe(new Date(first.responded_at).getTime());
    expect(await knex('notifications').where({ user_id: c.user.id, type: 'relationship.accepted' })).toHaveLength(1);
  });

  it('refuses the link of a replaced invitation and of a removed relationship', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Replaced Rugs' });
    const first = await invite(c, id);
    const second = await invite(c, id);
    const customer = new Client(t.app);
    const old = await customer.get(first.link);
    expect(old.statusCode).toBe(410);
    expect(errorTitle(old)).toBe('Invitation replaced');
    expect((await relationshipRow(first.rid)).status).toBe('superseded');

    await accept(second.link);
    await c.client.get(`/customers/${id}/relationship/remove`);
    expect((await c.client.post(`/customers/${id}/relationship/remove`, { confirm: 'yes' })).statusCode).toBe(303);
    const removed = await customer.get(second.link);
    expect(removed.statusCode).toBe(410);
    expect(errorTitle(removed)).toBe('Relationship ended');
    expect((await customer.post(second.link, { decision: 'accept', name: 'Again', authorised: 'yes' })).statusCode).toBe(410);
    expect((await relationshipRow(second.rid)).status).toBe('removed');
  });
});

describe('removing a relationship', () => {
  it('needs the legal notice confirmed, ends DAP at once and keeps GDAP until its end date', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'Removal Robotics' });
    const { rid, link } = await invite(c, id, { dap: 'yes', gdap_roles: 'helpdesk_admin', gdap_days: '90' });
    await accept(link);
    const confirm = await c.client.get(`/customers/${id}/relationship/remove`);
    const notice = text(confirm.body);
    expect(notice).toContain('in good faith, for a legitimate business purpose');
    expect(notice).toContain('The portal does not send the customer a termination notice');
    expect(notice).toContain('Full delegated administration (DAP) ends immediately');
    expect(notice).toMatch(/Granular delegated roles \(GDAP\) stay in force until/);

    const unconfirmed = await c.client.post(`/customers/${id}/relationship/remove`, {});
    expect(unconfirmed.statusCode).toBe(422);
    expect(unconfirmed.body).toContain('<a href="#confirm">');
    expect((await relationshipRow(rid)).status).toBe('active');

    expect((await c.client.post(`/customers/${id}/relationship/remove`, { confirm: 'yes' })).statusCode).toBe(303);
    const row = await relationshipRow(rid);
    expect(row.status).toBe('removed');
    expect(row.dap_ended_at).not.toBeNull();
    expect(row.gdap_revoked_at).toBeNull();
    expect(new Date(row.gdap_expires_at).getTime()).toBeGreaterThan(Date.now() + 89 * 86_400_000);
    const page = text((await c.client.get(`/customers/${id}`)).body);
    expect(page).toContain('There is no reseller relationship with this customer');
    expect(page).toMatch(/Earlier relationships and invitations .*Removed .*Full delegated administration ended on .*In force until/);
    // It leaves the active list but stays in the book, and the trail says who removed it and that the notice was confirmed.
    expect(names((await c.client.get('/customers?relationship=active')).body)).toEqual([]);
    expect(names((await c.client.get('/customers?relationship=removed')).body)).toEqual(['Removal Robotics']);
    const entry = await knex('audit_events').where({ entity_type: 'customer_relationship', entity_id: String(rid), action: 'removed' }).first();
    expect(entry.actor_user_id).toBe(c.user.id);
    expect(entry.after.legal_notice_confirmed).toBe(true);

    // Granular roles can then be revoked separately.
    expect((await c.client.post(`/customers/${id}/relationship/${rid}/revoke-roles`, {})).statusCode).toBe(303);
    expect((await relationshipRow(rid)).gdap_revoked_at).not.toBeNull();
    expect((await c.client.post(`/customers/${id}/relationship/${rid}/revoke-roles`, {})).statusCode).toBe(409);
  });

  it('archives instead of deleting a customer with relationship history, and blocks it while active', async () => {
    const c = await company();
    const id = await addCustomer(c, { name: 'History House' });
    const { link } = await invite(c, id);
    await accept(link);
    expect(text((await c.client.get(`/customers/${id}/delete`)).body)).toContain('Remove the relationship before deleting');
    expect((await c.client.post(`/customers/${id}/delete`, {})).statusCode).toBe(409);
    await c.client.get(`/customers/${id}/relationship/remove`);
    await c.client.post(`/customers/${id}/relationship/remove`, { confirm: 'yes' });
    expect(text((await c.client.get(`/customers/${id}/delete`)).body)).toContain('will be archived instead of deleted');
    expect((await c.client.post(`/customers/${id}/delete`, {})).statusCode).toBe(303);
    expect((await knex('customer_accounts').where({ id }).first()).status).toBe('archived');
    expect(names((await c.client.get('/customers')).body)).toEqual([]);
    expect(names((await c.client.get('/customers?archived=yes')).body)).toEqual(['History House']);
    expect((await c.client.post(`/customers/${id}/restore`, {})).statusCode).toBe(303);
    expect(names((await c.client.get('/customers')).body)).toEqual(['History House']);
  });
});

describe('two-tier relationships', () => {
  async function linked() {
    const provider = await company();
    const reseller = await company();
    const staff = await signedIn(t.app, (await createUser(knex, { role: 'channel_manager' })).email, TEST_PASSWORD);
    await staff.get('/admin/two-tier');
    const res = await staff.post('/admin/two-tier', { reseller: String(reseller.partner.id), provider: String(provider.partner.id) });
    expect(res.statusCode).toBe(303);
    return { provider, reseller, staff };
  }

  it('lets staff link a reseller to a provider, refusing the same pair twice or a partner with itself', async () => {
    const { provider, reseller, staff } = await linked();
    const again = await staff.post('/admin/two-tier', { reseller: String(reseller.partner.id), provider: String(provider.partner.id) });
    expect(again.statusCode).toBe(422);
    const self = await staff.post('/admin/two-tier', { reseller: String(reseller.partner.id), provider: String(reseller.partner.id) });
    expect(self.statusCode).toBe(422);
    expect(self.body).toContain('<a href="#provider">');
    expect((await reseller.client.get('/admin/two-tier')).statusCode).toBe(403);
  });

  it('shares the accepted customer with the provider, without the reseller\'s notes or contacts', async () => {
    const { provider, reseller } = await linked();
    const id = await addCustomer(reseller, { name: unique('Shared Shipyards'), country: 'SK', notes: 'Private: margin is thin' });
    await reseller.client.post(`/customers/${id}/contacts`, { name: 'Secret Sam', email: 'sam@shipyards.example' });
    const name = (await knex('customer_accounts').where({ id }).first()).name;

    // Before acceptance the provider sees nothing of it.
    const { link } = await invite(reseller, id, { dap: 'yes', provider: String(provider.partner.id) });
    expect((await provider.client.get(`/customers/${id}`)).statusCode).toBe(404);
    expect(text((await provider.client.get('/customers')).body)).not.toContain(name);
    const customer = new Client(t.app);
    expect(text((await customer.get(link)).body)).toContain(`together with its distributor ${provider.partner.name}`);

    await accept(link);
    const list = await provider.client.get(`/customers?q=${encodeURIComponent(name)}`);
    expect(text(list.body)).toContain(name);
    expect(text(list.body)).toContain('Shared by reseller');
    const page = await provider.client.get(`/customers/${id}`);
    expect(page.statusCode).toBe(200);
    const seen = text(page.body);
    expect(seen).toContain(reseller.partner.name);
    expect(seen).not.toContain('margin is thin');
    expect(seen).not.toContain('Secret Sam');
    // Read-only: the provider cannot edit, delete, invite or remove.
    for (const path of [`/customers/${id}/edit`, `/customers/${id}/delete`, `/customers/${id}/relationship/new`, `/customers/${id}/relationship/remove`]) {
      expect((await provider.client.get(path)).statusCode).toBe(404);
    }
    expect((await provider.client.post(`/customers/${id}/edit`, { name: 'Hijacked', version: '1' })).statusCode).toBe(404);
    // Both partners' admins hear of the acceptance.
    expect(await knex('notifications').where({ user_id: provider.user.id, type: 'relationship.accepted' })).toHaveLength(1);

    // The database itself holds the line: as the provider, the notes and contacts are not there at all.
    const rows = await inContext(knex, { context: 'partner', userId: provider.user.id, partnerId: provider.partner.id }, async (db): Promise<{ account: { name: string } | undefined; notes: unknown[]; links: unknown[]; update: number }> => ({
      account: await db('customer_accounts').where({ id }).first(),
      notes: await db('customer_account_notes').where({ account_id: id }),
      links: await db('customer_account_contacts').where({ account_id: id }),
      update: await db('customer_accounts').where({ id }).update({ name: 'Hijacked' }),
    }));
    expect(rows.account?.name).toBe(name);
    expect(rows.notes).toEqual([]);
    expect(rows.links).toEqual([]);
    expect(rows.update).toBe(0);
  });

  it('refuses a provider the reseller is not linked to', async () => {
    const reseller = await company();
    const stranger = await company();
    const id = await addCustomer(reseller, { name: 'Unlinked Union' });
    await reseller.client.get(`/customers/${id}/relationship/new`);
    const res = await reseller.client.post(`/customers/${id}/relationship/new`, { dap: 'yes', provider: String(stranger.partner.id) });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#provider">');
  });
});

describe('isolation of relationships', () => {
  it('gives another partner 404 for every relationship route and id, and never shows its customers', async () => {
    const alpha = await company();
    const beta = await company();
    const id = await addCustomer(alpha, { name: unique('Alpha Only') });
    const name = (await knex('customer_accounts').where({ id }).first()).name;
    const { rid, link } = await invite(alpha, id);
    await accept(link);
    await beta.client.get('/customers');
    const gets = [
      `/customers/${id}`, `/customers/${id}/relationship/new`, `/customers/${id}/relationship/${rid}`, `/customers/${id}/relationship/remove`,
      `/customers/${id}/delete`, `/customers/${id}/edit`,
    ];
    for (const path of gets) expect((await beta.client.get(path)).statusCode, path).toBe(404);
    const posts: [string, Record<string, string>][] = [
      [`/customers/${id}/relationship/new`, { dap: 'yes' }],
      [`/customers/${id}/relationship/${rid}`, { action: 'save', message: 'x' }],
      [`/customers/${id}/relationship/remove`, { confirm: 'yes' }],
      [`/customers/${id}/relationship/${rid}/revoke-roles`, {}],
      [`/customers/${id}/restore`, {}],
    ];
    for (const [path, form] of posts) expect((await beta.client.post(path, form)).statusCode, path).toBe(404);
    // Beta's own account with Alpha's relationship id in the path is still a 404.
    const own = await addCustomer(beta, { name: 'Beta Own' });
    expect((await beta.client.get(`/customers/${own}/relationship/${rid}`)).statusCode).toBe(404);
    for (const q of [name, 'Alpha Only']) expect(text((await beta.client.get(`/customers?q=${encodeURIComponent(q)}`)).body)).not.toContain(name);
    expect(text((await beta.client.get('/customers?relationship=active')).body)).not.toContain(name);
    expect((await relationshipRow(rid)).status).toBe('active');
  });
});

describe('customer import', () => {
  it('imports the valid rows and reports each rejected one by line, column and reason', async () => {
    const c = await company();
    await addCustomer(c, { name: 'Already There', website: 'already.example' });
    const csv = [
      'name,website,country,size,contact_name,contact_email',
      'Good One,good-one.example,DE,11-50,Gina Good,gina@good-one.example',
      ',missing-name.example,DE,,,',
      'Bad Email,bad-email.example,AT,,Bob Bad,not-an-email',
      'Nowhere Ltd,nowhere.example,XX,,,',
      'Dup In Book,already.example,DE,,,',
      'Dup In File,good-one.example,DE,,,',
      'Good Two;semicolon,good-two.example,cz,,,',
    ].join('\n');
    const latin1 = Buffer.concat([Buffer.from(`${csv}\n`), Buffer.from('M\xfcller GmbH,mueller.example,DE,,,\n', 'latin1')]);
    await c.client.get('/customers/import');
    const res = await c.client.postFile('/customers/import', {}, { field: 'file', filename: 'customers.csv', content: latin1 });
    expect(res.statusCode).toBe(303);
    const report = await c.client.get(String(res.headers.location));
    const rows = [...report.body.matchAll(/<tr><td>(\d+)<\/td><td><code>([a-z_]+)<\/code><\/td><td>([^<]+)<\/td><\/tr>/g)].map((m) => [Number(m[1]), m[2], m[3]]);
    expect(rows).toEqual([
      [3, 'name', 'Name is missing'],
      [4, 'contact_email', 'Not an email address'],
      [5, 'country', 'Unknown country code'],
      [6, 'website', 'A customer with this website domain is already in your list'],
      [7, 'website', 'Same website domain as an earlier row'],
      [9, 'name', 'Not UTF-8 text: save the file as CSV UTF-8'],
    ]);
    expect(text(report.body)).toMatch(/2 customers imported 6 rows not imported/);
    const list = names((await c.client.get('/customers')).body);
    expect(list).toEqual(['Already There', 'Good One', 'Good Two;semicolon']);
    const good = await knex('customer_accounts').where({ partner_id: c.partner.id, name: 'Good Two;semicolon' }).first();
    expect(good.country).toBe('CZ');

    const rejects = await c.client.get(`${String(res.headers.location)}/rejects.csv`);
    expect(rejects.headers['content-type']).toMatch(/text\/csv/);
    const lines = rejects.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('name,website,country,industry,size,address,notes,contact_name,contact_email,contact_phone,contact_job_title,line,problems');
    expect(lines[2]).toContain('not-an-email');
    expect(lines[2]).toContain('contact_email: Not an email address');
  });

  it('refuses a file it cannot read as a whole, importing nothing', async () => {
    const c = await company();
    await c.client.get('/customers/import');
    const noName = await c.client.postFile('/customers/import', {}, { field: 'file', filename: 'x.csv', content: 'company,website\nAcme,acme.example\n' });
    expect(noName.statusCode).toBe(422);
    expect(noName.body).toContain('<a href="#file">');
    expect(text(noName.body)).toContain('The file has no "name" column');
    const broken = await c.client.postFile('/customers/import', {}, { field: 'file', filename: 'x.csv', content: 'name,website\n"Acme,acme.example\nOther,other.example\n' });
    expect(broken.statusCode).toBe(422);
    const none = await c.client.postFile('/customers/import', {}, { field: 'file', filename: 'x.csv', content: '' });
    expect(none.statusCode).toBe(422);
    expect(await knex('customer_accounts').where({ partner_id: c.partner.id })).toHaveLength(0);
  });

  it('reads semicolon-separated files with a byte-order mark, as spreadsheets write them', async () => {
    const c = await company();
    await c.client.get('/customers/import');
    const res = await c.client.postFile('/customers/import', {}, { field: 'file', filename: 'excel.csv', content: '\uFEFFName;Website;Country;Notes\nŠkoda Partner;skoda-partner.example;CZ;"Notes; with a semicolon"\n' });
    expect(res.statusCode).toBe(303);
    const account = await knex('customer_accounts').where({ partner_id: c.partner.id }).first();
    expect(account.name).toBe('Škoda Partner');
    expect((await knex('customer_account_notes').where({ account_id: account.id }).first()).notes).toBe('Notes; with a semicolon');
  });

  it('needs the CSRF token like every other form, and keeps import reports within the company', async () => {
    const c = await company();
    const other = await company();
    await c.client.get('/customers/import');
    const forged = await c.client.postFile('/customers/import', { _csrf: 'wrong' }, { field: 'file', filename: 'x.csv', content: 'name\nForged\n' });
    expect(forged.statusCode).toBe(403);
    const res = await c.client.postFile('/customers/import', {}, { field: 'file', filename: 'x.csv', content: 'name,country\nOk Co,DE\nBad Co,ZZ\n' });
    const report = String(res.headers.location);
    expect((await other.client.get(report)).statusCode).toBe(404);
    expect((await other.client.get(`${report}/rejects.csv`)).statusCode).toBe(404);
  });
});

const names = (body: string) => [...body.matchAll(/<a href="\/customers\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

describe('the demo two-tier relationship', () => {
  it('shows Delta\'s shared customer to Beta as shared, and to no one else', async () => {
    const shared = 'Bratislavské vodárne';
    const beta = await signedIn(t.app, 'carla@beta.example');
    const list = text((await beta.get(`/customers?q=${encodeURIComponent('Bratislav')}`)).body);
    expect(list).toContain(shared);
    expect(list).toContain('Shared by reseller');
    // Delta's other customers stay Delta's alone, even one invited with Beta as provider until it accepts.
    for (const other of ['Košická', 'Kysucký']) expect(text((await beta.get(`/customers?q=${encodeURIComponent(other)}`)).body)).not.toContain(other);
    const delta = await signedIn(t.app, 'dora@delta.example');
    expect(text((await delta.get(`/customers?q=${encodeURIComponent('Bratislav')}`)).body)).toContain(shared);
    const alpha = await signedIn(t.app, 'anna@alpha.example');
    expect(text((await alpha.get(`/customers?q=${encodeURIComponent('Bratislav')}`)).body)).not.toContain(shared);
  });

  it('gives Alpha and Beta every relationship state', async () => {
    for (const email of ['anna@alpha.example', 'carla@beta.example']) {
      const client = await signedIn(t.app, email);
      for (const state of ['none', 'invited', 'active', 'declined', 'removed']) {
        expect(names((await client.get(`/customers?relationship=${state}`)).body).length, `${email} ${state}`).toBeGreaterThan(0);
      }
    }
  });
});
