import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, signedIn, text } from '../support/client.ts';
import { createUser, TEST_PASSWORD } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('languages', () => {
  it('follows Accept-Language when nothing was chosen', async () => {
    const client = new Client(t.app);
    client.acceptLanguage = 'fr-FR, de;q=0.8, en;q=0.5';
    const res = await client.get('/sign-in');
    expect(res.body).toContain('<html lang="de">');
  });

  it('falls back to English for languages the portal does not have', async () => {
    const client = new Client(t.app);
    client.acceptLanguage = 'fr, es;q=0.9';
    expect((await client.get('/sign-in')).body).toContain('<html lang="en">');
  });

  it('switches language for a visitor who is not signed in, without JavaScript', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const res = await client.post('/language', { locale: 'cs', next: '/sign-in' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in');
    expect((await client.get('/sign-in')).body).toContain('<html lang="cs">');
  });

  it("keeps a signed-in user's choice as their preference, on any device", async () => {
    const user = await createUser(t.database.knex);
    const first = await signedIn(t.app, user.email, TEST_PASSWORD);
    await first.post('/language', { locale: 'it', next: '/home' });
    const second = await signedIn(t.app, user.email, TEST_PASSWORD);
    expect((await second.get('/home')).body).toContain('<html lang="it">');
  });

  it('ignores a language the portal does not offer and an off-site return address', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const res = await client.post('/language', { locale: 'xx', next: 'https://evil.example/' });
    expect(res.headers.location).toBe('/');
    expect((await client.get('/sign-in')).body).toContain('<html lang="en">');
  });
});

describe('account preferences', () => {
  it('saves language and time zone, then shows times in that zone', async () => {
    const user = await createUser(t.database.knex);
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    const res = await client.post('/account/preferences', { locale: 'de', time_zone: 'Asia/Tokyo' });
    expect(res.statusCode).toBe(303);
    const page = await client.get('/account');
    expect(page.body).toContain('<html lang="de">');
    expect(page.body).toContain('value="Asia/Tokyo"');
    expect(page.body).toMatch(/<div class="notice" role="status">[^<]+<\/div>/);
    const row = await t.database.knex('users').where('id', user.id).first('locale', 'time_zone');
    expect(row).toEqual({ locale: 'de', time_zone: 'Asia/Tokyo' });
  });

  it('re-renders with 422, the values kept and each error linked, for an unknown time zone', async () => {
    const user = await createUser(t.database.knex);
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    const res = await client.post('/account/preferences', { locale: 'et', time_zone: 'Mars/Olympus' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('value="Mars/Olympus"');
    expect(res.body).toMatch(/<option value="et" lang="et" selected>/);
    expect(res.body).toContain('<a href="#time_zone">');
    expect(res.body).toMatch(/<title>Error: /);
    const row = await t.database.knex('users').where('id', user.id).first('locale', 'time_zone');
    expect(row).toEqual({ locale: null, time_zone: null });
  });

  it('answers an htmx fragment request with a fragment, and a boosted one with the full page, with Vary', async () => {
    const client = await signedIn(t.app, 'ben@alpha.example');
    const fragment = await client.get('/no/such/thing', { 'hx-request': 'true', 'hx-request-type': 'partial' });
    expect(fragment.statusCode).toBe(404);
    expect(fragment.body).not.toContain('<html');
    expect(text(fragment.body)).toContain('Page not found');
    expect(String(fragment.headers.vary)).toMatch(/HX-Request/);

    const boosted = await client.get('/account', { 'hx-request': 'true', 'hx-request-type': 'full', 'hx-boosted': 'true' });
    expect(boosted.body).toContain('<html');
    expect(String(boosted.headers.vary)).toMatch(/HX-Request/);
  });

  it('forgets an earlier language choice when the user goes back to the browser language', async () => {
    const user = await createUser(t.database.knex);
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    client.acceptLanguage = 'it';
    await client.post('/account/preferences', { locale: 'de', time_zone: '' });
    expect((await client.get('/account')).body).toContain('<html lang="de">');
    await client.post('/account/preferences', { locale: '', time_zone: '' });
    expect((await client.get('/account')).body).toContain('<html lang="it">');
  });

  it('shows error pages raised before a route runs with the signed-in layout', async () => {
    const client = await signedIn(t.app, 'anna@alpha.example');
    const missing = await client.get('/no-such-page');
    expect(missing.body).toContain('Lumen Software');
    expect(text(missing.body)).toContain('Anna Alpha, Alpha Solutions');
    const refused = await client.post('/account/preferences', { locale: 'de' }, { csrf: null });
    expect(refused.statusCode).toBe(403);
    expect(text(refused.body)).toContain('Anna Alpha, Alpha Solutions');
  });

  it('shows a date in the vendor zone by default and in the chosen zone after saving one', async () => {
    const user = await createUser(t.database.knex);
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    const hint = (body: string) => /Now: ([^.]+)\./.exec(text(body))?.[1] ?? '';
    const vendorZone = hint((await client.get('/account')).body);
    await client.post('/account/preferences', { locale: '', time_zone: 'Pacific/Kiritimati' });
    const ownZone = hint((await client.get('/account')).body);
    expect(vendorZone).not.toBe('');
    expect(ownZone).not.toBe(vendorZone); // UTC+14 is never the same wall-clock time as Europe/Berlin
  });
});

describe('settings (channel admin)', () => {
  it('saves the settings and bumps the version', async () => {
    const admin = await signedIn(t.app, 'admin@lumen.example');
    const form = await admin.get('/admin/settings');
    const version = Number(/name="version" value="(\d+)"/.exec(form.body)![1]);
    const name = /id="name" name="name" type="text" value="([^"]*)"/.exec(form.body)![1]!;
    const currency = /id="base_currency" name="base_currency" type="text" value="([^"]*)"/.exec(form.body)![1]!;
    const zone = /id="time_zone" name="time_zone" type="text" value="([^"]*)"/.exec(form.body)![1]!;
    // Same values back: other test files share this database and read the vendor's name.
    const res = await admin.post('/admin/settings', { name, base_currency: currency.toLowerCase(), time_zone: zone, version: String(version) });
    expect(res.statusCode).toBe(303);
    const after = await admin.get('/admin/settings');
    expect(after.body).toContain(`name="version" value="${version + 1}"`);
    expect(after.body).toContain(`value="${currency}"`);
    expect(text(after.body)).toContain('The settings have been saved.');
  });

  it('refuses a stale save with 409, shows what changed and keeps what the user typed', async () => {
    const admin = await signedIn(t.app, 'admin@lumen.example');
    const res = await admin.post('/admin/settings', { name: 'My typed name', base_currency: 'EUR', time_zone: 'UTC', version: '0' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('value="My typed name"');
    expect(text(res.body)).toContain('Changed by someone else');
    expect(text(res.body)).toContain('Vendor name');
  });

  it('rejects an unknown currency with 422', async () => {
    const admin = await signedIn(t.app, 'admin@lumen.example');
    const res = await admin.post('/admin/settings', { name: 'X', base_currency: 'ABC', time_zone: 'UTC', version: '1' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#base_currency">Enter a currency code like USD or EUR</a>');
  });
});

describe('bad input and odd requests', () => {
  it('shows a friendly 404 page for unknown addresses', async () => {
    const res = await new Client(t.app).get('/no/such/page');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(text(res.body)).toContain('Page not found');
  });

  it('answers malformed JSON with 400, never 500', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const res = await t.app.inject({ method: 'POST', url: '/sign-in', headers: { 'content-type': 'application/json', cookie: client.cookieHeader, 'x-csrf-token': client.csrf! }, payload: '{"email": ' });
    expect(res.statusCode).toBe(400);
    expect(text(res.body)).toContain('Something was wrong with the request');
  });

  it('answers an unsupported body type with 415 and an oversized body with 413', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const odd = await t.app.inject({ method: 'POST', url: '/sign-in', headers: { 'content-type': 'application/x-weird', cookie: client.cookieHeader, 'x-csrf-token': client.csrf! }, payload: 'x' });
    expect(odd.statusCode).toBe(415);
    const big = await t.app.inject({ method: 'POST', url: '/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: client.cookieHeader }, payload: `email=${'a'.repeat(2 * 1024 * 1024)}` });
    expect(big.statusCode).toBe(413);
  });

  it('refuses an overlong email with 422 and the value kept', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const long = `${'a'.repeat(300)}@example.test`;
    const res = await client.post('/sign-in', { email: long, password: 'x' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain(long);
  });

  it('reports health and readiness', async () => {
    expect((await t.app.inject('/healthz')).body).toBe('ok');
    const ready = await t.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
  });
});

describe('static files and compression', () => {
  it('serves versioned static files compressed, cached for a year, and 404 for unknown ones', async () => {
    const page = await new Client(t.app).get('/sign-in');
    const css = /href="(\/static\/app\.[0-9a-f]{12}\.css)"/.exec(page.body)![1]!;
    const res = await t.app.inject({ url: css, headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await t.app.inject('/static/app.000000000000.css')).statusCode).toBe(404);
  });

  it('keeps our own JavaScript (beyond htmx) under 2 KB', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(new URL('../../static/js/app.js', import.meta.url)).length).toBeLessThan(2048);
  });

  it('compresses pages', async () => {
    const res = await t.app.inject({ url: '/sign-in', headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('sends a strict Content-Security-Policy without inline script or eval', async () => {
    const res = await t.app.inject('/sign-in');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.body).not.toMatch(/<script>|hx-on[:-]/);
  });
});

describe('form fields', () => {
  it('keep ids of their own on pages whose data has an id (included templates see the page data)', async () => {
    const admin = await signedIn(t.app, 'admin@lumen.example');
    const list = await admin.get('/admin/products');
    const id = /href="\/admin\/products\/(\d+)"/.exec(list.body)![1];
    const support = await signedIn(t.app, 'support@lumen.example');
    const caseId = (await t.database.knex('cases').orderBy('id').first('id')).id;
    for (const [client, url] of [[admin, `/admin/products/${id}`], [support, `/admin/cases/${caseId}`]] as const) {
      const body = (await client.get(url)).body;
      const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
      expect(ids.filter((x, i) => ids.indexOf(x) !== i), url).toEqual([]);
      expect(body, url).not.toMatch(/<label for="\d+">/);
    }
  });
});
