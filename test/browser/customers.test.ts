import { describe, expect, it } from 'vitest';
import { browserAvailable } from '../support/browser.ts';
import { createPartner, createUser, TEST_PASSWORD } from '../support/factories.ts';
import {
  expectPageAccessible,
  randomHex,
  signInViaApi,
  MODES,
  useBrowser,
} from './helpers.ts';

describe.runIf(browserAvailable)('the customer book in a browser', () => {
  const { h, openProfile } = useBrowser();

  /** A fresh company's partner admin, signed in, so the book starts empty. */
  async function partnerAdmin(javaScript: boolean) {
    const knex = h.server.database.knex;
    const partner = await createPartner(knex, { name: `Book Co ${randomHex()}` });
    const user = await createUser(knex, { partnerId: partner.id, role: 'partner_admin' });
    const s = await openProfile({ javaScript });
    await signInViaApi(s.context, user.email, TEST_PASSWORD);
    return s;
  }

  it.each(MODES)('creates a customer with two contacts, finds it, edits a contact ($mode)', async ({ javaScript }) => {
    const s = await partnerAdmin(javaScript);
    const { page } = s;
    await page.goto('/customers');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Customers');
    await expectPageAccessible(h, s);

    await page.getByRole('link', { name: 'Add a customer' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Add a customer');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('alert', { name: 'There is a problem' }).count()).toBe(1);
    await expectPageAccessible(h, s);
    await page.getByLabel('Customer name').fill('Harbour Freight');
    await page.getByLabel('Website domain').fill('harbour-freight.example');
    await page.getByLabel('Country').selectOption('DE');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Harbour Freight');
    await expectPageAccessible(h, s);

    for (const [name, email] of [['Hana Harbour', 'hana@harbour-freight.example'], ['Ivo Harbour', 'ivo@harbour-freight.example']]) {
      const form = page.locator('form[action$="/contacts"]');
      await form.getByLabel('Contact name').fill(name!);
      await form.getByLabel('Email address').fill(email!);
      await form.getByRole('button', { name: 'Add a contact' }).click();
      await expect.poll(() => page.getByRole('cell', { name: name!, exact: true }).count()).toBe(1);
    }
    await expectPageAccessible(h, s);

    // Edit a contact: in place with htmx, on a page of its own without JavaScript.
    await page.getByRole('link', { name: 'Edit Ivo Harbour' }).click();
    await expect.poll(() => page.locator('tr.editing').count()).toBe(1);
    if (javaScript) expect(await page.locator('h1').textContent()).toBe('Harbour Freight');
    await expectPageAccessible(h, s);
    await page.locator('tr.editing').getByLabel('Job title').fill('Head of IT');
    await page.locator('tr.editing').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'Head of IT', exact: true }).count()).toBe(1);

    await page.goto('/customers');
    await page.locator('#q').fill('hana@harbour');
    if (javaScript) {
      // Live search: the results change without pressing the button.
      await expect.poll(() => page.url()).toContain('q=hana%40harbour');
    } else {
      await page.getByRole('button', { name: 'Apply filters' }).click();
    }
    await expect.poll(() => page.locator('#customer-results').getByRole('link', { name: 'Harbour Freight' }).count()).toBe(1);
    await expectPageAccessible(h, s);
    if (javaScript) expect(s.problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
  });

  it('lets staff look over partners\' customers and keep the vendor\'s own accounts', async () => {
    const s = await openProfile({ javaScript: true });
    await signInViaApi(s.context, 'manager@lumen.example');
    await s.page.goto('/admin/customers');
    await expect.poll(() => s.page.locator('h1').textContent()).toBe("Partners' customers");
    await expectPageAccessible(h, s);
    await s.page.goto('/admin/accounts');
    await expect.poll(() => s.page.locator('h1').textContent()).toBe('Our own customer accounts');
    await s.page.locator('#customer-results a').first().click();
    await expect.poll(() => s.page.getByRole('heading', { name: 'Contacts' }).count()).toBe(1);
    await expectPageAccessible(h, s);
    expect(s.problems).toEqual([]);
  });
});
