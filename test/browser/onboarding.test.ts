import { describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { browserAvailable, type BrowserHarness } from '../support/browser.ts';
import {
  DEMO_PASSWORD,
  expectPageAccessible,
  focusedElement,
  h1,
  MODES,
  path,
  randomHex,
  type Session,
  signInViaApi,
  submitSignIn,
  trimmedText,
  useBrowser,
} from './helpers.ts';

const TITLE_SUFFIX = ' – Lumen Software Partner Portal';

/**
 * Chromium logs every 4xx answer as a console error. These are the answers this journey provokes on purpose:
 * the empty application form (422), an invitation link opened a second time (410) and the removed colleague's
 * sign-in (403). Anything else is a problem.
 */
const EXPECTED_ANSWERS = [/status of 422 .*\/apply\)$/, /status of 410 .*\/invitations\/[A-Za-z0-9_-]{43}\)$/, /status of 403 .*\/sign-in\)$/];
const unexpectedProblems = (s: Session) => s.problems.filter((p) => !EXPECTED_ANSWERS.some((re) => re.test(p)));

/** axe-core as a soft expectation: the journey goes on, and the test fails at its end listing every violation. */
async function audit(h: BrowserHarness, s: Session, options: { onceAs?: string } = {}): Promise<void> {
  const failure = await expectPageAccessible(h, s, options).then(
    () => null,
    (err: Error) => err.message,
  );
  expect.soft(failure, `accessibility of ${s.page.url()}`).toBeNull();
}

const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const navLinks = async (page: Page) => (await mainNav(page).getByRole('link').allTextContents()).map((t) => t.trim());

/** Marks the current document; a full page load (not an htmx swap) loses the mark. */
const markDocument = (page: Page) => page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);

describe.runIf(browserAvailable)('becoming a partner, from the program page to a colleague who leaves', () => {
  const { h, openProfile } = useBrowser();

  async function open(javaScript: boolean) {
    const s = await openProfile({ javaScript });
    // A missing element fails its step with the locator named, well before the test's own time limit.
    s.context.setDefaultTimeout(10_000);
    return s;
  }

  // Each run has its own company and people: the two never meet, and neither touches demo records.
  describe.each(MODES)('$mode', ({ javaScript }) => {
    const id = randomHex();
    const company = `Onboarding ${javaScript ? 'On' : 'Off'} ${id} GmbH`;
    const applicant = { name: `Petra Applicant ${id}`, email: `petra-${id}@onboarding.example`, password: `a long passphrase ${id}` };
    const colleague = { name: `Colin Colleague ${id}`, email: `colin-${id}@onboarding.example`, password: `another passphrase ${id}` };
    const state: { applicant?: Session; manager?: Session; admin?: Session; colleague?: Session; applicationPath?: string; invitationPath?: string } = {};

    it('a. a visitor reads the program, sends an empty application, corrects it and sees the application pending', async () => {
      const s = await open(javaScript);
      const { page } = s;
      await page.goto('/program');
      expect(await h1(page)).toBe('The partner program');
      expect(await page.title()).toBe(`The partner program${TITLE_SUFFIX}`);
      await audit(h, s);

      await page.getByRole('main').getByRole('link', { name: 'Apply to become a partner' }).click();
      await expect.poll(() => h1(page)).toBe('Apply to the partner program');
      expect(path(page)).toBe('/apply');
      await expect.poll(() => page.title()).toBe(`Apply to the partner program${TITLE_SUFFIX}`);
      await audit(h, s);

      // Sent empty: every required field is named in the summary, which links to it.
      const submit = page.getByRole('button', { name: 'Send application' });
      const empty = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/apply');
      await submit.click();
      expect((await empty).status()).toBe(422);
      const summary = page.getByRole('alert', { name: 'There is a problem' });
      await expect.poll(() => summary.count()).toBe(1);
      await expect.poll(() => page.title()).toBe(`Error: Apply to the partner program${TITLE_SUFFIX}`);
      const links = summary.getByRole('link');
      expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['#company_name', '#country', '#contact_name', '#email', '#password']);
      const messages = (await links.allTextContents()).map((t) => t.trim());
      expect(messages[0]).toBe("Enter your company's name");
      expect(messages[1]).toBe('Select a country');
      expect(messages[2]).toBe('Enter your full name');
      expect(messages[3]).toBe('Enter your email address');
      expect(messages[4]).toBe('Enter a password');
      // Each field says it too, and is marked invalid.
      for (const [field, message] of [['company_name', messages[0]], ['country', messages[1]], ['contact_name', messages[2]], ['email', messages[3]], ['password', messages[4]]] as const) {
        expect(await trimmedText(page.locator(`#${field}-error`))).toBe(`Error: ${message}`);
        expect(await page.locator(`#${field}`).getAttribute('aria-invalid')).toBe('true');
        expect(await page.locator(`#${field}`).getAttribute('aria-describedby')).toContain(`${field}-error`);
      }
      if (javaScript) await expect.poll(() => focusedElement(page)).toBe('div.error-summary');
      await audit(h, s);

      // Filled in properly.
      await page.getByLabel('Company name', { exact: true }).fill(company);
      await page.getByLabel('Website', { exact: true }).fill(`www.onboarding-${id}.example`);
      await page.getByLabel('Country', { exact: true }).selectOption({ label: 'Germany' });
      await page.getByRole('group', { name: 'Specialties' }).getByLabel('Lumen Analytics', { exact: true }).check();
      const served = page.getByRole('group', { name: 'Countries you serve' });
      await served.getByLabel('Germany', { exact: true }).check();
      await served.getByLabel('Austria', { exact: true }).check();
      await page.getByRole('group', { name: 'Languages you work in' }).getByLabel('German', { exact: true }).check();
      await page.getByLabel('Your full name', { exact: true }).fill(applicant.name);
      await page.getByLabel('Your email address', { exact: true }).fill(applicant.email);
      await page.getByLabel('Choose a password', { exact: true }).fill(applicant.password);
      const sent = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/apply');
      await submit.click();
      expect((await sent).status()).toBe(303);

      await expect.poll(() => h1(page)).toBe('Your application');
      expect(path(page)).toBe('/home');
      await expect.poll(() => page.title()).toBe(`Your application${TITLE_SUFFIX}`);
      const main = page.getByRole('main');
      expect(await trimmedText(main.getByRole('status'))).toBe('Thank you. Your application has been sent to the partner team.');
      expect(await main.getByText(`Application for ${company} to join the partner program.`, { exact: true }).count()).toBe(1);
      expect(await trimmedText(main.locator('.status-line'))).toBe('Status: Pending review');
      expect(await main.getByText('The partner team is reviewing your application. We will email you when they have decided.', { exact: true }).count()).toBe(1);
      // An applicant sees nothing of the portal but the application and the account.
      expect(await navLinks(page)).toEqual(['Knowledge base', 'Home', 'My account']);
      expect(await page.getByRole('banner').getByRole('link', { name: 'Notifications' }).count()).toBe(1);
      expect(await page.getByRole('banner').getByText(`${applicant.name}, ${company}`, { exact: true }).count()).toBe(1);
      await audit(h, s);
      state.applicant = s;
    });

    it('b. the channel manager approves the application as Silver with capacity 3', async () => {
      expect(state.applicant, 'step a must have succeeded').toBeDefined();
      const s = await open(javaScript);
      const { page } = s;
      await page.goto('/sign-in');
      await audit(h, s, { onceAs: 'sign-in page' });
      await submitSignIn(page, 'manager@lumen.example', DEMO_PASSWORD);
      await expect.poll(() => h1(page)).toBe('Welcome, Maria Manager');

      await mainNav(page).getByRole('link', { name: 'Applications' }).click();
      await expect.poll(() => h1(page)).toBe('Applications');
      expect(path(page)).toBe('/admin/applications');
      // The waiting list is what opens by default.
      expect(await trimmedText(page.locator('table caption'))).toBe('Pending review, waiting longest first');
      await audit(h, s);

      // Narrowed to Germany: on a shared database the waiting list (longest waiting first, 200 at most) may be long.
      const filters = page.getByRole('search', { name: 'Filter applications' });
      await filters.getByLabel('Country', { exact: true }).selectOption({ label: 'Germany' });
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('country')).toBe('DE');
      expect(new URL(page.url()).searchParams.get('status')).toBe('applicant');
      const row = page.getByRole('row').filter({ hasText: company });
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.getByRole('cell').nth(1).textContent()).toBe('Germany');
      await row.getByRole('link', { name: company }).click();
      await expect.poll(() => h1(page)).toBe(company);
      expect(path(page)).toMatch(/^\/admin\/applications\/\d+$/);
      state.applicationPath = path(page);
      const main = page.getByRole('main');
      expect(await main.getByText(`${applicant.name}, ${applicant.email}`, { exact: true }).count()).toBe(1);
      const decision = page.getByRole('region', { name: 'Decision' });
      expect(await decision.count()).toBe(1);
      await audit(h, s);

      const requests: Request[] = [];
      page.on('request', (r) => requests.push(r));
      await markDocument(page);
      await decision.getByLabel('Partner level').selectOption({ label: 'Silver' });
      await decision.getByLabel('Capacity').fill('3');
      const approved = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `${state.applicationPath}/approve`);
      await decision.getByRole('button', { name: 'Approve' }).click();
      expect((await approved).status()).toBe(303);

      await expect.poll(() => decision.locator('.badge').textContent()).toBe('Active');
      expect(await decision.getByText('Partner level: Silver, Capacity: 3', { exact: true }).count()).toBe(1);
      expect(await decision.locator('p').filter({ has: page.locator('.badge') }).textContent()).toMatch(/^\s*Active\s+Decided on .+ by Maria Manager\.\s*$/);
      expect(await decision.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await trimmedText(page.getByRole('status'))).toBe(`${company} is now a partner.`);
      expect(path(page)).toBe(state.applicationPath);

      const posts = requests.filter((r) => r.method() === 'POST' && new URL(r.url()).pathname === `${state.applicationPath}/approve`);
      expect(posts).toHaveLength(1);
      if (javaScript) {
        // Replaced in place: htmx posted the form and swapped only the decision panel.
        expect(posts[0]!.headers()['hx-request']).toBe('true');
        expect(posts[0]!.headers()['hx-request-type']).toBe('partial');
        expect(posts[0]!.isNavigationRequest()).toBe(false);
        expect(requests.filter((r) => r.isNavigationRequest()).map((r) => r.url())).toEqual([]);
        expect(await sameDocument(page)).toBe(true);
        expect(await h1(page)).toBe(company);
      } else {
        // An ordinary post, answered with a redirect to the application.
        expect(posts[0]!.headers()['hx-request']).toBeUndefined();
        expect(posts[0]!.isNavigationRequest()).toBe(true);
        expect(await sameDocument(page)).toBe(false);
      }
      await audit(h, s);
      state.manager = s;
    });

    it('c. the new partner administrator is welcomed and invites a colleague as sales agent', async () => {
      expect(state.manager, 'step b must have succeeded').toBeDefined();
      const s = state.applicant!;
      const { page } = s;
      // The same browser session as at the application: approval made it a partner administrator's.
      await mainNav(page).getByRole('link', { name: 'Home' }).click();
      await expect.poll(() => h1(page)).toBe(`Welcome, ${applicant.name}`);
      expect(path(page)).toBe('/home');
      expect(await page.getByRole('main').getByText(`You work for ${company} as partner administrator.`, { exact: true }).count()).toBe(1);
      expect(await navLinks(page)).toContain('People');
      await audit(h, s);

      await mainNav(page).getByRole('link', { name: 'People' }).click();
      await expect.poll(() => h1(page)).toBe('People');
      expect(path(page)).toBe('/company/people');
      expect(await page.getByRole('row').filter({ hasText: applicant.email }).count()).toBe(1);
      expect(await page.getByText('No invitations are waiting.', { exact: true }).count()).toBe(1);
      await audit(h, s);

      const invite = page.getByRole('region', { name: 'Invite someone' });
      await invite.getByLabel('Email address').fill(colleague.email);
      await invite.getByLabel('Role', { exact: true }).selectOption({ label: 'sales agent' });
      await invite.getByRole('button', { name: 'Send invitation' }).click();
      await expect.poll(() => trimmedText(page.getByRole('status'))).toBe(`An invitation has been sent to ${colleague.email}.`);
      expect(path(page)).toBe('/company/people');
      const waiting = page.getByRole('listitem').filter({ hasText: `${colleague.email} (sales agent)` });
      expect(await waiting.count()).toBe(1);
      expect(await waiting.textContent()).toMatch(/link valid until/);
      expect(await waiting.getByRole('button', { name: `Withdraw (${colleague.email})` }).count()).toBe(1);
      await audit(h, s);
    });

    it('d. the colleague follows the emailed link, creates an account, and the link then counts as used', async () => {
      expect(state.applicant, 'step a must have succeeded').toBeDefined();
      const admin = await open(javaScript);
      state.admin = admin;
      await signInViaApi(admin.context, 'admin@lumen.example');
      await admin.page.goto('/home');
      await mainNav(admin.page).getByRole('link', { name: 'Sent mail' }).click();
      await expect.poll(() => h1(admin.page)).toBe('Sent mail');
      expect(path(admin.page)).toBe('/admin/mail');
      await audit(h, admin);

      const subject = `Your invitation to ${company} on the partner portal`;
      const row = admin.page.getByRole('row').filter({ hasText: colleague.email });
      expect(await row.count()).toBe(1);
      await row.getByRole('link', { name: subject }).click();
      await expect.poll(() => h1(admin.page)).toBe(subject);
      expect(path(admin.page)).toMatch(/^\/admin\/mail\/\d+$/);
      const body = admin.page.locator('pre.mail');
      expect(await body.textContent()).toContain(`${applicant.name} has invited you to the partner portal as sales agent of ${company}.`);
      const link = body.getByRole('link');
      expect(await link.count()).toBe(1);
      const href = (await link.getAttribute('href'))!;
      // Emails link to the portal's public address (http://portal.test in tests); the path is what leads here.
      expect(href).toMatch(/^http:\/\/portal\.test\/invitations\/[A-Za-z0-9_-]{43}$/);
      expect(await link.textContent()).toBe(href);
      await audit(h, admin);
      state.invitationPath = new URL(href).pathname;

      const s = await open(javaScript);
      state.colleague = s;
      const { page } = s;
      const opened = await page.goto(state.invitationPath);
      expect(opened?.status()).toBe(200);
      expect(await h1(page)).toBe(`Join ${company} on the partner portal`);
      expect(await page.getByRole('main').getByText(`You have been invited as sales agent with the address ${colleague.email}. Choose your name and a password to finish.`, { exact: true }).count()).toBe(1);
      await audit(h, s);

      await page.getByLabel('Your full name').fill(colleague.name);
      await page.getByLabel('Choose a password').fill(colleague.password);
      await page.getByRole('button', { name: 'Create my account' }).click();
      await expect.poll(() => h1(page)).toBe(`Welcome, ${colleague.name}`);
      expect(path(page)).toBe('/home');
      expect(await trimmedText(page.getByRole('status'))).toBe('Welcome! Your account is ready.');
      expect(await page.getByRole('main').getByText(`You work for ${company} as sales agent.`, { exact: true }).count()).toBe(1);
      expect(await page.getByRole('banner').getByText(`${colleague.name}, ${company}`, { exact: true }).count()).toBe(1);
      // A sales agent does not manage people.
      expect(await navLinks(page)).not.toContain('People');
      await audit(h, s);

      // The link works once.
      const again = await page.goto(state.invitationPath);
      expect(again?.status()).toBe(410);
      expect(await h1(page)).toBe('Invitation already used');
      expect(await page.getByRole('main').getByText('This invitation has already been used. Sign in with the password you chose.', { exact: true }).count()).toBe(1);
      await audit(h, s);
      // Back to the colleague's home page for the last step.
      await page.goto('/home');
      expect(await h1(page)).toBe(`Welcome, ${colleague.name}`);

      // The partner administrator sees the colleague among the company's people now, not among the invitations.
      const adminPage = state.applicant!.page;
      await adminPage.reload();
      await expect.poll(() => h1(adminPage)).toBe('People');
      expect(await adminPage.getByRole('row').filter({ hasText: colleague.email }).count()).toBe(1);
      expect(await adminPage.getByText('No invitations are waiting.', { exact: true }).count()).toBe(1);
    });

    it('e. the partner administrator removes the colleague, whose session ends at once', async () => {
      expect(state.colleague, 'step d must have succeeded').toBeDefined();
      const s = state.applicant!;
      const { page } = s;
      const row = page.getByRole('row').filter({ hasText: colleague.email });
      await row.getByRole('link', { name: `Remove access ${colleague.name}` }).click();
      await expect.poll(() => h1(page)).toBe(`Remove access for ${colleague.name}?`);
      expect(path(page)).toMatch(/^\/company\/people\/\d+\/remove$/);
      expect(await page.getByRole('main').getByText(`${colleague.name} (${colleague.email}) will be signed out at once and can no longer sign in. Their past work stays in the portal.`, { exact: true }).count()).toBe(1);
      expect(await page.getByRole('main').getByRole('link', { name: 'Cancel' }).getAttribute('href')).toBe('/company/people');
      await audit(h, s);

      await page.getByRole('button', { name: 'Yes, remove access' }).click();
      await expect.poll(() => h1(page)).toBe('People');
      expect(path(page)).toBe('/company/people');
      expect(await trimmedText(page.getByRole('status'))).toBe('Access has been removed.');
      const removed = page.getByRole('row').filter({ hasText: colleague.email });
      expect(await removed.getByText('Access removed', { exact: true }).count()).toBe(1);
      expect(await removed.getByRole('link', { name: /Remove access/ }).count()).toBe(0);
      await audit(h, s);

      // The colleague's next click finds the session gone.
      const c = state.colleague!;
      await mainNav(c.page).getByRole('link', { name: 'Company profile' }).click();
      await expect.poll(() => h1(c.page)).toBe('Sign in');
      expect(path(c.page)).toBe('/sign-in');
      expect(new URL(c.page.url()).searchParams.get('next')).toBe('/company');
      expect(await c.page.getByRole('banner').getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      expect(await navLinks(c.page)).toContain('Sign in');
      // And the right password no longer opens the portal.
      const refused = c.page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/sign-in');
      await submitSignIn(c.page, colleague.email, colleague.password);
      expect((await refused).status()).toBe(403);
      const summary = c.page.getByRole('alert', { name: 'There is a problem' });
      await expect.poll(() => summary.count()).toBe(1);
      expect(await trimmedText(summary.getByRole('link'))).toBe("This account can no longer sign in. Ask your company's administrator or the partner team for help");
      expect(path(c.page)).toBe('/sign-in');
    });

    // Only browsers with JavaScript can report console errors, so only that run has this step.
    if (javaScript) it('f. no console errors, page errors or CSP violations in any of the browsers', () => {
      for (const s of [state.applicant, state.manager, state.admin, state.colleague]) {
        if (s) expect(unexpectedProblems(s)).toEqual([]);
      }
    });
  });
});
