import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { translator } from '../../src/i18n/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, hidden, signedIn, text } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';

let t: TestApp;
let knex: Knex;
let author: Client;
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
  author = await signedIn(t.app, (await createUser(knex, { role: 'support_agent' })).email, TEST_PASSWORD);
});
afterAll(async () => t.close());

async function partnerUser(status: 'active' | 'applicant' = 'active', role: 'partner_admin' | 'sales_agent' = 'sales_agent') {
  const partner = await createPartner(knex, { status });
  const user = await createUser(knex, { partnerId: partner.id, role });
  return signedIn(t.app, user.email, TEST_PASSWORD);
}

/** Writes an article through the authors' forms and publishes it; returns its id. */
async function publishedArticle(fields: { title: string; body: string; audience?: string; category?: string; language?: string }): Promise<number> {
  await author.get('/admin/knowledge/new');
  const language = fields.language ?? 'en';
  const res = await author.post('/admin/knowledge/new', { category: fields.category ?? 'products', audience: fields.audience ?? 'public', language, title: fields.title, body: fields.body });
  expect(res.statusCode, text(res.body).slice(0, 300)).toBe(303);
  const id = Number(/\/admin\/knowledge\/(\d+)\//.exec(String(res.headers.location))![1]);
  await publishLatest(id, language);
  return id;
}

async function publishLatest(id: number, language: string) {
  const preview = await author.get(`/admin/knowledge/${id}/${language}/preview`);
  expect(preview.statusCode).toBe(200);
  const res = await author.post(`/admin/knowledge/${id}/${language}/publish`, { revision: hidden(preview.body, 'revision') });
  expect(res.statusCode).toBe(303);
}

async function translate(id: number, language: string, title: string, body: string) {
  const form = await author.get(`/admin/knowledge/${id}/${language}`);
  const res = await author.post(`/admin/knowledge/${id}/${language}`, { title, body, base_revision: hidden(form.body, 'base_revision') });
  expect(res.statusCode).toBe(303);
  await publishLatest(id, language);
}

describe('audience', () => {
  it('shows anonymous visitors only public articles, partners public and partner ones, staff everything', async () => {
    const word = unique('zebrafinch').replace('-', '');
    const pub = await publishedArticle({ title: `Public ${word}`, body: `About ${word}.`, audience: 'public' });
    const partners = await publishedArticle({ title: `Partners ${word}`, body: `About ${word}.`, audience: 'partners' });
    const staffOnly = await publishedArticle({ title: `Staff ${word}`, body: `About ${word}.`, audience: 'staff' });

    const anonymous = new Client(t.app);
    const partner = await partnerUser();
    const applicant = await partnerUser('applicant', 'partner_admin');
    const cases: [Client, number[]][] = [[anonymous, [pub]], [applicant, [pub]], [partner, [pub, partners]], [author, [pub, partners, staffOnly]]];
    for (const [client, visible] of cases) {
      const found = await client.get(`/knowledge?q=${word}`);
      expect(found.statusCode).toBe(200);
      for (const id of [pub, partners, staffOnly]) {
        expect(found.body.includes(`href="/knowledge/${id}?`), `search result ${id}`).toBe(visible.includes(id));
        expect((await client.get(`/knowledge/${id}`)).statusCode, `article ${id}`).toBe(visible.includes(id) ? 200 : 404);
      }
      const listed = await client.get('/knowledge?category=products');
      for (const id of [pub, partners, staffOnly]) expect(listed.body.includes(`href="/knowledge/${id}"`)).toBe(visible.includes(id));
    }
  });

  it('keeps staff-only articles from partners in the database too, whatever the query', async () => {
    const id = await publishedArticle({ title: unique('Staff note'), body: 'Internal.', audience: 'staff' });
    const partner = await createPartner(knex);
    const rows = await knex.transaction(async (trx) => {
      await trx.raw(`SELECT set_config('role', 'portal_app', true), set_config('app.context', 'partner', true), set_config('app.partner_id', ?, true)`, [String(partner.id)]);
      return {
        articles: await trx('articles').where('id', id),
        translations: await trx('article_translations').where('article_id', id),
        revisions: await trx('article_revisions').where('article_id', id),
      };
    });
    expect(rows).toEqual({ articles: [], translations: [], revisions: [] });
  });

  it('lets only article authors into the authoring pages', async () => {
    const partner = await partnerUser('active', 'partner_admin');
    expect((await partner.get('/admin/knowledge')).statusCode).toBe(403);
    const manager = await signedIn(t.app, (await createUser(knex, { role: 'channel_manager' })).email, TEST_PASSWORD);
    expect((await manager.get('/admin/knowledge/new')).statusCode).toBe(403);
    expect((await new Client(t.app).get('/admin/knowledge')).statusCode).toBe(303);
  });
});

describe('writing articles', () => {
  it('keeps drafts from readers until published, keeps the published text while a new draft waits, and records every version', async () => {
    await author.get('/admin/knowledge/new');
    const empty = await author.post('/admin/knowledge/new', { category: '', audience: 'public', language: 'en', title: '', body: '' });
    expect(empty.statusCode).toBe(422);
    expect(text(empty.body)).toContain('There is a problem');
    expect(empty.body).toContain('href="#title"');

    const title = unique('Draft article');
    const created = await author.post('/admin/knowledge/new', { category: 'program', audience: 'public', language: 'en', title, body: 'First text.' });
    const id = Number(/\/admin\/knowledge\/(\d+)\/en\/preview/.exec(String(created.headers.location))![1]);
    const reader = new Client(t.app);
    expect((await reader.get(`/knowledge/${id}`)).statusCode).toBe(404);
    const preview = await author.get(`/admin/knowledge/${id}/en/preview`);
    expect(text(preview.body)).toContain('This version is not published yet');
    expect(preview.body).toContain('<p>First text.</p>');

    await publishLatest(id, 'en');
    expect(text((await reader.get(`/knowledge/${id}`)).body)).toContain('First text.');

    const form = await author.get(`/admin/knowledge/${id}/en`);
    const base = hidden(form.body, 'base_revision');
    expect((await author.post(`/admin/knowledge/${id}/en`, { title, body: 'Second text.', base_revision: base })).statusCode).toBe(303);
    // Readers still see the published version.
    expect(text((await reader.get(`/knowledge/${id}`)).body)).toContain('First text.');
    expect(text((await author.get(`/admin/knowledge/${id}`)).body)).toContain('a newer draft exists');

    // A second author saving from the same starting point loses the race, with their text kept.
    const stale = await author.post(`/admin/knowledge/${id}/en`, { title: `${title} (other)`, body: 'Third text.', base_revision: base });
    expect(stale.statusCode).toBe(409);
    expect(text(stale.body)).toContain('The text was changed');
    expect(stale.body).toContain('Third text.');

    const history = await author.get(`/admin/knowledge/${id}/en/history`);
    expect((history.body.match(/\/preview\?revision=/g) ?? []).length).toBe(2);
    const first = (await knex('article_revisions').where({ article_id: id, language: 'en' }).orderBy('id').first('id')).id;
    expect((await author.post(`/admin/knowledge/${id}/en/restore`, { revision: String(first) })).statusCode).toBe(303);
    expect(await knex('article_revisions').where({ article_id: id, language: 'en' }).orderBy('id', 'desc').first('body')).toEqual({ body: 'First text.' });

    expect((await author.post(`/admin/knowledge/${id}/en/unpublish`, {})).statusCode).toBe(303);
    expect((await reader.get(`/knowledge/${id}`)).statusCode).toBe(404);
    expect(await knex('audit_events').where({ entity_type: 'article', entity_id: String(id) }).orderBy('id').pluck('action')).toEqual(['created', 'published', 'unpublished']);
  });

  it('refuses a stale change of category or readers with what changed', async () => {
    const id = await publishedArticle({ title: unique('Settings'), body: 'x', audience: 'partners' });
    const page = await author.get(`/admin/knowledge/${id}`);
    const version = hidden(page.body, 'version');
    expect((await author.post(`/admin/knowledge/${id}`, { category: 'products', audience: 'public', version })).statusCode).toBe(303);
    const stale = await author.post(`/admin/knowledge/${id}`, { category: 'selling', audience: 'staff', version });
    expect(stale.statusCode).toBe(409);
    expect(text(stale.body)).toContain('Public');
    expect(await knex('articles').where('id', id).first('category', 'audience')).toEqual({ category: 'products', audience: 'public' });
  });
});

describe('languages', () => {
  it('gives readers their language, else English with a notice, and lets them switch', async () => {
    const id = await publishedArticle({ title: 'Opening hours of support', body: 'Support answers on working days.' });
    await translate(id, 'de', 'Öffnungszeiten des Supports', 'Der Support antwortet an Werktagen.');
    const german = new Client(t.app);
    german.acceptLanguage = 'de';
    const page = await german.get(`/knowledge/${id}`);
    expect(page.body).toContain('lang="de"');
    expect(text(page.body)).toContain('Der Support antwortet an Werktagen.');
    expect(page.body).toContain(`href="/knowledge/${id}?lang=en"`);
    const chosen = await german.get(`/knowledge/${id}?lang=en`);
    expect(text(chosen.body)).toContain('Support answers on working days.');
    // Choosing English is not the same as German missing: no "not available in your language" notice.
    expect(chosen.body).not.toContain(translator('de')('knowledge.shown_in', { language: 'English' }));

    const italian = new Client(t.app);
    italian.acceptLanguage = 'it';
    const fallback = await italian.get(`/knowledge/${id}`);
    expect(text(fallback.body)).toContain('Support answers on working days.');
    expect(fallback.body).toContain('<article aria-labelledby="article-title" lang="en">');
    expect(fallback.body).toContain(translator('it')('knowledge.shown_in', { language: 'English' }));
  });
});

describe('search', () => {
  it('stems German: "Partnern" finds an article about a "Partner", in the reader\'s language', async () => {
    const marker = unique('Quartal').replace('-', '');
    const id = await publishedArticle({ title: `Quarterly review ${marker}`, body: 'Every partner meets the channel team.' });
    await translate(id, 'de', `Quartalsgespräch ${marker}`, 'Jeder Partner trifft sich mit dem Channel-Team.');
    const german = new Client(t.app);
    german.acceptLanguage = 'de';
    const res = await german.get(`/knowledge?q=${encodeURIComponent(`Partnern ${marker}`)}`);
    expect(res.body).toContain(`href="/knowledge/${id}?lang=de"`);
    expect(res.body).toContain('<mark>Partner</mark>');
    // The English reader searches the English text, with English stemming.
    const english = new Client(t.app);
    const en = await english.get(`/knowledge?q=${encodeURIComponent(`partners ${marker}`)}`);
    expect(en.body).toContain(`href="/knowledge/${id}?lang=en"`);
  });

  it('matches Czech and Estonian without accents, and searches English where no translation exists', async () => {
    const marker = unique('zaloha').replace('-', '');
    const id = await publishedArticle({ title: `Backup ${marker}`, body: 'Restore test.' });
    await translate(id, 'cs', `Záloha a obnova ${marker}`, 'Zkouška obnovy dat ze zálohy.');
    await translate(id, 'et', `Varukoopia tähtaeg ${marker}`, 'Taastamise tähtaeg on üks päev.');
    const czech = new Client(t.app);
    czech.acceptLanguage = 'cs';
    expect((await czech.get(`/knowledge?q=${encodeURIComponent(`zaloha ${marker}`)}`)).body).toContain(`href="/knowledge/${id}?lang=cs"`);
    expect((await czech.get(`/knowledge?q=${encodeURIComponent(`ZÁLOHA ${marker}`)}`)).body).toContain(`href="/knowledge/${id}?lang=cs"`);
    const estonian = new Client(t.app);
    estonian.acceptLanguage = 'et';
    expect((await estonian.get(`/knowledge?q=${encodeURIComponent(`tahtaeg ${marker}`)}`)).body).toContain(`href="/knowledge/${id}?lang=et"`);
    const italian = new Client(t.app);
    italian.acceptLanguage = 'it';
    const it = await italian.get(`/knowledge?q=${encodeURIComponent(`restore ${marker}`)}`);
    expect(it.body).toContain(`href="/knowledge/${id}?lang=en"`);
  });

  it('ranks title matches first, filters by category, and escapes what it highlights', async () => {
    const word = unique('heron').replace('-', '');
    const inBody = await publishedArticle({ title: 'Something else', body: `A note that mentions ${word} once. <script>alert(1)</script>`, category: 'selling' });
    const inTitle = await publishedArticle({ title: `All about ${word}`, body: `${word} and more ${word}.`, category: 'services' });
    const res = await new Client(t.app).get(`/knowledge?q=${word}`);
    expect(res.body.indexOf(`/knowledge/${inTitle}?`)).toBeLessThan(res.body.indexOf(`/knowledge/${inBody}?`));
    expect(res.body).not.toContain('<script>alert(1)</script>');
    const filtered = await new Client(t.app).get(`/knowledge?q=${word}&category=selling`);
    expect(filtered.body).toContain(`/knowledge/${inBody}?`);
    expect(filtered.body).not.toContain(`/knowledge/${inTitle}?`);
    // The results alone, for htmx.
    const partial = await new Client(t.app).get(`/knowledge?q=${word}`, { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(partial.body.trimStart().startsWith('<section id="knowledge-results"')).toBe(true);
    expect(partial.headers.vary).toContain('HX-Request');
  });
});

describe('rendering', () => {
  it('renders Markdown and leaves script, event-handler, javascript: and style payloads inert', async () => {
    const id = await publishedArticle({
      title: 'Payloads',
      body: [
        '**bold** and a [safe link](https://example.com/docs)',
        '<script>alert("x")</script>',
        '<img src=x onerror="alert(1)">',
        '[click](javascript:alert(1))',
        '<p style="position:fixed;top:0">overlay</p>',
        '- one\n- two',
      ].join('\n\n'),
    });
    const body = (await new Client(t.app).get(`/knowledge/${id}`)).body;
    const prose = /<div class="prose">([\s\S]*?)<\/div>\n<\/article>/.exec(body)![1]!;
    expect(prose).toContain('<strong>bold</strong>');
    expect(prose).toContain('<a href="https://example.com/docs">safe link</a>');
    expect(prose).toContain('<li>one</li>');
    expect(prose).not.toMatch(/<script|<img|<[^>]*\son\w+=|href="javascript:|<[^>]*\sstyle=/i);
    expect(prose).toContain('&lt;script&gt;');
  });
});

describe('was this helpful?', () => {
  it('asks for a choice, keeps one answer per reader, and shows staff the counts and comments', async () => {
    const id = await publishedArticle({ title: unique('Helpful'), body: 'Text.', audience: 'partners' });
    const reader = await partnerUser();
    await reader.get(`/knowledge/${id}`);
    const missing = await reader.post(`/knowledge/${id}/feedback`, { comment: 'Nice', lang: 'en' });
    expect(missing.statusCode).toBe(422);
    expect(missing.body).toContain('href="#helpful"');
    expect(missing.body).toContain('>Nice</textarea>');

    expect((await reader.post(`/knowledge/${id}/feedback`, { helpful: 'no', comment: 'Needs an example', lang: 'en' })).statusCode).toBe(303);
    // Changing one's mind replaces the answer; with htmx the section comes back alone.
    const again = await reader.post(`/knowledge/${id}/feedback`, { helpful: 'yes', comment: '', lang: 'en' }, { htmx: true });
    expect(again.statusCode).toBe(200);
    expect(again.body.trimStart().startsWith('<section id="feedback"')).toBe(true);
    expect(text(again.body)).toContain('Thank you for your feedback.');

    const anonymous = new Client(t.app);
    const publicId = await publishedArticle({ title: unique('Public helpful'), body: 'Text.' });
    await anonymous.get(`/knowledge/${publicId}`);
    await anonymous.post(`/knowledge/${publicId}/feedback`, { helpful: 'yes', lang: 'en' });
    await anonymous.post(`/knowledge/${publicId}/feedback`, { helpful: 'yes', lang: 'en' });
    expect(await knex('article_feedback').where('article_id', publicId).pluck('helpful')).toEqual([true]);

    expect(await knex('article_feedback').where('article_id', id).select('helpful', 'comment')).toEqual([{ helpful: true, comment: null }]);
    const list = text((await author.get('/admin/knowledge')).body);
    expect(list).toMatch(/1 yes, 0 no/);
    // A partner cannot rate an article it cannot read.
    const staffOnly = await publishedArticle({ title: unique('Hidden'), body: 'x', audience: 'staff' });
    expect((await reader.post(`/knowledge/${staffOnly}/feedback`, { helpful: 'yes', lang: 'en' })).statusCode).toBe(404);
  });
});

describe('demo articles', () => {
  it('has articles in every category, translations, a public one and a staff-only one', async () => {
    const demo = await knex('articles as a').join('article_revisions as r', 'r.article_id', 'a.id').whereIn('r.title', ['Partner levels: Registered, Silver and Gold', 'Internal: escalating partner conflicts']).select('a.audience');
    expect(demo.map((d) => d.audience).sort()).toEqual(['public', 'staff']);
    const categories = await knex('articles').distinct('category').pluck('category');
    expect(categories.sort()).toEqual(['deal_registration', 'products', 'program', 'selling', 'services']);
    const anna = await signedIn(t.app, 'anna@alpha.example');
    anna.acceptLanguage = 'de';
    expect(text((await anna.get('/knowledge?q=Partnern')).body)).toContain('Partnerstufen');
  });
});
