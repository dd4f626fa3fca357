import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { browserAvailable, type BrowserHarness } from '../support/browser.ts';
import { translator } from '../../src/i18n/index.ts';
import { DEMO_PARTNERS } from '../../src/seed/demo.ts';
import {
  DEMO_APPLICANTS,
  expectPageAccessible,
  focusedElement,
  h1,
  MODES,
  path,
  randomHex,
  type Session,
  signInViaApi,
  trimmedText,
  useBrowser,
} from './helpers.ts';

const TITLE_SUFFIX = ' – Lumen Software Partner Portal';

const mainNav = (page: Page, name = 'Main') => page.getByRole('navigation', { name });
const navLinks = async (page: Page, name = 'Main') => (await mainNav(page, name).getByRole('link').allTextContents()).map((t) => t.trim());
const markDocument = (page: Page) => page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);
const scrollWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/**
 * Chromium logs every 4xx answer as a console error; a test names the ones it provokes on purpose
 * (status and path), and anything else in `problems` fails it.
 */
function unexpectedProblems(s: Session, expected: { status: number; path: RegExp }[] = []): string[] {
  return s.problems.filter((p) => {
    const m = /status of (\d{3})\b.*\((https?:\/\/[^)]+)\)$/.exec(p);
    if (!m) return true;
    const at = new URL(m[2]!).pathname;
    return !expected.some((e) => e.status === Number(m[1]) && e.path.test(at));
  });
}

/**
 * axe-core on the page as it is now (JavaScript on or off), as a soft expectation: the test goes on, so one run
 * reports every page with violations, and fails at the end.
 */
async function audit(h: BrowserHarness, s: Session): Promise<void> {
  const failure = await expectPageAccessible(h, s).then(
    () => null,
    (err: Error) => err.message,
  );
  expect.soft(failure, `accessibility of ${s.page.url()}`).toBeNull();
}

/** The footer's language switcher offers the portal's five languages, whatever page it is on. */
async function expectLanguageSwitcher(page: Page): Promise<void> {
  const options = page.getByRole('contentinfo').getByLabel('Language').locator('option');
  const offered = await options.evaluateAll((os) => os.map((o) => `${o.getAttribute('value')}:${o.getAttribute('lang')}:${o.textContent}`));
  expect.soft(offered, `footer language switcher on ${new URL(page.url()).pathname}`).toEqual(['en:en:English', 'de:de:Deutsch', 'cs:cs:Čeština', 'et:et:Eesti', 'it:it:Italiano']);
}

/** Opens a page by address and checks that it is the one expected. */
async function visit(page: Page, url: string, heading: string, status = 200) {
  const response = await page.goto(url);
  expect(response?.status(), `status of ${url}`).toBe(status);
  expect(await h1(page), `heading of ${url}`).toBe(heading);
}

describe.runIf(browserAvailable)("the portal's pages in a browser", () => {
  const { h, openProfile } = useBrowser();

  async function open(javaScript: boolean, viewport?: { width: number; height: number }) {
    const s = await openProfile({ javaScript, ...(viewport ? { viewport } : {}) });
    // A missing element fails its step with the locator named, well before the test's own time limit.
    s.context.setDefaultTimeout(10_000);
    return s;
  }

  async function signedIn(email: string, javaScript = true) {
    const s = await open(javaScript);
    await signInViaApi(s.context, email);
    return s;
  }

  describe('without signing in', () => {
    it.each(MODES)('the program page leads to the application form ($mode)', async ({ javaScript }) => {
      const s = await open(javaScript);
      const { page } = s;
      await visit(page, '/program', 'The partner program');
      expect(await page.title()).toBe(`The partner program${TITLE_SUFFIX}`);
      expect(await page.getByRole('main').getByRole('heading', { level: 2 }).count()).toBeGreaterThan(0);
      expect(await page.getByRole('main').getByRole('link', { name: 'Apply to become a partner' }).getAttribute('href')).toBe('/apply');
      expect(await page.getByRole('main').getByRole('link', { name: 'Already a partner? Sign in' }).getAttribute('href')).toBe('/sign-in');
      expect(await navLinks(page)).toEqual(['Partner program', 'Find a partner', 'Knowledge base', 'Apply', 'Sign in']);
      expect(await mainNav(page).getByRole('link', { name: 'Partner program' }).getAttribute('aria-current')).toBe('page');
      await audit(h, s);

      await visit(page, '/apply', 'Apply to the partner program');
      expect(await page.title()).toBe(`Apply to the partner program${TITLE_SUFFIX}`);
      expect(await page.getByLabel('Country', { exact: true }).inputValue()).toBe('');
      expect(await page.getByRole('group', { name: 'Specialties' }).getByRole('checkbox').count()).toBeGreaterThan(0);
      await audit(h, s);
      expect(s.problems).toEqual([]);
    });

    it.each(MODES)('"Find a partner" searched by country Germany lists Alpha Solutions first ($mode)', async ({ javaScript }) => {
      const s = await open(javaScript);
      const { page } = s;
      await visit(page, '/partners/find', 'Find a partner');
      expect(await page.title()).toBe(`Find a partner${TITLE_SUFFIX}`);
      const results = page.getByRole('region', { name: /^\d+ partners?$/ });
      expect(await results.count()).toBe(1);
      await audit(h, s);

      const requests: Request[] = [];
      page.on('request', (r) => requests.push(r));
      await markDocument(page);
      const search = page.getByRole('search', { name: 'Search' });
      await search.getByLabel('Country', { exact: true }).selectOption({ label: 'Germany' });
      await search.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('country')).toBe('DE');
      expect(path(page)).toBe('/partners/find');
      await expect.poll(() => results.getByRole('listitem').first().getByRole('heading', { level: 3 }).textContent()).toBe('Alpha Solutions');
      expect(await trimmedText(results.getByRole('listitem').first().locator('p').first())).toMatch(/^Gold Matches 1 of 1( Usually answers an offered opportunity within [0-9.,]+ hours\.)?$/);
      expect(await search.getByLabel('Country', { exact: true }).inputValue()).toBe('DE');

      const searches = requests.filter((r) => new URL(r.url()).pathname === '/partners/find');
      expect(searches).toHaveLength(1);
      if (javaScript) {
        // Only the results section was fetched and replaced; the address bar got the query string (hx-push-url).
        expect(searches[0]!.headers()['hx-request']).toBe('true');
        expect(searches[0]!.headers()['hx-request-type']).toBe('partial');
        expect(requests.filter((r) => r.isNavigationRequest()).map((r) => r.url())).toEqual([]);
        expect(await sameDocument(page)).toBe(true);
      } else {
        expect(searches[0]!.isNavigationRequest()).toBe(true);
        expect(await sameDocument(page)).toBe(false);
      }
      await audit(h, s);

      // The address is a real page: loaded afresh, it shows the same search.
      await page.reload();
      expect(await search.getByLabel('Country', { exact: true }).inputValue()).toBe('DE');
      expect(await results.getByRole('listitem').first().getByRole('heading', { level: 3 }).textContent()).toBe('Alpha Solutions');
      expect(s.problems).toEqual([]);
    });

    it.each(MODES)('a password reset can be asked for any address, and answers "Check your email" ($mode)', async ({ javaScript }) => {
      const s = await open(javaScript);
      const { page } = s;
      await visit(page, '/password/forgot', 'Reset your password');
      await audit(h, s);
      // Not a demo address: the answer is the same whether or not an account exists.
      const email = `nobody-${randomHex()}@example.com`;
      await page.getByLabel('Email address').fill(email);
      await page.getByRole('button', { name: 'Send the link' }).click();
      await expect.poll(() => h1(page)).toBe('Check your email');
      expect(path(page)).toBe('/password/forgot');
      expect(await page.getByRole('main').getByText(`If ${email} has an account, a link to reset its password is on its way. The link works once, for 60 minutes.`, { exact: true }).count()).toBe(1);
      expect(await page.getByRole('link', { name: 'Back to sign in' }).getAttribute('href')).toBe('/sign-in');
      await audit(h, s);

      // A reset link that was never issued (or has expired) says so.
      await visit(page, `/password/reset/${randomBytes(32).toString('base64url')}`, 'Reset link not valid', 410);
      expect(await page.getByRole('main').getByText('This link has expired or has already been used. Ask for a new one.', { exact: true }).count()).toBe(1);
      await audit(h, s);
      expect(unexpectedProblems(s, [{ status: 410, path: /^\/password\/reset\// }])).toEqual([]);
    });

    it.each(MODES)('an unknown invitation link says "Invitation link not valid" ($mode)', async ({ javaScript }) => {
      const s = await open(javaScript);
      const { page } = s;
      const token = randomBytes(32).toString('base64url');
      expect(token).toHaveLength(43);
      await visit(page, `/invitations/${token}`, 'Invitation link not valid', 404);
      expect(await page.getByRole('main').getByText('This invitation link is not valid. Check that you copied the whole link from the email.', { exact: true }).count()).toBe(1);
      expect(await page.getByRole('main').getByRole('link', { name: 'Go to the home page' }).count()).toBe(1);
      await audit(h, s);
      expect(unexpectedProblems(s, [{ status: 404, path: /^\/invitations\// }])).toEqual([]);
    });
  });

  describe('companies that are not partners (yet)', () => {
    it('Gamma IT, still applying, sees its pending application and may not open the company profile', async () => {
      const gina = DEMO_APPLICANTS.find((a) => a.email === 'gina@gamma.example')!;
      expect(gina.status).toBe('applicant');
      // Gina chose Estonian: the portal speaks it to her ("Pending review" is "Ootab läbivaatamist").
      const et = translator('et');
      const s = await signedIn(gina.email);
      const { page } = s;
      await visit(page, '/home', et('home.applicant.title'));
      expect(await page.locator('html').getAttribute('lang')).toBe('et');
      expect(await trimmedText(page.locator('.status-line .badge'))).toBe(et('partner.status.applicant'));
      expect(await page.getByRole('main').getByText(et('home.applicant.company', { company: 'Gamma IT' }), { exact: true }).count()).toBe(1);
      expect(await page.getByRole('region', { name: et('home.applicant.reason') }).count()).toBe(0);
      expect(await navLinks(page, et('nav.label'))).toEqual([et('nav.knowledge'), et('nav.home'), et('nav.account')]);
      await audit(h, s);

      await visit(page, '/company', et('error.forbidden.title'), 403);
      expect(await page.getByRole('main').getByText(et('error.forbidden'), { exact: true }).count()).toBe(1);
      await audit(h, s);
      expect(unexpectedProblems(s, [{ status: 403, path: /^\/company$/ }])).toEqual([]);
    });

    it('Omega Resellers, turned down, sees "Rejected" and the reason given', async () => {
      const oscar = DEMO_APPLICANTS.find((a) => a.email === 'oscar@omega.example')!;
      expect(oscar.status).toBe('rejected');
      const reason = DEMO_PARTNERS.find((p) => p.name === 'Omega Resellers')!.rejectionReason!;
      const it_ = translator('it');
      const s = await signedIn(oscar.email);
      const { page } = s;
      await visit(page, '/home', it_('home.applicant.title'));
      expect(await trimmedText(page.locator('.status-line .badge'))).toBe(it_('partner.status.rejected'));
      expect(await page.getByRole('main').getByText(it_('home.applicant.rejected'), { exact: true }).count()).toBe(1);
      const reasonPanel = page.getByRole('region', { name: it_('home.applicant.reason') });
      expect(await reasonPanel.count()).toBe(1);
      expect(await trimmedText(reasonPanel.locator('p'))).toBe(reason);
      await audit(h, s);
      expect(s.problems).toEqual([]);
    });
  });

  describe('a partner administrator (Anna, Alpha Solutions)', () => {
    it('company profile form, people, audit trail and notifications', async () => {
      const s = await signedIn('anna@alpha.example');
      const { page } = s;
      await visit(page, '/company', 'Company profile');
      const form = page.getByRole('main').locator('form[action="/company"]');
      expect(await form.count()).toBe(1);
      expect(await form.getByLabel('Company name', { exact: true }).inputValue()).toBe('Alpha Solutions');
      expect(await form.getByLabel('Country', { exact: true }).inputValue()).toBe('DE');
      expect(await form.getByRole('group', { name: 'Countries you serve' }).getByLabel('Germany', { exact: true }).isChecked()).toBe(true);
      expect(await form.getByRole('group', { name: 'Public partner directory' }).getByRole('checkbox').isChecked()).toBe(true);
      expect(await form.getByRole('button', { name: 'Save' }).count()).toBe(1);
      await audit(h, s);

      await mainNav(page).getByRole('link', { name: 'People' }).click();
      await expect.poll(() => h1(page)).toBe('People');
      expect(path(page)).toBe('/company/people');
      const anna = page.getByRole('row').filter({ hasText: 'anna@alpha.example' });
      expect(await anna.getByText('you', { exact: true }).count()).toBe(1);
      expect(await page.getByRole('row').filter({ hasText: 'ben@alpha.example' }).getByRole('combobox', { name: 'Role of Ben Alpha' }).inputValue()).toBe('sales_agent');
      expect(await page.getByRole('region', { name: 'Invite someone' }).getByRole('button', { name: 'Send invitation' }).count()).toBe(1);
      await audit(h, s);

      await mainNav(page).getByRole('link', { name: 'Audit trail' }).click();
      await expect.poll(() => h1(page)).toBe('Audit trail');
      expect(path(page)).toBe('/audit');
      const filters = page.getByRole('search', { name: 'Filter the audit trail' });
      expect(await filters.getByLabel('Record type').count()).toBe(1);
      // The partner number filter is for staff only.
      expect(await filters.getByLabel('Partner number').count()).toBe(0);
      await audit(h, s);

      await page.getByRole('banner').getByRole('link', { name: /^Notifications/ }).click();
      await expect.poll(() => h1(page)).toBe('Notifications');
      expect(path(page)).toBe('/notifications');
      await audit(h, s);
      expect(s.problems).toEqual([]);
    });

    it('my account, with the way to two-factor sign-in (shown, not completed)', async () => {
      const s = await signedIn('anna@alpha.example');
      const { page } = s;
      await visit(page, '/account', 'My account');
      const section = page.getByRole('region', { name: 'Two-factor sign-in' });
      expect(await section.count()).toBe(1);
      expect(await trimmedText(section.locator('p'))).toMatch(/^Off – Manage two-factor sign-in$/);
      await audit(h, s);

      await section.getByRole('link', { name: 'Manage two-factor sign-in' }).click();
      await expect.poll(() => h1(page)).toBe('Two-factor sign-in');
      expect(path(page)).toBe('/account/two-factor');
      const qr = page.getByRole('figure', { name: 'QR code for your authenticator app' });
      expect(await qr.count()).toBe(1);
      expect(await qr.locator('svg').count()).toBe(1);
      expect(await qr.locator('svg').isVisible()).toBe(true);
      expect(await trimmedText(page.locator('code.secret'))).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
      expect(await page.getByLabel('Security code').count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).count()).toBe(1);
      await audit(h, s);
      // Not completed: that would change a demo user that other tests sign in as.
      expect(s.problems).toEqual([]);
    });
  });

  describe.each(MODES)('a sales agent (Ben, Alpha Solutions) ($mode)', ({ javaScript }) => {
    it('sees the company profile read-only and may not manage people', async () => {
      const s = await signedIn('ben@alpha.example', javaScript);
      const { page } = s;
      await visit(page, '/company', 'Company profile');
      expect(await page.getByRole('main').locator('form').count()).toBe(0);
      expect(await page.getByRole('main').getByRole('textbox').count()).toBe(0);
      const facts = page.getByRole('main').locator('dl.summary').nth(1);
      expect(await trimmedText(facts.locator('div').filter({ hasText: 'Company name' }).locator('dd'))).toBe('Alpha Solutions');
      expect(await trimmedText(facts.locator('div').filter({ hasText: 'Public partner directory' }).locator('dd'))).toBe('Listed');
      expect(await navLinks(page)).not.toContain('People');
      await audit(h, s);

      await visit(page, '/company/people', 'You cannot do this', 403);
      expect(await page.getByRole('main').getByText('Your role does not allow this. Ask your administrator if you need it.', { exact: true }).count()).toBe(1);
      await audit(h, s);
      expect(unexpectedProblems(s, [{ status: 403, path: /^\/company\/people$/ }])).toEqual([]);
    });
  });

  describe('the channel administrator', () => {
    it('applications: the waiting list, then filtered to rejected companies in Italy', async () => {
      const s = await signedIn('admin@lumen.example');
      const { page } = s;
      await visit(page, '/admin/applications', 'Applications');
      expect(await page.title()).toBe(`Applications${TITLE_SUFFIX}`);
      expect(await trimmedText(page.locator('table caption'))).toBe('Pending review, waiting longest first');
      expect(await page.getByRole('row').filter({ hasText: 'Gamma IT' }).count()).toBe(1);
      const counts = page.getByRole('list', { name: 'Partners by status' });
      expect(await counts.getByRole('link', { name: /Pending review$/ }).getAttribute('aria-current')).toBe('true');
      await audit(h, s);

      const filters = page.getByRole('search', { name: 'Filter applications' });
      await filters.getByLabel('Status', { exact: true }).selectOption({ label: 'Rejected' });
      await filters.getByLabel('Country', { exact: true }).selectOption({ label: 'Italy' });
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('rejected');
      expect(new URL(page.url()).searchParams.get('country')).toBe('IT');
      await expect.poll(() => trimmedText(page.locator('table caption'))).toBe('Rejected, waiting longest first');
      const omega = page.getByRole('row').filter({ hasText: 'Omega Resellers' });
      expect(await omega.count()).toBe(1);
      expect(await omega.getByRole('cell').nth(1).textContent()).toBe('Italy');
      expect(await page.getByRole('row').filter({ hasText: 'Gamma IT' }).count()).toBe(0);
      expect(await counts.getByRole('link', { name: /Rejected$/ }).getAttribute('aria-current')).toBe('true');
      expect(await filters.getByLabel('Status', { exact: true }).inputValue()).toBe('rejected');
      await audit(h, s);

      // A rejected company's application still opens, with its decision.
      await omega.getByRole('link', { name: 'Omega Resellers' }).click();
      await expect.poll(() => h1(page)).toBe('Omega Resellers');
      const decision = page.getByRole('region', { name: 'Decision' });
      expect(await trimmedText(decision.locator('.badge'))).toBe('Rejected');
      expect(await decision.getByRole('button').count()).toBe(0);
      await audit(h, s);
      expect(s.problems).toEqual([]);
    });

    it('partners, one partner in detail, and the staff list', async () => {
      const s = await signedIn('admin@lumen.example');
      const { page } = s;
      await visit(page, '/admin/partners', 'Partners');
      expect(await page.getByRole('row').filter({ hasText: 'Alpha Solutions' }).count()).toBe(1);
      // Companies still applying or turned down are not partners.
      expect(await page.getByRole('row').filter({ hasText: 'Gamma IT' }).count()).toBe(0);
      expect(await page.getByRole('row').filter({ hasText: 'Omega Resellers' }).count()).toBe(0);
      await audit(h, s);

      const search = page.getByRole('search', { name: 'Search by name' });
      await search.getByLabel('Search by name').fill('alpha sol');
      await search.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('alpha sol');
      await expect.poll(() => page.getByRole('row').filter({ hasText: 'Beta Systems' }).count()).toBe(0);
      const alpha = page.getByRole('row').filter({ hasText: 'Alpha Solutions' });
      expect(await alpha.count()).toBe(1);
      await alpha.getByRole('link', { name: 'Alpha Solutions' }).click();
      await expect.poll(() => h1(page)).toBe('Alpha Solutions');
      expect(path(page)).toMatch(/^\/admin\/partners\/\d+$/);
      const standing = page.getByRole('region', { name: 'Level, capacity and status' });
      expect(await standing.getByLabel('Partner level').inputValue()).toBe('gold');
      expect(await standing.getByRole('group', { name: 'Status' }).getByLabel('Active').isChecked()).toBe(true);
      expect(await page.getByRole('main').getByText('Anna Alpha, anna@alpha.example (partner administrator)', { exact: true }).count()).toBe(1);
      await audit(h, s);
      // Nothing saved: the demo partner stays as it is.

      await mainNav(page).getByRole('link', { name: 'Staff' }).click();
      await expect.poll(() => h1(page)).toBe('Staff');
      expect(path(page)).toBe('/admin/staff');
      expect(await page.getByRole('row').filter({ hasText: 'admin@lumen.example' }).getByText('you', { exact: true }).count()).toBe(1);
      expect(await page.getByRole('row').filter({ hasText: 'manager@lumen.example' }).count()).toBe(1);
      expect(await page.getByRole('region', { name: 'Invite someone' }).count()).toBe(1);
      await audit(h, s);
      expect(s.problems).toEqual([]);
    });

    it.each(MODES)('products, and a new product sent empty is refused with an error summary ($mode)', async ({ javaScript }) => {
      const s = await signedIn('admin@lumen.example', javaScript);
      const { page } = s;
      await visit(page, '/admin/products', 'Products and services');
      expect(await page.getByRole('row').filter({ hasText: 'Lumen Analytics' }).count()).toBe(1);
      await audit(h, s);

      await page.getByRole('main').getByRole('link', { name: 'Lumen Analytics' }).click();
      await expect.poll(() => h1(page)).toBe('Edit product');
      expect(path(page)).toMatch(/^\/admin\/products\/\d+$/);
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Lumen Analytics');
      expect(await page.getByLabel('Description in German').getAttribute('lang')).toBe('de');
      await expectLanguageSwitcher(page);
      await audit(h, s);
      // Not saved: the demo products stay as they are.
      await page.getByRole('main').getByRole('link', { name: 'Cancel' }).click();
      await expect.poll(() => h1(page)).toBe('Products and services');

      await page.getByRole('main').getByRole('link', { name: 'Add a product' }).click();
      await expect.poll(() => h1(page)).toBe('Add a product');
      expect(path(page)).toBe('/admin/products/new');
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('');
      await expectLanguageSwitcher(page);
      await audit(h, s);

      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/admin/products/new');
      await page.getByRole('button', { name: 'Save' }).click();
      expect((await answer).status()).toBe(422);
      const summary = page.getByRole('alert', { name: 'There is a problem' });
      await expect.poll(() => summary.count()).toBe(1);
      await expect.poll(() => page.title()).toBe(`Error: Add a product${TITLE_SUFFIX}`);
      const links = summary.getByRole('link');
      expect(await links.count()).toBe(1);
      expect(await links.getAttribute('href')).toBe('#name');
      expect(await trimmedText(links)).toMatch(/name/i);
      expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      if (javaScript) await expect.poll(() => focusedElement(page)).toBe('div.error-summary');
      await audit(h, s);
      expect(unexpectedProblems(s, [{ status: 422, path: /^\/admin\/products\/new$/ }])).toEqual([]);
    });

    it('the program editor (not saved) and the settings', async () => {
      const s = await signedIn('admin@lumen.example');
      const { page } = s;
      await visit(page, '/admin/program', 'Edit the program page');
      const english = page.getByLabel('Text in English');
      expect(await english.getAttribute('lang')).toBe('en');
      expect(await english.inputValue()).not.toBe('');
      expect(await page.getByLabel('Text in German').getAttribute('lang')).toBe('de');
      expect(await page.getByRole('main').getByRole('link', { name: 'Cancel' }).getAttribute('href')).toBe('/program');
      await expectLanguageSwitcher(page);
      await audit(h, s);

      await mainNav(page).getByRole('link', { name: 'Settings' }).click();
      await expect.poll(() => h1(page)).toBe('Portal settings');
      expect(path(page)).toBe('/admin/settings');
      expect(await page.getByLabel('Vendor name').inputValue()).toBe('Lumen Software');
      await expectLanguageSwitcher(page);
      await audit(h, s);

      // The case targets, and their form error for a day that does not exist (not saved).
      await visit(page, '/admin/case-targets', 'First-response targets');
      const days = page.getByLabel('Non-working days');
      await audit(h, s);
      await days.fill('2026-12-24\n2026-02-30');
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/admin/case-targets');
      await page.getByRole('button', { name: 'Save' }).click();
      expect((await answer).status()).toBe(422);
      const summary = page.getByRole('alert', { name: 'There is a problem' });
      await expect.poll(() => summary.count()).toBe(1);
      expect(await summary.getByRole('link').getAttribute('href')).toBe('#holidays');
      expect(await days.inputValue()).toBe('2026-12-24\n2026-02-30');
      expect(await days.getAttribute('aria-invalid')).toBe('true');
      await audit(h, s);
      expect(unexpectedProblems(s, [{ status: 422, path: /^\/admin\/case-targets$/ }])).toEqual([]);
    });

    it('sent mail, one message, and the audit trail', async () => {
      const s = await signedIn('admin@lumen.example');
      const { page } = s;
      await visit(page, '/admin/mail', 'Sent mail');
      expect(await page.getByRole('main').getByText('No mail server is configured, so the portal keeps the messages it sends here. Links in them work.', { exact: true }).count()).toBe(1);
      const first = page.getByRole('main').getByRole('row').nth(1);
      expect(await first.count()).toBe(1);
      await audit(h, s);

      const link = first.getByRole('link');
      const subject = (await link.textContent())!;
      await link.click();
      await expect.poll(() => h1(page)).toBe(subject);
      expect(path(page)).toMatch(/^\/admin\/mail\/\d+$/);
      expect(await page.locator('pre.mail').count()).toBe(1);
      expect(await page.getByRole('main').getByRole('link', { name: 'Back to sent mail' }).getAttribute('href')).toBe('/admin/mail');
      await audit(h, s);

      await mainNav(page).getByRole('link', { name: 'Audit trail' }).click();
      await expect.poll(() => h1(page)).toBe('Audit trail');
      expect(path(page)).toBe('/audit');
      expect(await page.getByRole('search', { name: 'Filter the audit trail' }).getByLabel('Partner number').count()).toBe(1);
      await audit(h, s);
      expect(s.problems).toEqual([]);
    });
  });

  describe('keyboard', () => {
    it.each(MODES)('on /apply, Tab from the skip link reaches the first form field; the error summary takes focus ($mode)', async ({ javaScript }) => {
      const s = await open(javaScript);
      const { page } = s;
      await visit(page, '/apply', 'Apply to the partner program');
      await page.keyboard.press('Tab');
      expect(await focusedElement(page)).toBe('a.skip-link');
      await page.keyboard.press('Enter');
      await expect.poll(() => focusedElement(page)).toBe('#main');
      // The intro's link to the program comes first in the content, then the form's first field.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Read about the program first.');
      await page.keyboard.press('Tab');
      expect(await focusedElement(page)).toBe('#company_name');

      // Enter in a field sends the form, empty.
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/apply');
      await page.keyboard.press('Enter');
      expect((await answer).status()).toBe(422);
      const summary = page.getByRole('alert', { name: 'There is a problem' });
      await expect.poll(() => summary.count()).toBe(1);
      if (javaScript) {
        await expect.poll(() => focusedElement(page)).toBe('div.error-summary');
        // From the summary, the first link leads to the field.
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#company_name');
        await page.keyboard.press('Enter');
        await expect.poll(() => focusedElement(page)).toBe('#company_name');
      }
      expect(unexpectedProblems(s, [{ status: 422, path: /^\/apply$/ }])).toEqual([]);
    });
  });

  describe('320 px wide', () => {
    it.each(MODES)('/apply, /partners/find and /admin/applications do not scroll sideways ($mode)', async ({ javaScript }) => {
      const s = await open(javaScript, { width: 320, height: 640 });
      const { page } = s;
      await visit(page, '/apply', 'Apply to the partner program');
      expect.soft(await scrollWidth(page), 'document width of /apply at 320 px').toBeLessThanOrEqual(320);
      await audit(h, s);

      // The same kind of filter form as on the applications page, in public.
      await visit(page, '/partners/find', 'Find a partner');
      expect.soft(await scrollWidth(page), 'document width of /partners/find at 320 px').toBeLessThanOrEqual(320);

      await signInViaApi(s.context, 'admin@lumen.example');
      await visit(page, '/admin/applications', 'Applications');
      expect.soft(await scrollWidth(page), 'document width of /admin/applications at 320 px').toBeLessThanOrEqual(320);
      await audit(h, s);
      expect(s.problems).toEqual([]);
    });
  });
});
