import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp, openPrivateDatabase } from '../support/app.ts';
import { Client, signedIn, text, hidden, errorTitle } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import type { Database } from '../../src/db/connect.ts';
import { translator } from '../../src/i18n/index.ts';

/** The vendor's catalog (products), the public program page and the public partner directory. */
let t: TestApp;
let knex: Knex;
const freshStaff: number[] = [];
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
});
afterAll(async () => {
  // Fresh channel admins would otherwise be notified of every later application on the shared database.
  if (freshStaff.length) await knex('users').whereIn('id', freshStaff).update({ status: 'removed' });
  await t.close();
});

async function channelAdmin(app = t.app, db = knex): Promise<Client> {
  const admin = await createUser(db, { role: 'channel_admin' });
  if (db === knex) freshStaff.push(admin.id);
  return signedIn(app, admin.email, TEST_PASSWORD);
}

function product(overrides: Record<string, string> = {}) {
  return { name: unique('Lumen Test Product'), category: 'cloud', status: 'active', description_en: 'Made for a test.', description_de: '', description_cs: '', description_et: '', description_it: '', version: '', ...overrides };
}

async function productRow(name: string) {
  return knex('products').whereRaw('lower(name) = lower(?)', [name]).first('id', 'name', 'category', 'status', 'description', 'version');
}

describe('products (channel admin)', () => {
  it('creates a product, lists it, offers it to applicants, edits and retires it', async () => {
    const admin = await channelAdmin();
    expect((await admin.get('/admin/products/new')).statusCode).toBe(200);
    const form = product();
    const res = await admin.post('/admin/products/new', form);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/products');
    const created = await productRow(form.name);
    expect(created).toMatchObject({ name: form.name, category: 'cloud', status: 'active', description: { en: 'Made for a test.' }, version: 1 });

    const list = await admin.get('/admin/products');
    expect(text(list.body)).toContain(`${form.name} has been saved.`);
    expect(list.body).toContain(`<a href="/admin/products/${created.id}">${form.name}</a>`);
    expect(text(list.body)).toContain(`${form.name} Cloud service Active`);
    // An active product is offered on the public application form.
    expect((await new Client(t.app).get('/apply')).body).toContain(`value="${created.id}"`);

    const edit = await admin.get(`/admin/products/${created.id}`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toContain(`value="${form.name}"`);
    expect(hidden(edit.body, 'version')).toBe('1');
    const renamed = `${form.name} Pro`;
    const saved = await admin.post(`/admin/products/${created.id}`, { ...form, name: renamed, category: 'training', status: 'retired', description_de: 'Für einen Test.', version: '1' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/admin/products');
    expect(await productRow(renamed)).toMatchObject({ id: created.id, name: renamed, category: 'training', status: 'retired', description: { en: 'Made for a test.', de: 'Für einen Test.' }, version: 2 });
    const after = await admin.get('/admin/products');
    expect(text(after.body)).toContain(`${renamed} Training Retired`);
    const editAgain = await admin.get(`/admin/products/${created.id}`);
    expect(editAgain.body).toContain('Für einen Test.</textarea>');
    expect(editAgain.body).toContain('value="retired" checked>');
    // A retired product is no longer offered to applicants, but the catalog still lists it for staff.
    expect((await new Client(t.app).get('/apply')).body).not.toContain(`value="${created.id}"`);
    expect(await knex('audit_events').where({ entity_type: 'product', entity_id: String(created.id) }).orderBy('id').pluck('action')).toEqual(['created', 'updated']);
  });

  it('refuses a name that is already taken, in any letter case, with 422 and the values kept', async () => {
    const admin = await channelAdmin();
    await admin.get('/admin/products/new');
    const duplicate = product({ name: 'LUMEN analytics', description_en: 'My typed description' });
    const res = await admin.post('/admin/products/new', duplicate);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#name">A product with this name already exists</a>');
    expect(res.body).toContain('value="LUMEN analytics"');
    expect(res.body).toContain('My typed description</textarea>');
    const [count] = await knex('products').whereRaw("lower(name) = 'lumen analytics'").count<{ n: string }[]>({ n: '*' });
    expect(Number(count!.n)).toBe(1);

    // Renaming another product to a taken name is refused the same way.
    const mine = product({ status: 'retired' });
    await admin.get('/admin/products/new');
    expect((await admin.post('/admin/products/new', mine)).statusCode).toBe(303);
    const row = await productRow(mine.name);
    await admin.get(`/admin/products/${row.id}`);
    const rename = await admin.post(`/admin/products/${row.id}`, { ...mine, name: 'Premium Support', version: '1' });
    expect(rename.statusCode).toBe(422);
    expect(rename.body).toContain('<a href="#name">A product with this name already exists</a>');
    expect(await productRow(mine.name)).toMatchObject({ id: row.id, name: mine.name, version: 1 });
  });

  it('refuses a save based on an older version with 409, showing what changed and keeping the typed values', async () => {
    const admin = await channelAdmin();
    const form = product({ status: 'retired' });
    await admin.get('/admin/products/new');
    expect((await admin.post('/admin/products/new', form)).statusCode).toBe(303);
    const { id } = await productRow(form.name);
    await admin.get(`/admin/products/${id}`);
    const first = `${form.name} First`;
    expect((await admin.post(`/admin/products/${id}`, { ...form, name: first, version: '1' })).statusCode).toBe(303);

    const typed = `${form.name} Typed`;
    const res = await admin.post(`/admin/products/${id}`, { ...form, name: typed, description_en: 'Typed description', version: '1' });
    expect(res.statusCode).toBe(409);
    expect(text(res.body)).toContain('Changed by someone else');
    expect(text(res.body)).toContain(`Name ${first}`);
    expect(res.body).toContain('<a href="#name">Someone else saved this form while you were editing it. Check their changes below, then save again</a>');
    expect(res.body).toContain(`value="${typed}"`);
    expect(res.body).toContain('Typed description</textarea>');
    expect(hidden(res.body, 'version')).toBe('2');
    expect(await productRow(first)).toMatchObject({ id, name: first, description: { en: 'Made for a test.' }, version: 2 });
  });

  it('keeps channel managers out of the catalog (403)', async () => {
    const manager = await signedIn(t.app, 'manager@lumen.example');
    const existing = await productRow('Lumen Analytics');
    const name = unique('Sneaky product');
    for (const path of ['/admin/products', '/admin/products/new', `/admin/products/${existing.id}`]) {
      const res = await manager.get(path);
      expect(res.statusCode, path).toBe(403);
      expect(errorTitle(res)).toBe('You cannot do this');
    }
    expect((await manager.post('/admin/products/new', product({ name }))).statusCode).toBe(403);
    expect((await manager.post(`/admin/products/${existing.id}`, product({ name, version: String(existing.version) }))).statusCode).toBe(403);
    expect(await productRow(name)).toBeUndefined();
    expect(await productRow('Lumen Analytics')).toEqual(existing);
  });

  it('answers 404 for a product that does not exist', async () => {
    const admin = await channelAdmin();
    for (const path of ['/admin/products/2147483000', '/admin/products/abc']) {
      expect((await admin.get(path)).statusCode, path).toBe(404);
      expect((await admin.post(path, product({ version: '1' }))).statusCode, path).toBe(404);
    }
  });
});

describe('the program page', () => {
  it('is public and renders the Markdown, in the reader’s language or in English', async () => {
    const visitor = new Client(t.app);
    const res = await visitor.get('/program');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h2>What you get</h2>');
    expect(res.body).toMatch(/<ul>\s*<li>Opportunities from our sales team/);
    expect(res.body).not.toContain('## What you get');
    expect(res.body).toContain('href="/apply"');

    const german = new Client(t.app);
    german.acceptLanguage = 'de';
    expect((await german.get('/program')).body).toContain('<h2>Was Sie bekommen</h2>');

    const czech = new Client(t.app);
    czech.acceptLanguage = 'cs';
    const fallback = await czech.get('/program');
    expect(fallback.body).toContain('<div class="prose" lang="en">');
    expect(fallback.body).toContain('<h2>What you get</h2>');
    expect(text(fallback.body)).toContain(translator('cs')('program.in_english'));
    expect(translator('cs')('program.in_english')).not.toBe(translator('en')('program.in_english'));
  });

  it('refuses a stale save of the program text with 409 and keeps what was typed', async () => {
    const admin = await channelAdmin();
    const before = await knex('vendor_settings').where('id', 1).first('program_text');
    const page = await admin.get('/admin/program');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('## What you get');
    // Version 0 never exists: this save is stale whatever other test files do meanwhile, and changes nothing.
    const res = await admin.post('/admin/program', { text_en: 'My **typed** text', text_de: '', text_cs: '', text_et: '', text_it: '', version: '0' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('<a href="#text_en">Someone else saved this form while you were editing it. Check their changes below, then save again</a>');
    expect(res.body).toContain('My **typed** text</textarea>');
    expect(Number(hidden(res.body, 'version'))).toBeGreaterThan(0);
    expect((await knex('vendor_settings').where('id', 1).first('program_text')).program_text).toEqual(before.program_text);
  });

  it('keeps the program page to channel admins (403 for a manager)', async () => {
    const manager = await signedIn(t.app, 'manager@lumen.example');
    expect((await manager.get('/admin/program')).statusCode).toBe(403);
    expect((await manager.post('/admin/program', { text_en: 'Hijacked', version: '1' })).statusCode).toBe(403);
  });

  /**
   * Saving program text changes what every other test file reads, and its version is the vendor settings'
   * version, which another file saves against. So the saving is done on a database of this test's own: a copy
   * of the seeded snapshot, or, when the run uses PostgreSQL, a freshly migrated and seeded embedded one.
   */
  it('renders script, event handler, javascript: and style payloads inert', async () => {
    let own: Database | undefined;
    let app: TestApp | undefined;
    try {
      own = await openPrivateDatabase();
      app = await createTestApp({ database: own });
      const admin = await channelAdmin(app.app, own.knex);
      const form = await admin.get('/admin/program');
      const payload = [
        '# Safe heading',
        '<script>alert(1)</script>',
        '<img src=x onerror=alert(1)>',
        '[x](javascript:alert(1))',
        '[y](JaVaScRiPt:alert(2))',
        '<a style="x">styled</a>',
        '[fine](https://example.com/ok)',
      ].join('\n\n');
      const res = await admin.post('/admin/program', { text_en: payload, text_de: '', text_cs: '', text_et: '', text_it: '', version: hidden(form.body, 'version') });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/program');

      const page = await new Client(app.app).get('/program');
      expect(page.statusCode).toBe(200);
      const prose = /<div class="prose"[^>]*>([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '';
      expect(prose).toContain('<h1>Safe heading</h1>');
      expect(prose).toContain('<a href="https://example.com/ok">fine</a>');
      expect(prose).not.toMatch(/<script/i);
      expect(prose).not.toMatch(/<img/i);
      expect(prose).not.toMatch(/<[^>]*\sonerror\s*=/i);
      expect(prose).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
      expect(prose).not.toMatch(/<[^>]*\sstyle\s*=/i);
      // The raw tags are shown as text.
      expect(prose).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(prose).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(prose).toContain('&lt;a style=&quot;x&quot;&gt;styled&lt;/a&gt;');
      // The page has no script beyond the portal's own file.
      expect(page.body.match(/<script/g)).toHaveLength(1);
      // The editor shows the text escaped inside its textarea, not as markup.
      const editor = await admin.get('/admin/program');
      expect(editor.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(editor.body).not.toContain('<script>alert(1)</script>');
    } finally {
      await app?.close();
      await own?.close();
    }
  });
});

describe('the partner directory', () => {
  const names = (body: string) => [...body.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1]);

  it('lists listed, active partners publicly, never applicants, and finds by country and language', async () => {
    const visitor = new Client(t.app);
    const res = await visitor.get('/partners/find');
    expect(res.statusCode).toBe(200);
    const all = names(res.body);
    expect(all).toContain('Alpha Solutions');
    expect(all).toContain('Beta Systems');
    expect(all).not.toContain('Gamma IT');
    expect(all).not.toContain('Omega Resellers');

    const germany = await visitor.get('/partners/find?country=DE');
    expect(germany.statusCode).toBe(200);
    expect(names(germany.body)[0]).toBe('Alpha Solutions');
    expect(names(germany.body)).not.toContain('Beta Systems');
    expect(germany.body).toContain('<option value="DE" selected>');

    const czech = await visitor.get('/partners/find?language=cs');
    expect(names(czech.body)).toContain('Beta Systems');
    expect(names(czech.body)).not.toContain('Alpha Solutions');

    const analytics = await productRow('Lumen Analytics');
    const bySpecialty = await visitor.get(`/partners/find?specialty=${analytics.id}`);
    expect(names(bySpecialty.body)).toContain('Alpha Solutions');
    expect(names(bySpecialty.body)).not.toContain('Beta Systems');
    // Unknown values are ignored rather than failing.
    const odd = await visitor.get('/partners/find?country=XX&language=%3Cscript%3E&specialty=abc');
    expect(odd.statusCode).toBe(200);
    expect(names(odd.body)).toEqual(expect.arrayContaining(['Alpha Solutions', 'Beta Systems']));
    expect(odd.body).not.toContain('<script>');
  });

  it('shows only public fields, and never unlisted, suspended or applicant companies', async () => {
    const tag = unique('dir');
    // Tuvalu and Maltese: few partners match, so these companies would rank among the results if shown.
    const profile = { country: 'TV', countries_served: ['TV'], languages: ['mt'] };
    const listed = await createPartner(knex, { name: `Listed ${tag}` });
    const unlisted = await createPartner(knex, { name: `Unlisted ${tag}` });
    const suspended = await createPartner(knex, { name: `Suspended ${tag}`, status: 'suspended' });
    const applicant = await createPartner(knex, { name: `Applicant ${tag}`, status: 'applicant' });
    const secrets = { phone: '+688 20 999 111', address: `Secret Street 7, Funafuti ${tag}`, registration_number: `REG-${tag}`, employee_count: 987654 };
    const ids = [listed.id, unlisted.id, suspended.id, applicant.id];
    try {
      await knex('partners').whereIn('id', ids).update({ ...profile, ...secrets, website: `www.${tag}.example`, listed: true, level: 'silver' });
      await knex('partners').where('id', unlisted.id).update({ listed: false });

      const visitor = new Client(t.app);
      for (const path of ['/partners/find?country=TV', '/partners/find?language=mt', '/partners/find?country=TV&language=mt']) {
        const res = await visitor.get(path);
        expect(res.statusCode).toBe(200);
        const found = names(res.body);
        expect(found, path).toContain(listed.name);
        for (const hiddenName of [unlisted.name, suspended.name, applicant.name]) expect(found, path).not.toContain(hiddenName);
        // The visible text: a short number could turn up by chance inside a token or an asset hash.
        for (const secret of [secrets.phone, secrets.address, secrets.registration_number, '987654', '987,654']) expect(text(res.body), path).not.toContain(secret);
      }
      const both = await visitor.get('/partners/find?country=TV&language=mt');
      expect(text(both.body)).toContain(`${listed.name} Silver Matches 2 of 2`);
      expect(both.body).toContain(`href="https://www.${tag}.example"`);
    } finally {
      // Fresh companies, tidied so the shared database's directory does not grow with every run.
      await knex('partners').whereIn('id', ids).update({ listed: false });
    }
  });

  it('answers an htmx search with the results fragment alone', async () => {
    const visitor = new Client(t.app);
    const res = await visitor.get('/partners/find?language=cs', { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(res.statusCode).toBe(200);
    expect(res.body.trimStart()).toMatch(/^<section id="directory-results"/);
    expect(res.body).not.toContain('<html');
    expect(res.body).not.toContain('<form');
    expect(names(res.body)).toContain('Beta Systems');
    expect(res.headers.vary).toMatch(/HX-Request/);
    // A boosted navigation (no partial type) gets the whole page.
    const boosted = await visitor.get('/partners/find?language=cs', { 'hx-request': 'true' });
    expect(boosted.body).toContain('<html');
  });
});
