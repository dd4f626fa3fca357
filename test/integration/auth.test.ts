import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, signedIn, text } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

function sessionId(client: Client): string {
  const cookie = client.cookies.get('portal_session') ?? '';
  return decodeURIComponent(cookie).split('.')[0] ?? '';
}

async function sessionRow(sid: string) {
  return t.database.knex('sessions').where('sid', sid).first();
}

describe('signing in', () => {
  it('signs a demo user in and lands on the home page they asked for', async () => {
    const client = new Client(t.app);
    const page = await client.get('/sign-in?next=/account');
    expect(page.statusCode).toBe(200);
    const res = await client.post('/sign-in', { email: 'anna@alpha.example', password: 'portal-demo-password', next: '/account' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account');
    const account = await client.get('/account');
    expect(account.statusCode).toBe(200);
    expect(text(account.body)).toContain('anna@alpha.example');
  });

  it('accepts the email address in any letter case', async () => {
    const user = await createUser(t.database.knex, { email: `Mixed.${Date.now()}@Example.test` });
    const client = new Client(t.app);
    const res = await client.signIn(user.email.toUpperCase(), TEST_PASSWORD);
    expect(res.statusCode).toBe(303);
  });

  it('refuses a wrong password with 422, keeps the email and links the error to the field', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const res = await client.post('/sign-in', { email: 'ben@alpha.example', password: 'wrong password' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<title>Error: Sign in');
    expect(res.body).toContain('value="ben@alpha.example"');
    expect(res.body).toMatch(/<a href="#email">The email address or password is not correct<\/a>/);
    expect(res.body).not.toContain('portal-demo-password');
    expect((await client.get('/home')).statusCode).toBe(303);
  });

  it('gives the same answer for an unknown address as for a wrong password', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const res = await client.post('/sign-in', { email: 'nobody@nowhere.example', password: 'whatever it is' });
    expect(res.statusCode).toBe(422);
    expect(text(res.body)).toContain('The email address or password is not correct');
  });

  it('asks for each missing field, with the summary linking to both', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const res = await client.post('/sign-in', { email: '', password: '' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#email">Enter your email address</a>');
    expect(res.body).toContain('<a href="#password">Enter your password</a>');
    expect(res.body).toMatch(/id="email"[^>]*aria-invalid="true"[^>]*aria-describedby="email-error"/);
  });

  it('treats a field sent twice as an error on that field, not a crash', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const res = await client.post('/sign-in', { email: ['a@b.example', 'c@d.example'], password: 'x' });
    expect(res.statusCode).toBe(422);
  });

  it('never redirects off-site after sign-in', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const res = await client.post('/sign-in', { email: 'carla@beta.example', password: 'portal-demo-password', next: '//evil.example/x' });
    expect(res.headers.location).toBe('/home');
  });

  it('refuses removed users and users of a suspended company', async () => {
    const removed = await createUser(t.database.knex, { status: 'removed' });
    const partner = await createPartner(t.database.knex, { status: 'suspended' });
    const suspended = await createUser(t.database.knex, { partnerId: partner.id });
    for (const user of [removed, suspended]) {
      const client = new Client(t.app);
      const res = await client.signIn(user.email, TEST_PASSWORD);
      expect(res.statusCode).toBe(403);
      expect(text(res.body)).toContain('can no longer sign in');
    }
  });
});

describe('sessions', () => {
  it('renews the session at sign-in: the pre-sign-in id is gone from the store and dead in the browser', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const before = sessionId(client);
    expect(before).not.toBe('');
    expect(await sessionRow(before)).toBeDefined();
    const oldCookie = client.cookieHeader;

    await client.post('/sign-in', { email: 'ben@alpha.example', password: 'portal-demo-password' });
    const after = sessionId(client);
    expect(after).not.toBe(before);
    expect(await sessionRow(before)).toBeUndefined();
    expect((await sessionRow(after))?.user_id).toBeTypeOf('number');

    const replay = await t.app.inject({ method: 'GET', url: '/home', headers: { cookie: oldCookie } });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/sign-in?next=%2Fhome');
  });

  it('signs out: the session row is deleted, the cookie cleared and the old cookie is worthless', async () => {
    const client = await signedIn(t.app, 'carla@beta.example');
    const sid = sessionId(client);
    const cookie = client.cookieHeader;
    const res = await client.post('/sign-out');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in?signed_out=1');
    expect(String(res.headers['set-cookie'])).toMatch(/portal_session=;.*Expires=Thu, 01 Jan 1970/);
    expect(await sessionRow(sid)).toBeUndefined();
    const replay = await t.app.inject({ method: 'GET', url: '/home', headers: { cookie } });
    expect(replay.statusCode).toBe(303);
    const page = await client.get('/sign-in?signed_out=1');
    expect(text(page.body)).toContain('You have signed out.');
  });

  it('sets an HttpOnly, SameSite=Lax cookie that lasts 30 idle minutes', async () => {
    const client = new Client(t.app);
    const res = await client.get('/sign-in');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const expires = new Date(/Expires=([^;]+)/.exec(cookie)![1]!).getTime();
    expect(expires - Date.now()).toBeGreaterThan(29 * 60 * 1000);
    expect(expires - Date.now()).toBeLessThanOrEqual(30 * 60 * 1000 + 1000);
  });

  it('ends a session left idle past 30 minutes', async () => {
    const client = await signedIn(t.app, 'ben@alpha.example');
    await t.database.knex('sessions').where('sid', sessionId(client)).update({ expires_at: new Date(Date.now() - 1000) });
    const res = await client.get('/home');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/sign-in/);
  });

  it('ends a session 12 hours after sign-in however active it was', async () => {
    const client = await signedIn(t.app, 'ben@alpha.example');
    const sid = sessionId(client);
    const row = await sessionRow(sid);
    const sess = typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess;
    sess.auth.signedInAt = Date.now() - 12 * 60 * 60 * 1000 - 1000;
    await t.database.knex('sessions').where('sid', sid).update({ sess: JSON.stringify(sess) });
    const res = await client.get('/home');
    expect(res.statusCode).toBe(303);
    expect(await sessionRow(sid)).toBeUndefined();
  });

  it('ends the sessions of a company the moment it is suspended', async () => {
    const partner = await createPartner(t.database.knex);
    const user = await createUser(t.database.knex, { partnerId: partner.id });
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    expect((await client.get('/home')).statusCode).toBe(200);
    await t.database.knex('partners').where('id', partner.id).update({ status: 'suspended' });
    const res = await client.get('/home');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/sign-in/);
  });
});

describe('throttling', () => {
  it('answers 429 after five failures for one account, while other accounts still sign in', async () => {
    const victim = await createUser(t.database.knex);
    const attacker = new Client(t.app);
    await attacker.get('/sign-in');
    for (let i = 0; i < 5; i++) {
      expect((await attacker.post('/sign-in', { email: victim.email, password: `guess ${i}` })).statusCode).toBe(422);
    }
    const blocked = await attacker.post('/sign-in', { email: victim.email, password: TEST_PASSWORD });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(text(blocked.body)).toMatch(/Too many failed attempts to sign in. Wait \d+ minutes/);

    const other = await createUser(t.database.knex);
    expect((await new Client(t.app).signIn(other.email, TEST_PASSWORD)).statusCode).toBe(303);
  });

  it('answers 429 to an address that fails across many accounts', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    // A different account each time, so only the per-address limit can trip.
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      statuses.push((await client.post('/sign-in', { email: `spray${i}-${Date.now()}@example.test`, password: 'x' })).statusCode);
    }
    expect(statuses.slice(0, 30).every((s) => s === 422)).toBe(true);
    expect(statuses[30]).toBe(429);
    // Another address is not affected.
    const user = await createUser(t.database.knex);
    expect((await new Client(t.app).signIn(user.email, TEST_PASSWORD)).statusCode).toBe(303);
  });
});

describe('cookies in production', () => {
  it('uses a Secure __Host- cookie over HTTPS', async () => {
    const { buildApp } = await import('../../src/app.ts');
    const app = await buildApp({ config: { production: true, sessionSecret: 'p'.repeat(40), trustProxy: true, logLevel: 'silent' }, database: t.database });
    const res = await app.inject({ url: '/sign-in', headers: { 'x-forwarded-proto': 'https' } });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-portal_session=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/);
    expect(String(res.headers['strict-transport-security'])).toMatch(/max-age=\d+/);
    await app.close();
  });
});
