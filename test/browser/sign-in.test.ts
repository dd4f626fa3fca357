import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from 'playwright-core';
import { browserAvailable, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';
import {
  DEMO_LOGINS,
  DEMO_PASSWORD,
  demoLogin,
  expectPageAccessible,
  focusedElement,
  openSession,
  patientPolls,
  randomHex,
  signInViaApi,
  submitSignIn,
  trimmedText,
  type Session,
  MODES,
} from './helpers.ts';

describe.runIf(browserAvailable)('signing in and out in a browser', () => {
  let h: BrowserHarness;
  const sessions: Session[] = [];
  const unknownEmails: string[] = [];

  beforeAll(async () => {
    patientPolls();
    h = await startBrowserHarness();
  });
  afterAll(async () => {
    // Wrong passwords count against this browser's address (127.0.0.1) and the typed account for 15 minutes. On a
    // shared PostgreSQL database repeated runs would add up to a lock-out, so the counters these tests made go.
    if (h && unknownEmails.length > 0) {
      await h.server.database
        .knex('sign_in_throttle')
        .whereIn('key', ['address:127.0.0.1', 'address:::ffff:127.0.0.1', ...unknownEmails.map((e) => `account:${e}`)])
        .delete();
    }
    for (const s of sessions) await s.context.close().catch(() => {});
    await h?.close();
  });

  async function open(javaScript: boolean) {
    const s = await openSession(h, { javaScript });
    sessions.push(s);
    return s;
  }

  const cases = DEMO_LOGINS.flatMap((user) => MODES.map((m) => ({ ...m, user, email: user.email })));

  it.each(cases)('$email signs in, sees their home page and signs out ($mode)', async ({ user, javaScript }) => {
    const s = await open(javaScript);
    const { page } = s;
    await page.goto('/sign-in');
    await expect.poll(() => page.title()).toBe('Sign in – Lumen Software Partner Portal');
    await expectPageAccessible(h, s, { onceAs: 'sign-in page' });

    await submitSignIn(page, user.email, DEMO_PASSWORD);
    await expect.poll(() => page.locator('h1').textContent()).toBe(`Welcome, ${user.name}`);
    expect(new URL(page.url()).pathname).toBe('/home');
    await expect.poll(() => page.title()).toBe('Home – Lumen Software Partner Portal');
    await expect.poll(() => page.getByRole('main').getByText(user.roleLine, { exact: true }).count()).toBe(1);
    // The header says who is signed in, and for which company.
    expect(await page.getByRole('banner').getByText(user.who, { exact: true }).count()).toBe(1);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.count()).toBe(1);
    expect(await nav.getByRole('link', { name: 'Home', exact: true }).getAttribute('href')).toBe('/home');
    expect(await nav.getByRole('link', { name: 'Home', exact: true }).getAttribute('aria-current')).toBe('page');
    expect(await nav.getByRole('link', { name: 'My account', exact: true }).getAttribute('href')).toBe('/account');
    await expectPageAccessible(h, s);

    const signOut = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/sign-out');
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    const signOutAnswer = await signOut;
    const refusal = signOutAnswer.status() === 303 ? '' : /<h1>([^<]*)<\/h1>/.exec(await signOutAnswer.text())?.[1];
    expect(signOutAnswer.status(), `POST /sign-out answered ${signOutAnswer.status()} "${refusal}" instead of redirecting to the sign-in page`).toBe(303);
    await expect.poll(() => page.getByRole('main').getByText('You have signed out.', { exact: true }).count(), { timeout: 5000 }).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    // Signed out, the navigation offers only public pages.
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home', exact: true }).count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in', exact: true }).count()).toBe(1);
    expect(await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await expectPageAccessible(h, s, { onceAs: 'signed-out page' });

    // Signed out for real: the home page sends this browser back to the sign-in page.
    const home = await page.goto('/home');
    expect(home?.url()).toMatch(/\/sign-in\?next=%2Fhome$/);
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home', exact: true }).count()).toBe(0);

    expect(s.problems).toEqual([]);
  });

  describe('navigation is enhanced by htmx only when JavaScript is on', () => {
    async function signedInAsBen(javaScript: boolean) {
      const s = await open(javaScript);
      await s.page.goto('/sign-in');
      await submitSignIn(s.page, 'ben@alpha.example', DEMO_PASSWORD);
      await expect.poll(() => s.page.locator('h1').textContent()).toBe(`Welcome, ${demoLogin('ben@alpha.example').name}`);
      const requests: Request[] = [];
      s.page.on('request', (r) => requests.push(r));
      // Lives as long as this document: a full page load would drop it.
      await s.page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
      return { s, requests };
    }
    const sameDocument = (s: Session) => s.page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);
    const toPath = (requests: Request[], path: string) => requests.filter((r) => new URL(r.url()).pathname === path);

    it('with JavaScript on, "My account" is fetched by htmx (HX-Request: true) and swapped into the same document', async () => {
      const { s, requests } = await signedInAsBen(true);
      const { page } = s;
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('My account');

      const account = toPath(requests, '/account');
      expect(account).toHaveLength(1);
      expect(account[0]!.method()).toBe('GET');
      expect(account[0]!.headers()['hx-request']).toBe('true');
      expect(account[0]!.resourceType()).toBe('fetch');
      expect(requests.filter((r) => r.isNavigationRequest()).map((r) => r.url())).toEqual([]);
      expect(await sameDocument(s)).toBe(true);
      // Still a real page: its own address, title and current-page marker.
      expect(new URL(page.url()).pathname).toBe('/account');
      await expect.poll(() => page.title()).toBe('My account – Lumen Software Partner Portal');
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).getAttribute('aria-current')).toBe('page');
      await expectPageAccessible(h, s);

      // The browser's Back button returns to the home page.
      await page.goBack();
      await expect.poll(() => page.locator('h1').textContent()).toBe('Welcome, Ben Alpha');
      expect(new URL(page.url()).pathname).toBe('/home');
      expect(s.problems).toEqual([]);
    });

    it('with JavaScript off, "My account" is an ordinary page load without HX-Request', async () => {
      const { s, requests } = await signedInAsBen(false);
      const { page } = s;
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe('My account');

      const account = toPath(requests, '/account');
      expect(account).toHaveLength(1);
      expect(account[0]!.headers()['hx-request']).toBeUndefined();
      expect(account[0]!.isNavigationRequest()).toBe(true);
      expect(account[0]!.resourceType()).toBe('document');
      expect(await sameDocument(s)).toBe(false);
      expect(new URL(page.url()).pathname).toBe('/account');
      expect(await page.title()).toBe('My account – Lumen Software Partner Portal');
      await expectPageAccessible(h, s);
    });
  });

  it.each(MODES)('an unknown address shows a "Page not found" page that leads back home ($mode)', async ({ javaScript }) => {
    const s = await open(javaScript);
    const { page } = s;
    await signInViaApi(s.context, 'carla@beta.example');
    const response = await page.goto('/no-such-page');
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    // Still the vendor's portal, and still signed in.
    expect.soft(await page.title(), 'title of the 404 page').toBe('Page not found – Lumen Software Partner Portal');
    expect.soft(await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).count(), 'sign-out button on the 404 page of a signed-in user').toBe(1);
    await expectPageAccessible(h, s);

    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Welcome, Carla Beta');
    expect(new URL(page.url()).pathname).toBe('/home');
    // Chromium logs the 404 of the page itself as a console error; nothing else may appear.
    expect(s.problems.filter((p) => !/status of 404/.test(p))).toEqual([]);
  });

  it.each(MODES)('a wrong password shows the error summary and keeps the email ($mode)', async ({ javaScript }) => {
    const s = await open(javaScript);
    const { page } = s;
    // Not a demo user: failures count against the typed account, and demo accounts are shared with other tests.
    const email = `nobody-${randomHex()}@alpha.example`;
    unknownEmails.push(email);
    await page.goto('/sign-in');
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/sign-in');
    await submitSignIn(page, email, 'not-the-password');
    expect((await answer).status()).toBe(422);

    await expect.poll(() => page.title()).toBe('Error: Sign in – Lumen Software Partner Portal');
    const summary = page.getByRole('alert', { name: 'There is a problem' });
    expect(await summary.count()).toBe(1);
    const link = summary.getByRole('link', { name: 'The email address or password is not correct' });
    expect(await link.getAttribute('href')).toBe('#email');
    // The field says it too, and the email typed is still there; the password is not sent back.
    expect(await trimmedText(page.locator('#email-error'))).toBe('Error: The email address or password is not correct');
    const emailInput = page.getByLabel('Email address');
    expect(await emailInput.inputValue()).toBe(email);
    expect(await emailInput.getAttribute('aria-invalid')).toBe('true');
    expect(await emailInput.getAttribute('aria-describedby')).toContain('email-error');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    if (javaScript) {
      // static/js/app.js moves focus to the summary so screen readers announce it.
      await expect.poll(() => focusedElement(page)).toBe('div.error-summary');
    }
    await expectPageAccessible(h, s);

    await link.click();
    await expect.poll(() => focusedElement(page)).toBe('#email');
    expect(s.problems).toEqual([]);
  });
});
