import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import type { BrowserContext, ConsoleMessage, Page, Response } from 'playwright-core';
import { expectAccessible, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';
import { DEMO_PARTNERS, DEMO_PASSWORD, DEMO_USERS, DEMO_VENDOR } from '../../src/seed/demo.ts';

export { DEMO_PASSWORD, DEMO_VENDOR };

/** How each demo role reads on the home page (en.json). */
const ROLE_TEXT: Record<string, string> = {
  channel_admin: 'channel administrator',
  channel_manager: 'channel manager',
  support_agent: 'support agent',
  partner_admin: 'partner administrator',
  sales_agent: 'sales agent',
};

export type DemoLogin = { email: string; name: string; role: string; company: string; kind: 'staff' | 'partner'; roleLine: string; who: string };

const applyingCompanies = new Set(DEMO_PARTNERS.filter((p) => p.status !== 'active').map((p) => p.name));

/** Demo users of the vendor and of active partners (applicants have a page of their own), with what their home page must say. */
export const DEMO_LOGINS: DemoLogin[] = DEMO_USERS.filter((u) => !u.partner || !applyingCompanies.has(u.partner)).map((u) => {
  const role = ROLE_TEXT[u.role];
  if (!role) throw new Error(`No role text for ${u.role}`);
  return {
    email: u.email,
    name: u.name,
    role: u.role,
    kind: u.partner ? 'partner' : 'staff',
    company: u.partner ?? DEMO_VENDOR.name,
    roleLine: u.partner ? `You work for ${u.partner} as ${role}.` : `You are signed in as ${role}.`,
    who: `${u.name}, ${u.partner ?? DEMO_VENDOR.name}`,
  };
});

/** Demo contacts of companies still applying or turned down: they see only their application. */
export const DEMO_APPLICANTS = DEMO_USERS.filter((u) => u.partner && applyingCompanies.has(u.partner)).map((u) => ({
  email: u.email,
  name: u.name,
  company: u.partner!,
  status: DEMO_PARTNERS.find((p) => p.name === u.partner)!.status,
}));

export function demoLogin(email: string): DemoLogin {
  const found = DEMO_LOGINS.find((u) => u.email === email);
  if (!found) throw new Error(`No demo user ${email}`);
  return found;
}

export const randomHex = (bytes = 5) => randomBytes(bytes).toString('hex');

export type Session = { context: BrowserContext; page: Page; javaScript: boolean; problems: string[] };

/**
 * A fresh browser profile and page. With JavaScript on, every console error, uncaught page error and CSP
 * violation lands in `problems` (tests end by expecting it to be empty).
 */
export async function openSession(h: BrowserHarness, options: { javaScript: boolean; locale?: string; viewport?: { width: number; height: number } }): Promise<Session> {
  const context = await h.context({ javaScript: options.javaScript, ...(options.locale ? { locale: options.locale } : {}) });
  const problems: string[] = [];
  if (options.javaScript) {
    // An init script runs through the DevTools protocol, so the page's CSP does not block it. Chromium also
    // logs violations to the console itself; the event makes sure none can go unnoticed.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'} in ${e.sourceFile}:${e.lineNumber}`);
      });
    });
  }
  const page = await context.newPage();
  if (options.viewport) await page.setViewportSize(options.viewport);
  if (options.javaScript) {
    page.on('console', (m) => {
      if (m.type() === 'error' && !isExpectedValidationResponse(m)) problems.push(`console error: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  }
  return { context, page, javaScript: options.javaScript, problems };
}

/**
 * Chromium logs every 4xx answer to fetch() as a console error. A 422 from a form post is the portal's normal
 * answer to invalid input (the form comes back with its error summary), so exactly that one is not a problem;
 * any other failed load (403, 404, 500, a blocked script) is.
 */
function isExpectedValidationResponse(m: ConsoleMessage): boolean {
  const path = new URL(m.location().url || 'about:blank', 'http://x').pathname;
  return /the server responded with a status of 422\b/.test(m.text()) && ['/sign-in', '/account/preferences'].includes(path);
}

const mirrorContexts = new WeakMap<BrowserHarness, Promise<BrowserContext>>();
const audited = new WeakMap<BrowserHarness, Set<string>>();

/**
 * axe-core on the page as it is now, JavaScript on or off.
 *
 * With JavaScript off, axe cannot run in the page itself: script execution is disabled for the whole page, so
 * axe's own promises and timers never fire and axe.run() never returns. Such a page is audited as an exact copy
 * instead: its current DOM served at the same address in a JavaScript-enabled page with the same viewport, with the
 * same stylesheet from the server (colour contrast needs the real CSS), and with the page's own scripts replaced
 * by empty ones so nothing changes the copy.
 *
 * `onceAs` names a page state that looks the same every time (the empty sign-in form, say): it is audited the
 * first time per JavaScript mode in this file and skipped after that, which keeps the per-user tests quick.
 */
export async function expectPageAccessible(h: BrowserHarness, s: Session, options: { onceAs?: string } = {}): Promise<void> {
  if (options.onceAs) {
    const done = audited.get(h) ?? new Set<string>();
    audited.set(h, done);
    const key = `${options.onceAs} (JavaScript ${s.javaScript ? 'on' : 'off'})`;
    if (done.has(key)) return;
    done.add(key);
  }
  if (s.javaScript) return expectAccessible(s.page);
  let contextPromise = mirrorContexts.get(h);
  if (!contextPromise) {
    contextPromise = h.context({ javaScript: true });
    mirrorContexts.set(h, contextPromise);
  }
  const mirror = await (await contextPromise).newPage();
  try {
    const url = s.page.url();
    const html = await s.page.content();
    await mirror.setViewportSize(s.page.viewportSize() ?? { width: 1280, height: 720 });
    await mirror.route('**/*', async (route) => {
      const request = route.request();
      if (request.isNavigationRequest()) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      if (request.resourceType() === 'script') return route.fulfill({ status: 200, contentType: 'text/javascript', body: '' });
      return route.continue();
    });
    await mirror.goto(url);
    await expectAccessible(mirror).catch((err: Error) => {
      throw new Error(`(page with JavaScript off, audited as a copy of its DOM) ${err.message}`);
    });
  } finally {
    await mirror.close();
  }
}

/** Signs in through the visible form, as a user does. Does not wait for the result. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Signs in with the form's own HTTP interface (the context's request client shares its cookies), for tests
 * that are about what comes after signing in.
 */
export async function signInViaApi(context: BrowserContext, email: string, password = DEMO_PASSWORD): Promise<void> {
  const form = await context.request.get('/sign-in');
  expect(form.status()).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  expect(csrf, 'the sign-in form carries a CSRF token').toBeTruthy();
  const res = await context.request.post('/sign-in', { form: { _csrf: csrf!, next: '/home', email, password }, maxRedirects: 0 });
  expect(res.status(), `sign-in of ${email}`).toBe(303);
  expect(res.headers().location).toBe('/home');
}

/**
 * Page loads and htmx swaps wait on the server (a sign-in verifies an Argon2 hash), so polls get up to 10 s instead
 * of vitest's default 1 s. Called from each file's beforeAll.
 */
export function patientPolls(): void {
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
}

/**
 * A soft expectation (the test goes on, and fails at the end) that first waits briefly: htmx sets the document
 * title a moment after it has swapped in the new content. Used where a known bug makes the value wrong, so one
 * run reports every wrong value instead of only the first.
 */
export async function expectSoonSoft<T>(read: () => Promise<T>, expected: T, message: string): Promise<void> {
  try {
    await expect.poll(read, { timeout: 1500 }).toEqual(expected);
  } catch {
    expect.soft(await read(), message).toEqual(expected);
  }
}

/** The element's text with surrounding white space removed (templates indent their output). */
export const trimmedText = async (locator: { textContent(): Promise<string | null> }) => (await locator.textContent())?.trim() ?? null;

export const htmlLang = (page: Page) => page.locator('html').getAttribute('lang');

export const h1 = (page: Page) => page.locator('h1').textContent();
export const path = (page: Page) => new URL(page.url()).pathname;
export const main = (page: Page) => page.getByRole('main');
/** The visible text of the main region, white space collapsed. */
export const mainText = async (page: Page) => (await main(page).innerText()).replace(/\s+/g, ' ').trim();
/** The flash message after a redirect (a page may hold other status regions, such as a copy button's or feedback's). */
export const flash = (page: Page) => main(page).locator('.notice[role="status"]');
/** The error summary, by its heading in the page's language. */
export const errorSummary = (page: Page, name = 'There is a problem') => page.getByRole('alert', { name });

/**
 * Clicks a form's button and returns the status of the answer to its POST: the page's own navigation with
 * JavaScript off, htmx's request with it on (the same status either way).
 */
export async function submitAndStatus(page: Page, click: () => Promise<void>): Promise<number> {
  const answered = page.waitForResponse((r: Response) => r.request().method() === 'POST');
  await click();
  return (await answered).status();
}

/**
 * Chromium logs every 4xx answer as a console error. Journeys provoke 422 answers on purpose (a form's error
 * summary); any other problem (a 403, 404, 500, a CSP violation, a script error) fails the test.
 */
export function unexpectedProblems(s: Session): string[] {
  return s.problems.filter((p) => !/the server responded with a status of 422\b/.test(p));
}

/** The id (or tag and class) of the element that has focus. */
export const focusedElement = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).trim().split(/\s+/).join('.') : ''}`;
  });

export const MODES = [
  { mode: 'JavaScript on', javaScript: true },
  { mode: 'JavaScript off', javaScript: false },
] as const;

/**
 * One portal and one browser for the describe block it is called in, closed with it. `h` stands for the harness
 * before it exists (the block's tests run after its beforeAll); `openProfile` gives a fresh browser profile that
 * is closed with the block too.
 */
export function useBrowser(): { h: BrowserHarness; openProfile: (options: Parameters<typeof openSession>[1]) => Promise<Session> } {
  let harness: BrowserHarness | undefined;
  const sessions: Session[] = [];
  const current = () => {
    if (!harness) throw new Error('the browser harness is not started yet');
    return harness;
  };
  const h: BrowserHarness = {
    get baseUrl() { return current().baseUrl; },
    get browser() { return current().browser; },
    get server() { return current().server; },
    context: (options) => current().context(options),
    close: () => current().close(),
  };
  beforeAll(async () => {
    patientPolls();
    harness = await startBrowserHarness();
  });
  afterAll(async () => {
    for (const s of sessions) await s.context.close().catch(() => {});
    await harness?.close();
  });
  return {
    h,
    async openProfile(options) {
      const s = await openSession(h, options);
      sessions.push(s);
      return s;
    },
  };
}
