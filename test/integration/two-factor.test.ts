import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, openPrivateDatabase } from '../support/app.ts';
import { Client, signedIn, text } from '../support/client.ts';
import { createUser, TEST_PASSWORD } from '../support/factories.ts';
import { currentTotp } from '../../src/services/two-factor.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

/** Turns two-factor on through the pages, as a user does; returns the secret and the recovery codes shown. */
async function enable(client: Client) {
  const setup = await client.get('/account/two-factor');
  expect(setup.statusCode).toBe(200);
  expect(setup.body).toContain('<svg');
  const secret = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(setup.body)![1]!.replace(/ /g, '');
  const wrong = await client.post('/account/two-factor', { code: '000000' });
  expect(wrong.statusCode).toBe(422);
  const done = await client.post('/account/two-factor', { code: currentTotp(secret) });
  expect(done.statusCode).toBe(303);
  const codesPage = await client.get(String(done.headers.location));
  const codes = [...codesPage.body.matchAll(/<code>([a-z0-9]{4}-[a-z0-9]{4})<\/code>/g)].map((m) => m[1]!);
  expect(codes).toHaveLength(10);
  // Shown once only.
  expect((await client.get('/account/two-factor/codes')).statusCode).toBe(303);
  return { secret, codes };
}

async function passwordStep(email: string) {
  const client = new Client(t.app);
  await client.get('/sign-in');
  const res = await client.post('/sign-in', { email, password: TEST_PASSWORD, next: '/account' });
  return { client, res };
}

describe('two-factor sign-in', () => {
  it('asks for the authenticator code after the password, and signs in only with a right one', async () => {
    const user = await createUser(t.database.knex);
    const { secret } = await enable(await signedIn(t.app, user.email, TEST_PASSWORD));

    const { client, res } = await passwordStep(user.email);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in/two-factor?next=%2Faccount');
    // Not signed in yet.
    expect((await client.get('/home')).statusCode).toBe(303);
    await client.get('/sign-in/two-factor?next=%2Faccount');
    const wrong = await client.post('/sign-in/two-factor', { code: '123456', next: '/account' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('<a href="#code">The code is not correct');
    const right = await client.post('/sign-in/two-factor', { code: currentTotp(secret), next: '/account' });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('/account');
    expect((await client.get('/home')).statusCode).toBe(200);
  });

  it('accepts each recovery code once', async () => {
    const user = await createUser(t.database.knex);
    const { codes } = await enable(await signedIn(t.app, user.email, TEST_PASSWORD));
    const first = await passwordStep(user.email);
    await first.client.get('/sign-in/two-factor');
    expect((await first.client.post('/sign-in/two-factor', { code: codes[0]!.toUpperCase() })).statusCode).toBe(303);
    const again = await passwordStep(user.email);
    await again.client.get('/sign-in/two-factor');
    expect((await again.client.post('/sign-in/two-factor', { code: codes[0]! })).statusCode).toBe(422);
    expect((await again.client.post('/sign-in/two-factor', { code: codes[1]! })).statusCode).toBe(303);
    expect(text((await again.client.get('/account/two-factor')).body)).toContain('You have 8 recovery codes left.');
  });

  it('sends the second step back to the start when there was no password step', async () => {
    const client = new Client(t.app);
    expect((await client.get('/sign-in/two-factor')).headers.location).toBe('/sign-in');
    await client.get('/sign-in');
    expect((await client.post('/sign-in/two-factor', { code: '123456' })).headers.location).toBe('/sign-in');
  });

  it('turns off only with the current password', async () => {
    const user = await createUser(t.database.knex);
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    await enable(client);
    expect((await client.post('/account/two-factor/disable', { password: 'wrong password' })).statusCode).toBe(422);
    expect((await client.post('/account/two-factor/disable', { password: TEST_PASSWORD })).statusCode).toBe(303);
    const { res } = await passwordStep(user.email);
    expect(res.headers.location).toBe('/account');
  });
});

describe('when the vendor requires two-factor sign-in', () => {
  // A private embedded database: the requirement is a vendor-wide setting, and other test files share the
  // server database in parallel.
  it('sends staff and partner admins to set it up before anything else, but not sales agents', async () => {
    const database = await openPrivateDatabase();
    await database.knex('vendor_settings').update({ require_two_factor: true });
    const own = await createTestApp({ database });
    try {
      const admin = new Client(own.app);
      await admin.signIn('anna@alpha.example');
      const home = await admin.get('/home');
      expect(home.statusCode).toBe(303);
      expect(home.headers.location).toBe('/account/two-factor');
      const setup = await admin.get('/account/two-factor');
      expect(text(setup.body)).toContain('The portal requires two-factor sign-in for your role');
      const secret = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(setup.body)![1]!.replace(/ /g, '');
      await admin.post('/account/two-factor', { code: currentTotp(secret) });
      expect((await admin.get('/home')).statusCode).toBe(200);
      expect((await admin.post('/account/two-factor/disable', { password: 'portal-demo-password' })).statusCode).toBe(403);

      const agent = new Client(own.app);
      await agent.signIn('ben@alpha.example');
      expect((await agent.get('/home')).statusCode).toBe(200);
    } finally {
      await own.close();
      await database.close();
    }
  });
});
