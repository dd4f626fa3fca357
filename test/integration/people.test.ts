import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp, openPrivateDatabase } from '../support/app.ts';
import { Client, signedIn, text, type Response } from '../support/client.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import { TestMailServer, linkIn } from '../support/smtp.ts';
import type { Database } from '../../src/db/connect.ts';
import { translator } from '../../src/i18n/index.ts';

/**
 * People and invitations, for both teams that manage their own: a partner's employees (/company/people) and
 * the vendor's staff (/admin/staff). Every test that needs real SMTP delivery lives in this file, on one server.
 */
let t: TestApp;
let mail: TestMailServer;
let knex: Knex;
/** Staff members this file creates who would otherwise be notified of every later application. */
const freshStaff: number[] = [];

beforeAll(async () => {
  mail = new TestMailServer();
  t = await createTestApp({ smtpUrl: await mail.start() });
  knex = t.database.knex;
});
afterAll(async () => {
  // Our own fresh channel admins would otherwise receive every later application's notification (PostgreSQL
  // keeps this database across runs): they leave, as people do.
  if (freshStaff.length) await knex('users').whereIn('id', freshStaff).update({ status: 'removed' });
  await t.close();
  await mail.stop();
});

const PASSPHRASE = 'a brand new long passphrase';

function address(prefix = 'invitee'): string {
  return `${unique(prefix)}@example.test`;
}

/** A fresh partner company with its one partner admin, signed in on the people page. */
async function company(options: { locale?: string } = {}) {
  const partner = await createPartner(knex);
  const admin = await createUser(knex, { partnerId: partner.id, role: 'partner_admin', ...(options.locale ? { locale: options.locale } : {}) });
  const client = await signedIn(t.app, admin.email, TEST_PASSWORD);
  expect((await client.get('/company/people')).statusCode).toBe(200);
  return { partner, admin, client };
}

async function freshChannelAdmin() {
  const admin = await createUser(knex, { role: 'channel_admin' });
  freshStaff.push(admin.id);
  const client = await signedIn(t.app, admin.email, TEST_PASSWORD);
  expect((await client.get('/admin/staff')).statusCode).toBe(200);
  return { admin, client };
}

/**
 * Runs the outbox until a mail for this address has reached our SMTP server. The worker sends every pending
 * email of the database, oldest first and 20 at a time, so on a shared PostgreSQL database it may first have to
 * work through other files' mail (about a tenth of a second each): tests that wait for mail get SMTP_TIMEOUT.
 * Another file's worker may also take our message meanwhile (failing it on purpose, or delivering it to its own
 * server): then it is made due again, as a retry or a resend of the very same queued message.
 */
const SMTP_TIMEOUT = 120_000;
async function mailTo(to: string) {
  const deadline = Date.now() + 100_000;
  let resent = 0;
  while (Date.now() < deadline) {
    const received = mail.to(to);
    if (received.length > 0) return received;
    const row = await knex('outbox_emails').where('to_email', to).orderBy('id', 'desc').first('id', 'status', 'next_attempt_at');
    if (!row) throw new Error(`no email was queued for ${to}`);
    if (row.status === 'sent') {
      if (++resent > 5) throw new Error(`the email to ${to} keeps being delivered by other test files' workers`);
      await knex('outbox_emails').where('id', row.id).update({ status: 'pending', sent_at: null, claimed_until: null, next_attempt_at: new Date(Date.now() - 1000) });
    } else if (new Date(row.next_attempt_at) > new Date()) {
      await knex('outbox_emails').where('id', row.id).update({ next_attempt_at: new Date(Date.now() - 1000) });
    }
    await t.app.outbox.runOnce();
  }
  throw new Error(`no email reached ${to}`);
}

/** The link of a queued invitation, read from the outbox (for tests about the link, not about delivery). */
async function queuedInvitationLink(to: string): Promise<string> {
  const row = await knex('outbox_emails').where('to_email', to).whereIn('template', ['invitation', 'staff_invitation']).orderBy('id', 'desc').first('body_text');
  const match = /https?:\/\/\S+?(\/invitations\/[A-Za-z0-9_-]+)/.exec(row?.body_text ?? '');
  if (!match) throw new Error(`no invitation link queued for ${to}`);
  return match[1]!;
}

async function usersWithEmail(email: string): Promise<number> {
  const [row] = await knex('users').whereRaw('lower(email) = lower(?)', [email]).count<{ n: string }[]>({ n: '*' });
  return Number(row!.n);
}

async function sessionsOf(userId: number): Promise<number> {
  const [row] = await knex('sessions').where('user_id', userId).count<{ n: string }[]>({ n: '*' });
  return Number(row!.n);
}

function errorPage(res: Response) {
  const body = text(res.body);
  return { body, title: /<div class="error-page" role="alert">\s*<h1>([^<]*)<\/h1>/.exec(res.body)?.[1] ?? '' };
}

describe('inviting an employee (partner admin)', () => {
  it('emails a single-use link in the inviter’s language that creates the account and signs it in', async () => {
    const { partner, client } = await company({ locale: 'de' });
    const de = translator('de');
    const invitee = address();

    const res = await client.post('/company/people/invite', { email: invitee, role: 'sales_agent' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/company/people');
    const list = await client.get('/company/people');
    expect(text(list.body)).toContain(de('people.invited', { email: invitee }));
    expect(text(list.body)).toContain(`${invitee} (${de('role.sales_agent')})`);

    const [received, ...more] = await mailTo(invitee);
    expect(more).toEqual([]);
    // Written in the inviter's language (German), whatever the invitee's browser will say.
    expect(received!.subject).toBe(de('email.invitation.subject', { company: partner.name }));
    expect(received!.subject).not.toBe(translator('en')('email.invitation.subject', { company: partner.name }));
    expect(received!.text).toContain(de('role.sales_agent'));
    expect(received!.text).toContain(partner.name);
    expect((await knex('outbox_emails').where('to_email', invitee).first('locale')).locale).toBe('de');
    const link = linkIn(received!, '/invitations/');
    expect(link).toMatch(/^\/invitations\/[A-Za-z0-9_-]{43}$/);

    const visitor = new Client(t.app);
    const page = await visitor.get(link);
    expect(page.statusCode).toBe(200);
    expect(text(page.body)).toContain(`Join ${partner.name} on the partner portal`);
    expect(text(page.body)).toContain(`You have been invited as sales agent with the address ${invitee}.`);
    expect(page.body).toMatch(/<form method="post"/);
    expect(page.body).toContain('name="name"');
    expect(page.body).toContain('name="password"');

    const accepted = await visitor.post(link, { name: 'Nora Newcomer', password: PASSPHRASE });
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toBe('/home');
    const home = text((await visitor.get('/home')).body);
    expect(home).toContain('Welcome! Your account is ready.');
    expect(home).toContain('Welcome, Nora Newcomer');
    expect(home).toContain(`You work for ${partner.name} as sales agent`);
    const user = await knex('users').whereRaw('lower(email) = lower(?)', [invitee]).first('id', 'kind', 'partner_id', 'role', 'name', 'status');
    expect(user).toMatchObject({ kind: 'partner', partner_id: partner.id, role: 'sales_agent', name: 'Nora Newcomer', status: 'active' });
    // The password chosen on the page is the one that signs in.
    expect((await new Client(t.app).signIn(invitee, PASSPHRASE)).statusCode).toBe(303);

    // The same link again, from another browser: it says it was used, and changes nothing.
    const again = new Client(t.app);
    const used = await again.get(link);
    expect(used.statusCode).toBe(410);
    expect(errorPage(used).title).toBe('Invitation already used');
    expect(errorPage(used).body).toContain('This invitation has already been used. Sign in with the password you chose.');
    const reused = await again.post(link, { name: 'Mallory Second', password: 'another long passphrase' });
    expect(reused.statusCode).toBe(410);
    expect(await usersWithEmail(invitee)).toBe(1);
    expect((await knex('users').where('id', user.id).first('name')).name).toBe('Nora Newcomer');
    expect((await again.get('/home')).statusCode).toBe(303);
    // The invitation is no longer listed as waiting.
    expect(text((await client.get('/company/people')).body)).not.toContain(`${invitee} (`);
  }, SMTP_TIMEOUT);

  it('refuses a link that does not exist or is malformed with 404, and creates no account', async () => {
    const { client } = await company();
    const invitee = address();
    expect((await client.post('/company/people/invite', { email: invitee, role: 'sales_agent' })).statusCode).toBe(303);
    const real = await queuedInvitationLink(invitee);
    const token = real.split('/').pop()!;
    // Same shape as a real token, one character changed: it is not in the database.
    const tampered = `/invitations/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const nonexistent = `/invitations/${'x'.repeat(43)}`;
    for (const link of [tampered, nonexistent, '/invitations/short', `/invitations/${token}.extra`, `/invitations/${token}x`]) {
      const visitor = new Client(t.app);
      const res = await visitor.get(link);
      expect(res.statusCode, link).toBe(404);
      expect(errorPage(res).title).toBe('Invitation link not valid');
      expect(errorPage(res).body).toContain('This invitation link is not valid. Check that you copied the whole link from the email.');
      const post = await visitor.post(link, { name: 'Eve Intruder', password: PASSPHRASE });
      expect(post.statusCode, link).toBe(404);
    }
    expect(await usersWithEmail(invitee)).toBe(0);
    // The real link still works: nothing above used it up.
    expect((await new Client(t.app).get(real)).statusCode).toBe(200);
  });

  it('refuses an expired link with 410 and a clear message, and lists the invitation as expired', async () => {
    const { client } = await company();
    const invitee = address();
    expect((await client.post('/company/people/invite', { email: invitee, role: 'sales_agent' })).statusCode).toBe(303);
    const link = await queuedInvitationLink(invitee);
    await knex('invitations').where('email', invitee).update({ expires_at: new Date(Date.now() - 60_000) });

    const visitor = new Client(t.app);
    const res = await visitor.get(link);
    expect(res.statusCode).toBe(410);
    expect(errorPage(res).title).toBe('Invitation expired');
    expect(errorPage(res).body).toContain('This invitation has expired. Ask the person who invited you for a new one.');
    expect((await visitor.post(link, { name: 'Late Larry', password: PASSPHRASE })).statusCode).toBe(410);
    expect(await usersWithEmail(invitee)).toBe(0);
    expect(text((await client.get('/company/people')).body)).toContain(`${invitee} (sales agent) – link expired`);
  });

  it('refuses to create a second account when the address got one meanwhile (409), keeping the link unused', async () => {
    const { partner, client } = await company();
    const invitee = address();
    expect((await client.post('/company/people/invite', { email: invitee, role: 'sales_agent' })).statusCode).toBe(303);
    const link = await queuedInvitationLink(invitee);
    // The same person got an account another way (another company's invitation, an application) in between.
    await createUser(knex, { email: invitee.toUpperCase() });

    const visitor = new Client(t.app);
    expect((await visitor.get(link)).statusCode).toBe(200);
    const res = await visitor.post(link, { name: 'Double Dora', password: PASSPHRASE });
    expect(res.statusCode).toBe(409);
    expect(errorPage(res).title).toBe('Account already exists');
    expect(errorPage(res).body).toContain('An account with this email address was created meanwhile. Sign in with it instead.');
    expect(await usersWithEmail(invitee)).toBe(1);
    expect(await knex('users').where('partner_id', partner.id).whereRaw('lower(email) = lower(?)', [invitee]).first('id')).toBeUndefined();
    expect((await knex('invitations').where('email', invitee).first('accepted_at')).accepted_at).toBeNull();
    expect((await visitor.get('/home')).statusCode).toBe(303);
  });

  it('stops the links of a company that has been suspended (404)', async () => {
    const { partner, client } = await company();
    const invitee = address();
    expect((await client.post('/company/people/invite', { email: invitee, role: 'sales_agent' })).statusCode).toBe(303);
    const link = await queuedInvitationLink(invitee);
    await knex('partners').where('id', partner.id).update({ status: 'suspended' });
    const visitor = new Client(t.app);
    expect((await visitor.get(link)).statusCode).toBe(404);
    expect((await visitor.post(link, { name: 'Suspended Sue', password: PASSPHRASE })).statusCode).toBe(404);
    expect(await usersWithEmail(invitee)).toBe(0);
  });

  it('withdraws an invitation with the Withdraw button: its link then answers 410', async () => {
    const { client } = await company();
    const invitee = address();
    expect((await client.post('/company/people/invite', { email: invitee, role: 'partner_admin' })).statusCode).toBe(303);
    const link = await queuedInvitationLink(invitee);
    const invitation = await knex('invitations').where('email', invitee).first('id');
    const list = await client.get('/company/people');
    expect(list.body).toContain(`action="/company/people/invitations/${invitation.id}/revoke"`);

    const res = await client.post(`/company/people/invitations/${invitation.id}/revoke`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/company/people');
    const after = text((await client.get('/company/people')).body);
    expect(after).toContain('The invitation has been withdrawn.');
    expect(after).not.toContain(`${invitee} (`);
    expect(after).toContain('No invitations are waiting.');

    const visitor = new Client(t.app);
    const page = await visitor.get(link);
    expect(page.statusCode).toBe(410);
    expect(errorPage(page).title).toBe('Invitation withdrawn');
    expect(errorPage(page).body).toContain('This invitation was withdrawn. Ask the person who invited you for a new one.');
    expect((await visitor.post(link, { name: 'Too Late', password: PASSPHRASE })).statusCode).toBe(410);
    expect(await usersWithEmail(invitee)).toBe(0);
    // Withdrawing twice finds nothing left to withdraw.
    expect((await client.post(`/company/people/invitations/${invitation.id}/revoke`)).statusCode).toBe(404);
  });

  it('re-renders the invitation form with 422, the error summary and the typed values for each mistake', async () => {
    const { partner, client } = await company();
    const invitations = async () => Number((await knex('invitations').where('partner_id', partner.id).count<{ n: string }[]>({ n: '*' }))[0]!.n);

    const invalid = await client.post('/company/people/invite', { email: 'not-an-email', role: 'partner_admin' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.body).toContain('<h2 id="error-summary-title">There is a problem</h2>');
    expect(invalid.body).toContain('<a href="#email">Enter an email address in the correct format, like name@example.com</a>');
    expect(invalid.body).toContain('value="not-an-email"');
    expect(invalid.body).toContain('<option value="partner_admin" selected>');

    const taken = await client.post('/company/people/invite', { email: 'ANNA@alpha.example', role: 'sales_agent' });
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('<a href="#email">Someone with this email address already has an account</a>');
    expect(taken.body).toContain('value="ANNA@alpha.example"');

    const invitee = address();
    expect((await client.post('/company/people/invite', { email: invitee, role: 'sales_agent' })).statusCode).toBe(303);
    await client.get('/company/people');
    const twice = await client.post('/company/people/invite', { email: invitee.toUpperCase(), role: 'partner_admin' });
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toContain('<a href="#email">This address already has an invitation waiting. Withdraw it to send a new one</a>');
    expect(twice.body).toContain(`value="${invitee.toUpperCase()}"`);
    expect(twice.body).toContain('<option value="partner_admin" selected>');

    // A staff role is not on the partner's list, whatever the request says.
    const other = address();
    const role = await client.post('/company/people/invite', { email: other, role: 'channel_admin' });
    expect(role.statusCode).toBe(422);
    expect(role.body).toContain('<a href="#role">Select one of the options for Role</a>');
    expect(role.body).toContain(`value="${other}"`);

    expect(await invitations()).toBe(1);
    expect(await knex('outbox_emails').where('to_email', other).first('id')).toBeUndefined();
  });
});

describe('managing employees (partner admin)', () => {
  it('changes an employee’s role', async () => {
    const { partner, client } = await company();
    const employee = await createUser(knex, { partnerId: partner.id, role: 'sales_agent' });
    await client.get('/company/people');
    const res = await client.post(`/company/people/${employee.id}/role`, { role: 'partner_admin' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/company/people');
    const page = await client.get('/company/people');
    expect(text(page.body)).toContain('The role has been changed.');
    expect(page.body).toMatch(new RegExp(`id="role-${employee.id}" name="role">\\s*<option value="partner_admin" selected>`));
    expect((await knex('users').where('id', employee.id).first('role')).role).toBe('partner_admin');

    // A role that is not offered is refused, and nothing changes.
    const staffRole = await client.post(`/company/people/${employee.id}/role`, { role: 'channel_admin' });
    expect(staffRole.statusCode).toBe(422);
    expect(staffRole.body).toContain(`<a href="#role-${employee.id}">Select one of the options for Role</a>`);
    expect((await knex('users').where('id', employee.id).first('role')).role).toBe('partner_admin');
  });

  it('removes access after a confirmation page, and signs the removed person out at once', async () => {
    const { partner, client } = await company();
    const employee = await createUser(knex, { partnerId: partner.id, role: 'sales_agent', name: unique('Leaving Lou') });
    const theirs = await signedIn(t.app, employee.email, TEST_PASSWORD);
    expect((await theirs.get('/home')).statusCode).toBe(200);
    expect(await sessionsOf(employee.id)).toBeGreaterThan(0);

    const list = await client.get('/company/people');
    expect(list.body).toContain(`href="/company/people/${employee.id}/remove"`);
    const confirm = await client.get(`/company/people/${employee.id}/remove`);
    expect(confirm.statusCode).toBe(200);
    expect(text(confirm.body)).toContain(`Remove access for ${employee.name}?`);
    expect(text(confirm.body)).toContain(`${employee.name} (${employee.email}) will be signed out at once and can no longer sign in.`);
    expect(confirm.body).toContain(`action="/company/people/${employee.id}/remove"`);
    // Looking at the question changes nothing.
    expect((await knex('users').where('id', employee.id).first('status')).status).toBe('active');

    const res = await client.post(`/company/people/${employee.id}/remove`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/company/people');
    expect(await sessionsOf(employee.id)).toBe(0);
    expect((await knex('users').where('id', employee.id).first('status')).status).toBe('removed');

    const next = await theirs.get('/home');
    expect(next.statusCode).toBe(303);
    expect(next.headers.location).toMatch(/^\/sign-in/);
    const signIn = await new Client(t.app).signIn(employee.email, TEST_PASSWORD);
    expect(signIn.statusCode).toBe(403);

    const after = await client.get('/company/people');
    expect(text(after.body)).toContain('Access has been removed.');
    expect(after.body).not.toContain(`href="/company/people/${employee.id}/remove"`);
    expect(text(after.body)).toMatch(new RegExp(`${employee.name} ${employee.email.replace(/[.]/g, '\\.')} sales agent Access removed`));
    // Someone already removed cannot be removed or changed again.
    expect((await client.get(`/company/people/${employee.id}/remove`)).statusCode).toBe(404);
    expect((await client.post(`/company/people/${employee.id}/role`, { role: 'partner_admin' })).statusCode).toBe(404);
  });

  it('keeps the last partner admin: neither demoted nor removed (409), while one of two admins can be demoted', async () => {
    const { partner, admin, client } = await company();
    const agent = await createUser(knex, { partnerId: partner.id, role: 'sales_agent' });

    for (const attempt of [() => client.post(`/company/people/${admin.id}/role`, { role: 'sales_agent' }), () => client.post(`/company/people/${admin.id}/remove`)]) {
      const res = await attempt();
      expect(res.statusCode).toBe(409);
      expect(errorPage(res).title).toBe('The last administrator must stay');
      expect(errorPage(res).body).toContain('Your company needs at least one partner administrator. Make someone else an administrator first.');
    }
    expect(await knex('users').where('id', admin.id).first('role', 'status')).toEqual({ role: 'partner_admin', status: 'active' });
    expect((await client.get('/home')).statusCode).toBe(200);

    // With a second admin, one of them may step down.
    await client.get('/company/people');
    expect((await client.post(`/company/people/${agent.id}/role`, { role: 'partner_admin' })).statusCode).toBe(303);
    await client.get('/company/people');
    const demoted = await client.post(`/company/people/${admin.id}/role`, { role: 'sales_agent' });
    expect(demoted.statusCode).toBe(303);
    expect((await knex('users').where('id', admin.id).first('role')).role).toBe('sales_agent');
    expect((await knex('users').where('id', agent.id).first('role')).role).toBe('partner_admin');
    // And the demoted one has lost the people page with it.
    expect((await client.get('/company/people')).statusCode).toBe(403);

    const other = await signedIn(t.app, agent.email, TEST_PASSWORD);
    await other.get('/company/people');
    expect((await other.post(`/company/people/${agent.id}/remove`)).statusCode).toBe(409);
    expect((await knex('users').where('id', agent.id).first('status')).status).toBe('active');
  });

  it('keeps sales agents out of the people page and all its actions (403)', async () => {
    const { partner, admin } = await company();
    const agent = await createUser(knex, { partnerId: partner.id, role: 'sales_agent' });
    const colleague = await createUser(knex, { partnerId: partner.id, role: 'sales_agent' });
    const [invitation] = await knex('invitations')
      .insert({ kind: 'partner', partner_id: partner.id, email: address(), role: 'sales_agent', token_hash: unique('hash'), expires_at: new Date(Date.now() + 86_400_000), invited_by: admin.id })
      .returning('id');
    const client = await signedIn(t.app, agent.email, TEST_PASSWORD);
    const invitee = address();
    const page = await client.get('/company/people');
    expect(page.statusCode).toBe(403);
    expect(errorPage(page).title).toBe('You cannot do this');
    expect((await client.get(`/company/people/${colleague.id}/remove`)).statusCode).toBe(403);
    expect((await client.post('/company/people/invite', { email: invitee, role: 'partner_admin' })).statusCode).toBe(403);
    expect((await client.post(`/company/people/${agent.id}/role`, { role: 'partner_admin' })).statusCode).toBe(403);
    expect((await client.post(`/company/people/${colleague.id}/remove`)).statusCode).toBe(403);
    expect((await client.post(`/company/people/invitations/${invitation.id}/revoke`)).statusCode).toBe(403);
    expect((await client.get('/home')).body).not.toContain('href="/company/people"');

    expect(await knex('invitations').where('email', invitee).first('id')).toBeUndefined();
    expect((await knex('users').where('id', agent.id).first('role')).role).toBe('sales_agent');
    expect((await knex('users').where('id', colleague.id).first('status')).status).toBe('active');
    expect((await knex('invitations').where('id', invitation.id).first('revoked_at')).revoked_at).toBeNull();
  });
});

describe('staff (channel admin)', () => {
  it('invites a support agent by email, who accepts and is signed in as staff', async () => {
    const { admin, client } = await freshChannelAdmin();
    const vendor = (await knex('vendor_settings').where('id', 1).first('name')).name as string;
    const invitee = address('staffer');
    const res = await client.post('/admin/staff/invite', { email: invitee, role: 'support_agent' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/staff');
    const list = text((await client.get('/admin/staff')).body);
    expect(list).toContain(`An invitation has been sent to ${invitee}.`);
    expect(list).toContain(`${invitee} (support agent)`);

    const [received] = await mailTo(invitee);
    expect(received!.subject).toBe(`Your invitation to the ${vendor} partner portal team`);
    expect(received!.text).toContain(`${admin.name} has invited you to the ${vendor} partner portal team as support agent.`);
    const link = linkIn(received!, '/invitations/');

    const visitor = new Client(t.app);
    const page = await visitor.get(link);
    expect(page.statusCode).toBe(200);
    expect(text(page.body)).toContain(`Join ${vendor} on the partner portal`);
    expect(text(page.body)).toContain(`You have been invited as support agent with the address ${invitee}.`);
    const accepted = await visitor.post(link, { name: 'Stella Staff', password: PASSPHRASE });
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toBe('/home');
    const home = text((await visitor.get('/home')).body);
    expect(home).toContain('Welcome, Stella Staff');
    expect(home).toContain('You are signed in as support agent.');
    const user = await knex('users').whereRaw('lower(email) = lower(?)', [invitee]).first('kind', 'partner_id', 'role');
    expect(user).toEqual({ kind: 'staff', partner_id: null, role: 'support_agent' });
    // A support agent does not manage staff.
    expect((await visitor.get('/admin/staff')).statusCode).toBe(403);
    expect(text((await client.get('/admin/staff')).body)).toContain(`Stella Staff ${invitee} `);
  }, SMTP_TIMEOUT);

  it('offers only staff roles to staff invitations', async () => {
    const { client } = await freshChannelAdmin();
    const invitee = address('staffer');
    const res = await client.post('/admin/staff/invite', { email: invitee, role: 'partner_admin' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<a href="#role">Select one of the options for Role</a>');
    expect(res.body).toContain(`value="${invitee}"`);
    expect(await knex('invitations').where('email', invitee).first('id')).toBeUndefined();
  });

  it("does not reach partner users or partner invitations through the staff pages (404)", async () => {
    const { client } = await freshChannelAdmin();
    const { partner, admin } = await company();
    const partnerInvitee = address();
    const [invitation] = await knex('invitations')
      .insert({ kind: 'partner', partner_id: partner.id, email: partnerInvitee, role: 'sales_agent', token_hash: unique('hash'), expires_at: new Date(Date.now() + 86_400_000), invited_by: admin.id })
      .returning('id');
    await client.get('/admin/staff');
    expect((await client.post(`/admin/staff/${admin.id}/role`, { role: 'channel_admin' })).statusCode).toBe(404);
    expect((await client.get(`/admin/staff/${admin.id}/remove`)).statusCode).toBe(404);
    expect((await client.post(`/admin/staff/${admin.id}/remove`)).statusCode).toBe(404);
    expect((await client.post(`/admin/staff/invitations/${invitation.id}/revoke`)).statusCode).toBe(404);
    expect(await knex('users').where('id', admin.id).first('kind', 'role', 'status')).toEqual({ kind: 'partner', role: 'partner_admin', status: 'active' });
    expect((await knex('invitations').where('id', invitation.id).first('revoked_at')).revoked_at).toBeNull();
    expect(text((await client.get('/admin/staff')).body)).not.toContain(admin.email);
  });

  it.each(['manager@lumen.example', 'support@lumen.example'])('refuses %s the staff page and its actions (403)', async (email) => {
    const client = await signedIn(t.app, email);
    const someone = await createUser(knex, { role: 'support_agent' });
    const invitee = address('staffer');
    expect((await client.get('/admin/staff')).statusCode).toBe(403);
    expect((await client.post('/admin/staff/invite', { email: invitee, role: 'channel_admin' })).statusCode).toBe(403);
    expect((await client.post(`/admin/staff/${someone.id}/role`, { role: 'channel_admin' })).statusCode).toBe(403);
    expect((await client.get(`/admin/staff/${someone.id}/remove`)).statusCode).toBe(403);
    expect((await client.post(`/admin/staff/${someone.id}/remove`)).statusCode).toBe(403);
    expect(await knex('invitations').where('email', invitee).first('id')).toBeUndefined();
    expect(await knex('users').where('id', someone.id).first('role', 'status')).toEqual({ role: 'support_agent', status: 'active' });
  });

  /**
   * The last-channel-admin guard can only be seen where there is exactly one channel admin. The shared
   * PostgreSQL database has many (other files create them, and the demo admin must stay untouched), so this
   * test runs on a database of its own: a copy of the seeded snapshot on the embedded engine, or, when the run
   * uses PostgreSQL, a freshly migrated and seeded in-memory embedded database. There, the demo admin really is
   * the only channel admin, and nothing done to it is seen by any other test.
   */
  it('keeps the last channel admin (409), while one of two can be demoted', async () => {
    let own: Database | undefined;
    let app: TestApp | undefined;
    try {
      own = await openPrivateDatabase();
      app = await createTestApp({ database: own });
      const admins = () => own!.knex('users').where({ kind: 'staff', role: 'channel_admin', status: 'active' }).orderBy('id').select('id', 'email', 'role', 'status');
      const [only, ...others] = await admins();
      expect(others).toEqual([]);
      expect(only!.email).toBe('admin@lumen.example');

      const client = await signedIn(app.app, 'admin@lumen.example');
      await client.get('/admin/staff');
      for (const attempt of [() => client.post(`/admin/staff/${only!.id}/role`, { role: 'support_agent' }), () => client.post(`/admin/staff/${only!.id}/remove`)]) {
        const res = await attempt();
        expect(res.statusCode).toBe(409);
        expect(errorPage(res).title).toBe('The last administrator must stay');
        expect(errorPage(res).body).toContain('The portal needs at least one channel administrator. Make someone else an administrator first.');
      }
      expect(await admins()).toEqual([only]);

      const second = await createUser(own.knex, { role: 'channel_admin' });
      await client.get('/admin/staff');
      expect((await client.post(`/admin/staff/${second.id}/role`, { role: 'channel_manager' })).statusCode).toBe(303);
      expect((await own.knex('users').where('id', second.id).first('role')).role).toBe('channel_manager');
      expect(await admins()).toEqual([only]);
    } finally {
      await app?.close();
      await own?.close();
    }
  });
});
