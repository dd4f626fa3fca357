import { describe, expect, it } from 'vitest';
import { browserAvailable } from '../support/browser.ts';
import { createUser, TEST_PASSWORD } from '../support/factories.ts';
import { translator } from '../../src/i18n/index.ts';
import {
  expectPageAccessible,
  expectSoonSoft,
  focusedElement,
  htmlLang,
  signInViaApi,
  trimmedText,
  MODES,
  useBrowser,
} from './helpers.ts';

const en = translator('en');
const de = translator('de');
const cs = translator('cs');

describe.runIf(browserAvailable)('language and time zone in a browser', () => {
  const { h, openProfile } = useBrowser();

  async function open(javaScript: boolean) {
    const s = await openProfile({ javaScript });
    return s;
  }

  it.each(MODES)('preferences: an invalid time zone is refused, then German and Europe/Prague are saved ($mode)', async ({ javaScript }) => {
    // A partner user of its own: other test files share the demo users (and, on PostgreSQL, the database).
    const user = await createUser(h.server.database.knex, { role: 'sales_agent' });
    const s = await open(javaScript);
    const { page } = s;
    await signInViaApi(s.context, user.email, TEST_PASSWORD);
    await page.goto('/account');
    expect(await page.locator('h1').textContent()).toBe('My account');
    expect(await htmlLang(page)).toBe('en');
    await expectPageAccessible(h, s);

    // Two selects are labelled "Language" on this page (preferences and footer): use the one in Preferences.
    const prefs = () => page.getByRole('region', { name: new RegExp(`^(${en('account.preferences')}|${de('account.preferences')})$`) });
    /** Presses the form's button and waits until the answer has replaced the preferences section (page load or htmx swap). */
    const save = async (label: string) => {
      await page.locator('#preferences').evaluate((el) => el.setAttribute('data-before-save', ''));
      const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/account/preferences');
      await prefs().getByRole('button', { name: label }).click();
      const response = await answer;
      await expect.poll(() => page.locator('#preferences:not([data-before-save])').count(), { timeout: 5000 }).toBe(1);
      return response;
    };

    await prefs().getByLabel('Language').selectOption('de');
    await prefs().getByLabel('Time zone').fill('Mars/Olympus');
    expect((await save('Save preferences')).status()).toBe(422);

    const summary = page.getByRole('alert', { name: 'There is a problem' });
    await expect.poll(() => summary.count()).toBe(1);
    const link = summary.getByRole('link', { name: 'Enter a time zone from the list, like Europe/Berlin' });
    expect(await link.getAttribute('href')).toBe('#time_zone');
    expect(await trimmedText(page.locator('#time_zone-error'))).toBe('Error: Enter a time zone from the list, like Europe/Berlin');
    const zone = prefs().getByLabel('Time zone');
    expect(await zone.inputValue()).toBe('Mars/Olympus');
    expect(await zone.getAttribute('aria-invalid')).toBe('true');
    expect(await zone.getAttribute('aria-describedby')).toContain('time_zone-error');
    expect(await prefs().getByLabel('Language').inputValue()).toBe('de');
    // Nothing was saved: the page is still English.
    expect(await htmlLang(page)).toBe('en');
    // The title tells screen reader users at once that something went wrong, as on every form with errors.
    await expectSoonSoft(() => page.title(), 'Error: My account – Lumen Software Partner Portal', 'page title while the form has errors');
    if (javaScript) await expect.poll(() => focusedElement(page)).toBe('div.error-summary');
    await expectPageAccessible(h, s);

    await link.click();
    await expect.poll(() => focusedElement(page)).toBe('#time_zone');
    await zone.fill('Europe/Prague');
    const saved = await save('Save preferences');
    // Saved: the post redirects (303) to the account page (with htmx, fetch follows that redirect itself).
    expect(saved.status()).toBe(303);

    expect(await trimmedText(page.getByRole('status'))).toBe(de('account.saved'));
    expect(await prefs().getByLabel(de('account.time_zone')).inputValue()).toBe('Europe/Prague');
    expect(await prefs().getByLabel(de('account.language')).inputValue()).toBe('de');
    // The whole page is German now, and says so.
    await expectSoonSoft(() => htmlLang(page), 'de', 'html lang after choosing German');
    await expectSoonSoft(() => page.locator('h1').textContent(), de('account.title'), 'page heading after choosing German');
    await expectSoonSoft(() => page.title(), `${de('account.title')} – Lumen Software ${de('app.name')}`, 'page title after choosing German');
    await expectSoonSoft(() => page.getByRole('navigation', { name: de('nav.label') }).getByRole('link', { name: de('nav.home') }).count(), 1, 'main navigation in German');
    await expectPageAccessible(h, s);

    // Back to the browser's language (en-GB here), the state the user started with.
    await page.locator('#locale').selectOption('');
    expect((await save(de('account.save'))).status()).toBe(303);
    expect(await page.locator('#locale').inputValue()).toBe('');
    await expectSoonSoft(() => trimmedText(page.getByRole('status')), en('account.saved'), 'confirmation after choosing the browser language');
    await expectSoonSoft(() => htmlLang(page), 'en', 'html lang after choosing the browser language');
    await expectSoonSoft(() => page.locator('h1').textContent(), 'My account', 'page heading after choosing the browser language');
    // A fresh load shows what was stored, in the browser's language.
    await page.goto('/account');
    expect(await page.locator('#locale').inputValue()).toBe('');
    expect(await page.locator('#time_zone').inputValue()).toBe('Europe/Prague');
    expect.soft(await htmlLang(page), 'html lang on the next page load').toBe('en');
    expect.soft(await page.locator('h1').textContent(), 'page heading on the next page load').toBe('My account');

    expect(s.problems).toEqual([]);
  });

  it.each(MODES)('the footer language switcher turns the signed-out sign-in page Czech ($mode)', async ({ javaScript }) => {
    const s = await open(javaScript);
    const { page } = s;
    await page.goto('/sign-in');
    expect(await htmlLang(page)).toBe('en');
    const footer = page.getByRole('contentinfo');
    await footer.getByLabel('Language').selectOption({ label: 'Čeština' });
    await footer.getByRole('button', { name: 'Change language' }).click();

    await expect.poll(() => page.locator('h1').textContent()).toBe(cs('signin.title'));
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.getByLabel(cs('signin.email')).count()).toBe(1);
    expect(await footer.getByLabel(cs('layout.language')).inputValue()).toBe('cs');
    await expectSoonSoft(() => htmlLang(page), 'cs', 'html lang after switching to Czech');
    await expectSoonSoft(() => page.title(), `${cs('signin.title')} – Lumen Software ${cs('app.name')}`, 'page title after switching to Czech');
    await expectPageAccessible(h, s);

    // The choice stays with this browser.
    await page.goto('/sign-in');
    expect(await htmlLang(page)).toBe('cs');
    expect(await page.locator('h1').textContent()).toBe(cs('signin.title'));
    expect(s.problems).toEqual([]);
  });
});
