import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app.ts';
import { Client, signedIn, text, type Response, errorTitle } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import { hashToken } from '../../src/services/tokens.ts';

/** Forgotten passwords and the account page. No mail server here: the reset link is read from the outbox. */
let t: TestApp;
let knex: Knex;
beforeAll(async () => {
  t = await createTestApp();
  knex = t.database.knex;
});
afterAll(async () => t.close());

const NEW_PASSWORD = 'a completely new passphrase';

async function partnerUser() {
  const partner = await createPartner(knex);
  return createUser(knex, { partnerId: partner.id, role: 'partner_admin' });
}

async function forgot(email: string): Promise<{ client: Client; res: Response }> {
  const client = new Client(t.app);
  expect((await client.get('/password/forgot')).statusCode).toBe(200);
  return { client, res: await client.post('/password/forgot', { email }) };
}

/** The path of the reset link in the one email queued for this address. */
async function resetLink(email: string): Promise<string> {
  const rows = await knex('outbox_emails').where('to_email', email).andWhere('template', 'password_reset').select('body_text', 'subject');
  expect(rows).toHaveLength(1);
  expect(rows[0].subject).toBe('Reset your password');
  const match = /https?:\/\/\S+?(\/password\/reset\/[A-Za-z0-9_-]{43})(?:\s|$)/.exec(rows[0].body_text);
  if (!match) throw new Error(`no reset link in: ${rows[0].body_text}`);
  return match[1]!;
}

async function sessionsOf(userId: number): Promise<number> {
  const [row] = await knex('sessions').where('user_id', userId).count<{ n: string }[]>({ n: '*' });
  return Number(row!.n);
}

async function signInStatus(email: string, password: string): Promise<number> {
  return (await new Client(t.app).signIn(email, password)).statusCode;
}

describe('forgotten password', () => {
  it('answers a known and an unknown address alike, and emails a link only to the known one', async () => {
    const user = await partnerUser();
    const stranger = `${unique('nobody')}@example.test`;
    const known = await forgot(user.email);
    const unknown = await forgot(stranger);
    expect(known.res.statusCode).toBe(200);
    expect(unknown.res.statusCode).toBe(known.res.statusCode);
    const visible = (res: Response, email: string) => text(res.body).replaceAll(email, '<address>');
    expect(visible(unknown.res, stranger)).toBe(visible(known.res, user.email));
    expect(text(known.res.body)).toContain(`If ${user.email} has an account, a link to reset its password is on its way.`);

    expect(await resetLink(user.email)).toMatch(/^\/password\/reset\//);
    expect(await knex('outbox_emails').where('to_email', stranger).first('id')).toBeUndefined();
  });

  it('resets the password once: old sessions end, the new password works and the old one does not', async () => {
    const user = await partnerUser();
    const elsewhere = await signedIn(t.app, user.email, TEST_PASSWORD);
    expect(await sessionsOf(user.id)).toBeGreaterThan(0);

    const { client } = await forgot(user.email);
    const link = await resetLink(user.email);
    const page = await client.get(link);
    expect(page.statusCode).toBe(200);
    expect(text(page.body)).toContain('Choose a new password');
    expect(page.body).toContain('name="password"');

    const short = await client.post(link, { password: 'too short' });
    expect(short.statusCode).toBe(422);
    expect(short.body).toContain('<a href="#password">The password must be at least 12 characters</a>');

    const res = await client.post(link, { password: NEW_PASSWORD });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in');
    expect(await sessionsOf(user.id)).toBe(0);
    const signInPage = await client.get('/sign-in');
    expect(text(signInPage.body)).toContain('Your password has been changed. Sign in with the new one.');

    // Whoever was signed in with the old password is out.
    const old = await elsewhere.get('/home');
    expect(old.statusCode).toBe(303);
    expect(old.headers.location).toMatch(/^\/sign-in/);
    expect(await signInStatus(user.email, TEST_PASSWORD)).toBe(422);
    expect(await signInStatus(user.email, NEW_PASSWORD)).toBe(303);

    // The link works once.
    const again = new Client(t.app);
    const used = await again.get(link);
    expect(used.statusCode).toBe(410);
    expect(errorTitle(used)).toBe('Reset link not valid');
    expect(text(used.body)).toContain('This link has expired or has already been used. Ask for a new one.');
    expect((await again.post(link, { password: 'yet another long passphrase' })).statusCode).toBe(410);
    expect(await signInStatus(user.email, NEW_PASSWORD)).toBe(303);
  });

  it('refuses an expired link with 410 and leaves the password as it was', async () => {
    const user = await partnerUser();
    const { client } = await forgot(user.email);
    const link = await resetLink(user.email);
    const token = link.split('/').pop()!;
    const updated = await knex('password_resets').where('token_hash', hashToken(token)).update({ expires_at: new Date(Date.now() - 60_000) });
    expect(updated).toBe(1);

    const res = await client.get(link);
    expect(res.statusCode).toBe(410);
    expect(errorTitle(res)).toBe('Reset link not valid');
    expect((await client.post(link, { password: NEW_PASSWORD })).statusCode).toBe(410);
    expect(await signInStatus(user.email, NEW_PASSWORD)).toBe(422);
    expect(await signInStatus(user.email, TEST_PASSWORD)).toBe(303);
  });

  it('replaces an earlier unused link when a new one is asked for', async () => {
    const user = await partnerUser();
    const { client } = await forgot(user.email);
    const first = await resetLink(user.email);
    await client.get('/password/forgot');
    await client.post('/password/forgot', { email: user.email.toUpperCase() });
    const links = (await knex('outbox_emails').where('to_email', user.email).andWhere('template', 'password_reset').orderBy('id').pluck('body_text')).map(
      (body: string) => /(\/password\/reset\/[A-Za-z0-9_-]{43})/.exec(body)![1]!,
    );
    expect(links).toHaveLength(2);
    expect(links[0]).toBe(first);
    expect((await client.get(first)).statusCode).toBe(410);
    expect((await client.get(links[1]!)).statusCode).toBe(200);
  });

  it('answers a malformed token with 404', async () => {
    const client = new Client(t.app);
    for (const path of ['/password/reset/abc', `/password/reset/${'a'.repeat(44)}`, '/password/reset/%3Cscript%3E']) {
      const res = await client.get(path);
      expect(res.statusCode, path).toBe(404);
      expect(errorTitle(res)).toBe('Reset link not valid');
      expect((await client.post(path, { password: NEW_PASSWORD })).statusCode, path).toBe(404);
    }
  });
});

describe('my account', () => {
  it('changes my name, shows it and records it in the audit trail', async () => {
    const user = await partnerUser();
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    await client.get('/account');
    const name = unique('Renamed Person');
    const res = await client.post('/account/name', { name });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account');
    const page = await client.get('/account');
    expect(text(page.body)).toContain('Your preferences have been saved.');
    expect(page.body).toContain(`id="name" name="name" type="text" value="${name}"`);
    expect(text(page.body)).toContain(`${name}, `); // the header shows who is signed in
    const entry = await knex('audit_events').where({ entity_type: 'user', entity_id: String(user.id), action: 'updated' }).first('actor_user_id', 'partner_id', 'before', 'after');
    expect(entry).toEqual({ actor_user_id: user.id, partner_id: user.partner_id, before: { name: user.name }, after: { name } });

    const empty = await client.post('/account/name', { name: '   ' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('<a href="#name">Enter your name</a>');
    expect((await knex('users').where('id', user.id).first('name')).name).toBe(name);
  });

  it('changes my password only with the right current password', async () => {
    const user = await partnerUser();
    const client = await signedIn(t.app, user.email, TEST_PASSWORD);
    const elsewhere = await signedIn(t.app, user.email, TEST_PASSWORD);
    await client.get('/account');

    const wrong = await client.post('/account/password', { current_password: 'not my password at all', new_password: NEW_PASSWORD });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('<a href="#current_password">The current password is not correct</a>');
    expect(wrong.body).toMatch(/<p class="error-message" id="current_password-error">[\s\S]*?The current password is not correct<\/p>/);
    expect(wrong.body).toMatch(/id="current_password" name="current_password" type="password" value=""[^>]*aria-invalid="true"/);
    expect(wrong.body).not.toContain(NEW_PASSWORD);
    expect(await signInStatus(user.email, NEW_PASSWORD)).toBe(422);

    const right = await client.post('/account/password', { current_password: TEST_PASSWORD, new_password: NEW_PASSWORD });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('/account');
    expect(text((await client.get('/account')).body)).toContain('Your password has been changed.');
    // The browser that changed it stays signed in; any other session with the old password ends.
    expect((await client.get('/home')).statusCode).toBe(200);
    expect((await elsewhere.get('/home')).statusCode).toBe(303);
    expect(await signInStatus(user.email, NEW_PASSWORD)).toBe(303);
    expect(await signInStatus(user.email, TEST_PASSWORD)).toBe(422);
    expect(await knex('audit_events').where({ entity_type: 'user', entity_id: String(user.id), action: 'password_changed' }).first('id')).toBeDefined();
  });

  it('saves notification choices, one radio per event, and shows them selected', async () => {
    const checked = (body: string, event: string) => {
      const fieldset = new RegExp(`<div class="field" id="event_${event.replace('.', '\\.')}">[\\s\\S]*?</fieldset>`).exec(body)?.[0] ?? '';
      return [...fieldset.matchAll(/<input type="radio" [^>]*value="([a-z_]+)"( checked)?>/g)].filter((m) => m[2]).map((m) => m[1]);
    };

    const user = await partnerUser();
    const partnerClient = await signedIn(t.app, user.email, TEST_PASSWORD);
    const before = await partnerClient.get('/account');
    expect(checked(before.body, 'partner.changed')).toEqual(['email_portal']);
    // A partner user is asked about partner events only.
    expect(before.body).not.toContain('name="event_application.submitted"');
    // A browser sends every radio group, each with its checked choice.
    const groups = [...new Set([...before.body.matchAll(/name="(event_[a-z_.]+)"/g)].map((m) => m[1]!))].filter((g) => g !== 'event_partner.changed');
    expect(groups.length).toBeGreaterThan(0);
    const others = Object.fromEntries(groups.map((g) => [g, 'email_portal']));
    const saved = await partnerClient.post('/account/notifications', { 'event_partner.changed': 'portal', ...others });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/account');
    const after = await partnerClient.get('/account');
    expect(text(after.body)).toContain('Your preferences have been saved.');
    expect(checked(after.body, 'partner.changed')).toEqual(['portal']);
    expect(await knex('notification_preferences').where('user_id', user.id).where('event_type', 'partner.changed').select('event_type', 'channel')).toEqual([{ event_type: 'partner.changed', channel: 'portal' }]);

    const bad = await partnerClient.post('/account/notifications', { 'event_partner.changed': 'carrier_pigeon', ...others });
    expect(bad.statusCode).toBe(422);
    expect((await knex('notification_preferences').where('user_id', user.id).first('channel')).channel).toBe('portal');

    await partnerClient.get('/account');
    expect((await partnerClient.post('/account/notifications', { 'event_partner.changed': 'email_portal', ...others })).statusCode).toBe(303);
    expect(checked((await partnerClient.get('/account')).body, 'partner.changed')).toEqual(['email_portal']);

    const staff = await createUser(knex, { role: 'support_agent' });
    const staffClient = await signedIn(t.app, staff.email, TEST_PASSWORD);
    const staffBefore = await staffClient.get('/account');
    const staffGroups = [...new Set([...staffBefore.body.matchAll(/name="(event_[a-z_.]+)"/g)].map((m) => m[1]!))];
    const staffForm = Object.fromEntries(staffGroups.map((g) => [g, g === 'event_application.submitted' ? 'portal' : 'email_portal']));
    expect((await staffClient.post('/account/notifications', staffForm)).statusCode).toBe(303);
    const staffPage = await staffClient.get('/account');
    expect(checked(staffPage.body, 'application.submitted')).toEqual(['portal']);
    expect(staffPage.body).not.toContain('name="event_partner.changed"');
  });
});
