import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedIn, text } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import { signedInCompany } from '../support/company.ts';

let t: TestApp;
let knex: Knex;
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
});
afterAll(async () => t.close());

/** A fresh company with a signed-in user (partner admin unless told otherwise). */
const company = (role?: 'partner_admin' | 'sales_agent') => signedInCompany(t, role);

async function addCustomer(client: Awaited<ReturnType<typeof company>>['client'], fields: Record<string, string>) {
  await client.get('/customers/new');
  const res = await client.post('/customers/new', fields);
  expect(res.statusCode).toBe(303);
  return Number(/\/customers\/(\d+)$/.exec(String(res.headers.location))![1]);
}

const names = (body: string) => [...body.matchAll(/<a href="\/customers\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

describe('the customer book', () => {
  it('adds a customer, refusing bad input with 422 and the values kept', async () => {
    const { client } = await company();
    await client.get('/customers/new');
    const bad = await client.post('/customers/new', { name: '', website: 'not a site', country: 'XX', size: 'huge', industry: 'Retail' });
    expect(bad.statusCode).toBe(422);
    for (const field of ['name', 'website', 'country', 'size']) expect(bad.body).toContain(`<a href="#${field}">`);
    expect(bad.body).toContain('value="Retail"');
    const id = await addCustomer(client, { name: 'Acme Retail', website: 'https://www.acme-retail.example/shop', country: 'DE', industry: 'Retail', size: '51-200', notes: 'Met at the fair' });
    const page = text((await client.get(`/customers/${id}`)).body);
    expect(page).toContain('Acme Retail');
    expect(page).toContain('acme-retail.example');
    expect(page).toContain('51-200 employees');
    expect(names((await client.get('/customers')).body)).toEqual(['Acme Retail']);
  });

  it('finds customers by name, website domain, or a contact\'s name or email, and filters by country', async () => {
    const { client } = await company();
    const a = await addCustomer(client, { name: 'Zebra Foods', website: 'zebra.example', country: 'AT' });
    await addCustomer(client, { name: 'Yak Mining', website: 'yak-mining.example', country: 'DE' });
    await client.post(`/customers/${a}/contacts`, { name: 'Quentin Quill', email: 'quentin@unusual.example' });
    expect(names((await client.get('/customers?q=zebra')).body)).toEqual(['Zebra Foods']);
    expect(names((await client.get('/customers?q=yak-mining')).body)).toEqual(['Yak Mining']);
    expect(names((await client.get('/customers?q=QUILL')).body)).toEqual(['Zebra Foods']);
    expect(names((await client.get('/customers?q=unusual.example')).body)).toEqual(['Zebra Foods']);
    expect(names((await client.get('/customers?country=DE')).body)).toEqual(['Yak Mining']);
    expect(names((await client.get('/customers?q=%25')).body)).toEqual([]);
    const live = await client.get('/customers?q=zebra', { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(live.body.trimStart()).toMatch(/^<section id="customer-results"/);
    expect(String(live.headers.vary)).toMatch(/HX-Request/);
  });

  it('pages by name with a cursor: every customer once, none twice', async () => {
    const { partner, client } = await company();
    const rows = Array.from({ length: 30 }, (_, i) => ({ partner_id: partner.id, name: `Customer ${String(i).padStart(2, '0')}` }));
    await knex('customer_accounts').insert(rows);
    const first = await client.get('/customers');
    const page1 = names(first.body);
    expect(page1).toHaveLength(25);
    const next = /<a href="([^"]+)" rel="next">/.exec(first.body)![1]!.replace(/&amp;/g, '&');
    const page2 = names((await client.get(next)).body);
    expect(page2).toHaveLength(5);
    expect([...page1, ...page2]).toEqual(rows.map((r) => r.name));
    expect((await client.get('/customers?after=garbage')).statusCode).toBe(200);
  });

  it('refuses a stale edit with 409 and keeps the typed values', async () => {
    const { client } = await company();
    const id = await addCustomer(client, { name: 'Original Name' });
    const form = await client.get(`/customers/${id}/edit`);
    const version = /name="version" value="(\d+)"/.exec(form.body)![1]!;
    expect((await client.post(`/customers/${id}/edit`, { name: 'First Save', version })).statusCode).toBe(303);
    const stale = await client.post(`/customers/${id}/edit`, { name: 'Second Save', version });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('value="Second Save"');
    expect(text(stale.body)).toContain('Changed by someone else');
    expect((await knex('customer_accounts').where('id', id).first('name')).name).toBe('First Save');
  });

  it('adds, links, edits in place and unlinks contacts', async () => {
    const { client } = await company();
    const a = await addCustomer(client, { name: 'Alder Works' });
    const b = await addCustomer(client, { name: 'Birch Works' });
    expect((await client.post(`/customers/${a}/contacts`, { name: '' })).statusCode).toBe(422);
    // A fresh address: on a reused server database, earlier runs left other companies' Coras behind.
    const cora = `cora.${unique('c')}@alder.example`;
    expect((await client.post(`/customers/${a}/contacts`, { name: 'Cora Contact', email: cora, job_title: 'CIO' })).statusCode).toBe(303);
    const contactId = (await knex('customer_contacts').where('email', cora).first('id')).id;
    // The same person, linked to a second account of the same book.
    expect((await client.post(`/customers/${b}/contacts/link`, { contact_id: String(contactId) })).statusCode).toBe(303);
    expect(text((await client.get(`/customers/${b}`)).body)).toContain('Cora Contact');

    const editFragment = await client.get(`/customers/${a}/contacts/${contactId}/edit`, { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(editFragment.body.trimStart()).toMatch(new RegExp(`^<tr id="contact-${contactId}" class="editing">`));
    const version = /name="version" value="(\d+)"/.exec(editFragment.body)![1]!;
    const saved = await client.post(`/customers/${a}/contacts/${contactId}/edit`, { name: 'Cora Changed', email: cora, version }, { htmx: true });
    expect(saved.statusCode).toBe(303);
    const row = await client.get(String(saved.headers.location), { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(row.body.trimStart()).toMatch(new RegExp(`^<tr id="contact-${contactId}">`));
    expect(text(row.body)).toContain('Cora Changed');
    // Without JavaScript the edit form is a page of its own.
    const page = await client.get(`/customers/${a}/contacts/${contactId}/edit`);
    expect(page.body).toContain('<html');

    expect((await client.post(`/customers/${b}/contacts/${contactId}/unlink`)).statusCode).toBe(303);
    // The contacts table, not the "link a contact you already have" list, where Cora now appears.
    const contactsOf = async (id: number) => text((await client.get(`/customers/${id}`)).body.split('id="contacts-title"')[1]!.split('id="add-contact-title"')[0]!);
    expect(await contactsOf(b)).not.toContain('Cora Changed');
    expect(await contactsOf(a)).toContain('Cora Changed');
    expect((await client.get(`/customers/${b}`)).body).toMatch(new RegExp(`<option value="${contactId}">Cora Changed`));
  });

  it('deletes after confirmation', async () => {
    const { client } = await company();
    const id = await addCustomer(client, { name: 'Short Lived' });
    expect(text((await client.get(`/customers/${id}/delete`)).body)).toContain('Delete Short Lived?');
    expect((await client.post(`/customers/${id}/delete`)).statusCode).toBe(303);
    expect((await client.get(`/customers/${id}`)).statusCode).toBe(404);
  });

  it('exports the filtered list as CSV that spreadsheets open safely', async () => {
    const { client } = await company();
    await addCustomer(client, { name: '=HYPERLINK("x")', country: 'DE' });
    await addCustomer(client, { name: 'Comma, Inc', country: 'AT' });
    const csv = await client.get('/customers/export.csv?country=AT');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body).toContain('"Comma, Inc"');
    expect(csv.body).not.toContain('HYPERLINK');
    const all = await client.get('/customers/export.csv');
    expect(all.body).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('lets a sales agent work with the company\'s customers, and keeps an applicant out', async () => {
    const { client } = await company('sales_agent');
    await addCustomer(client, { name: 'Agent Customer' });
    const applicant = await createPartner(knex, { status: 'applicant' });
    const contact = await createUser(knex, { partnerId: applicant.id });
    expect((await (await signedIn(t.app, contact.email, TEST_PASSWORD)).get('/customers')).statusCode).toBe(403);
  });
});

describe('the wall between customer books', () => {
  it("answers 404 to every id of another partner's customers and contacts, and never lists them", async () => {
    const a = await company();
    const b = await company();
    const secret = unique('Secret Customer');
    const aId = await addCustomer(a.client, { name: secret, website: 'secret.example' });
    await a.client.post(`/customers/${aId}/contacts`, { name: 'Hidden Person', email: 'hidden@secret.example' });
    const aContact = (await knex('customer_contacts').where('email', 'hidden@secret.example').orderBy('id', 'desc').first('id')).id;
    const bId = await addCustomer(b.client, { name: 'B Own' });

    for (const path of [`/customers/${aId}`, `/customers/${aId}/edit`, `/customers/${aId}/delete`, `/customers/${aId}/contacts/${aContact}`, `/customers/${aId}/contacts/${aContact}/edit`]) {
      expect((await b.client.get(path)).statusCode, path).toBe(404);
    }
    for (const [path, form] of [
      [`/customers/${aId}/edit`, { name: 'Taken', version: '1' }],
      [`/customers/${aId}/delete`, {}],
      [`/customers/${aId}/contacts`, { name: 'Mole' }],
      [`/customers/${aId}/contacts/${aContact}/unlink`, {}],
      [`/customers/${aId}/contacts/${aContact}/edit`, { name: 'Mole', version: '1' }],
    ] as const) {
      expect((await b.client.post(path, form)).statusCode, path).toBe(404);
    }
    // Linking A's contact to B's own account: the contact is not in B's book.
    expect((await b.client.post(`/customers/${bId}/contacts/link`, { contact_id: String(aContact) })).statusCode).toBe(422);
    for (const q of ['', `?q=${encodeURIComponent(secret)}`, '?q=secret.example', '?q=hidden']) {
      // The results, not the search box (which shows what was typed).
      const results = (await b.client.get(`/customers${q}`)).body.split('<section id="customer-results"')[1]!;
      expect(results).not.toContain(secret);
      expect(results).not.toContain('Hidden Person');
    }
    expect((await b.client.get('/customers/export.csv')).body).not.toContain(secret);
    expect((await knex('customer_accounts').where('id', aId).first('name')).name).toBe(secret);
  });

  it("shows staff every partner's customers with their owner, read-only, and keeps the vendor's book from partners", async () => {
    const a = await company();
    const name = unique('Overseen');
    const id = await addCustomer(a.client, { name });
    const manager = await signedIn(t.app, 'manager@lumen.example');
    const list = await manager.get(`/admin/customers?q=${encodeURIComponent(name)}`);
    expect(text(list.body)).toContain(a.partner.name);
    expect(text((await manager.get(`/admin/customers/${id}`)).body)).toContain(name);
    expect((await manager.get(`/customers/${id}`)).statusCode).toBe(403);

    const vendor = await manager.get('/admin/accounts');
    expect(vendor.statusCode).toBe(200);
    const vendorId = Number(/<a href="\/admin\/accounts\/(\d+)">/.exec(vendor.body)![1]);
    expect((await a.client.get('/admin/accounts')).statusCode).toBe(403);
    expect((await a.client.get(`/customers/${vendorId}`)).statusCode).toBe(404);
    expect((await manager.get(`/admin/customers/${vendorId}`)).statusCode).toBe(404);
    // Read-only for a channel manager: no edit link, and the edit route is refused.
    expect((await manager.get(`/admin/customers/${id}`)).body).not.toContain(`/admin/customers/${id}/edit`);
    expect((await manager.get(`/admin/customers/${id}/edit`)).statusCode).toBe(403);
  });

  it("lets a channel admin correct a partner's customer, kept in the partner's book and audited", async () => {
    const a = await company();
    const id = await addCustomer(a.client, { name: unique('Misspeled'), notes: 'Partner note' });
    const admin = await signedIn(t.app, (await createUser(knex, { role: 'channel_admin' })).email, TEST_PASSWORD);
    expect((await admin.get(`/admin/customers/${id}`)).body).toContain(`/admin/customers/${id}/edit`);
    const form = await admin.get(`/admin/customers/${id}/edit`);
    expect(form.statusCode).toBe(200);
    const version = /name="version" value="(\d+)"/.exec(form.body)![1]!;
    const bad = await admin.post(`/admin/customers/${id}/edit`, { name: '', version, notes: 'Partner note' });
    expect(bad.statusCode).toBe(422);
    const res = await admin.post(`/admin/customers/${id}/edit`, { name: 'Misspelled Corrected', country: 'AT', notes: 'Partner note', version });
    expect(res.statusCode).toBe(303);
    const row = await knex('customer_accounts').where({ id }).first();
    expect(row).toMatchObject({ name: 'Misspelled Corrected', country: 'AT', partner_id: a.partner.id });
    expect((await knex('customer_account_notes').where({ account_id: id }).first()).notes).toBe('Partner note');
    expect(text((await a.client.get(`/customers/${id}`)).body)).toContain('Misspelled Corrected');
    const entry = await knex('audit_events').where({ entity_type: 'customer', entity_id: String(id), action: 'updated' }).first();
    expect(entry.partner_id).toBe(a.partner.id);
    const stale = await admin.post(`/admin/customers/${id}/edit`, { name: 'Older Edit', notes: 'Partner note', version });
    expect(stale.statusCode).toBe(409);
  });
});
