import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, signedIn, text } from '../support/client.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('CSRF protection', () => {
  it('refuses a state change without a token, with a page that says why', async () => {
    const client = await signedIn(t.app, 'ben@alpha.example');
    const res = await client.post('/account/preferences', { locale: 'de', time_zone: '' }, { csrf: null });
    expect(res.statusCode).toBe(403);
    expect(text(res.body)).toContain('The form could not be sent');
    expect(text((await client.get('/account')).body)).not.toContain('Sprache');
  });

  it('refuses a wrong token', async () => {
    const client = await signedIn(t.app, 'ben@alpha.example');
    const res = await client.post('/account/preferences', { locale: 'de', _csrf: 'not-the-token' });
    expect(res.statusCode).toBe(403);
  });

  it("refuses another session's token", async () => {
    const victim = await signedIn(t.app, 'ben@alpha.example');
    const attacker = await signedIn(t.app, 'carla@beta.example');
    const res = await victim.post('/account/preferences', { locale: 'de', _csrf: attacker.csrf! });
    expect(res.statusCode).toBe(403);
  });

  it('refuses sign-in without a token (login CSRF) and sign-out without one', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    expect((await client.post('/sign-in', { email: 'ben@alpha.example', password: 'portal-demo-password' }, { csrf: null })).statusCode).toBe(403);
    const signed = await signedIn(t.app, 'ben@alpha.example');
    expect((await signed.post('/sign-out', {}, { csrf: null })).statusCode).toBe(403);
    expect((await signed.get('/home')).statusCode).toBe(200);
  });

  it('accepts the token in the X-CSRF-Token header, as htmx sends it', async () => {
    const client = await signedIn(t.app, 'ben@alpha.example');
    const res = await client.post('/language', { locale: 'it', next: '/home' }, { htmx: true });
    expect(res.statusCode).toBe(303);
    await client.post('/language', { locale: 'en', next: '/home' });
  });

  it('gives a fresh token after sign-in, so a token seen before it is useless', async () => {
    const client = new Client(t.app);
    await client.get('/sign-in');
    const before = client.csrf!;
    await client.post('/sign-in', { email: 'ben@alpha.example', password: 'portal-demo-password' });
    const res = await client.post('/language', { locale: 'de', next: '/home', _csrf: before });
    expect(res.statusCode).toBe(403);
  });
});
