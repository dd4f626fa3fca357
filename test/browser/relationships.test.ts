import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAvailable } from '../support/browser.ts';
import { createPartner, createUser, TEST_PASSWORD } from '../support/factories.ts';
import {
  errorSummary,
  expectPageAccessible,
  flash,
  h1,
  main,
  mainText,
  MODES,
  path,
  randomHex,
  type Session,
  signInViaApi,
  submitAndStatus,
  trimmedText,
  unexpectedProblems,
  useBrowser,
} from './helpers.ts';

const errorLinks = async (page: Page) => (await errorSummary(page).getByRole('link').allTextContents()).map((t) => t.trim());

/** The customer's signed link inside the drafted text: the portal's public address, then /relationships/<id>.<expiry>.<signature>. */
const CUSTOMER_LINK = /http:\/\/portal\.test(\/relationships\/[1-9][0-9]*\.[1-9][0-9]*\.[A-Za-z0-9_-]{43})/;

describe.runIf(browserAvailable)('reseller relationships in a browser', () => {
  const { h, openProfile } = useBrowser();

  async function open(javaScript: boolean) {
    const s = await openProfile({ javaScript });
    // A missing element fails its step with the locator named, well before the test's own time limit.
    s.context.setDefaultTimeout(10_000);
    return s;
  }

  /** A fresh partner company with its partner admin, signed in, so its customer book starts empty. */
  async function partnerAdmin(javaScript: boolean, label: string) {
    const knex = h.server.database.knex;
    const partner = await createPartner(knex, { name: `${label} ${randomHex()}` });
    const user = await createUser(knex, { partnerId: partner.id, role: 'partner_admin', name: `Pat ${randomHex(3)}` });
    const s = await open(javaScript);
    await signInViaApi(s.context, user.email, TEST_PASSWORD);
    return { s, partner, user };
  }

  /** A fresh channel manager of the vendor, signed in. */
  async function channelManager(javaScript: boolean) {
    const user = await createUser(h.server.database.knex, { role: 'channel_manager' });
    const s = await open(javaScript);
    await signInViaApi(s.context, user.email, TEST_PASSWORD);
    return s;
  }

  /** Adds a customer through the form and leaves the browser on its page. */
  async function addCustomer(s: Session, fields: { name: string; website?: string; notes?: string }) {
    const { page } = s;
    await page.goto('/customers/new');
    await expect.poll(() => h1(page)).toBe('Add a customer');
    await page.getByLabel('Customer name').fill(fields.name);
    if (fields.website) await page.getByLabel('Website domain').fill(fields.website);
    if (fields.notes) await page.getByLabel('Notes').fill(fields.notes);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => h1(page)).toBe(fields.name);
    expect(path(page)).toMatch(/^\/customers\/\d+$/);
    return Number(/\/customers\/(\d+)$/.exec(path(page))![1]);
  }

  it.each(MODES)(
    'a partner asks a customer for a relationship, the customer accepts through the link, the partner removes it ($mode)',
    async ({ javaScript }) => {
      const { s, partner, user } = await partnerAdmin(javaScript, 'Reseller Co');
      const { page } = s;
      const tag = randomHex();
      const customer = `Harbour Freight ${tag}`;
      const contacts = [
        { name: 'Hana Harbour', email: `hana-${tag}@harbour-freight.example` },
        { name: 'Ivo Harbour', email: `ivo-${tag}@harbour-freight.example` },
      ];

      // The customer and its two contacts, through the forms.
      await page.goto('/customers');
      await expect.poll(() => h1(page)).toBe('Customers');
      await page.getByRole('link', { name: 'Add a customer' }).click();
      await expect.poll(() => h1(page)).toBe('Add a customer');
      await page.getByLabel('Customer name').fill(customer);
      await page.getByLabel('Website domain').fill(`harbour-${tag}.example`);
      await page.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => h1(page)).toBe(customer);
      const customerPath = path(page);
      expect(customerPath).toMatch(/^\/customers\/\d+$/);
      for (const c of contacts) {
        const form = page.locator(`form[action$="/contacts"]`);
        await form.getByLabel('Contact name').fill(c.name);
        await form.getByLabel('Email address').fill(c.email);
        await form.getByRole('button', { name: 'Add a contact' }).click();
        await expect.poll(() => page.getByRole('cell', { name: c.email, exact: true }).count()).toBe(1);
      }
      const relationshipSection = main(page).getByRole('region', { name: 'Reseller relationship' });
      expect(await relationshipSection.getByText('There is no reseller relationship with this customer.', { exact: true }).count()).toBe(1);
      await expectPageAccessible(h, s);

      // Request a relationship: nothing asked for is an error.
      await relationshipSection.getByRole('link', { name: 'Request a reseller relationship' }).click();
      await expect.poll(() => h1(page)).toBe(`Request a reseller relationship with ${customer}`);
      await expectPageAccessible(h, s);
      const dap = page.getByRole('checkbox', { name: 'Ask for full delegated administration' });
      expect(await dap.isChecked(), 'full delegated administration is proposed').toBe(true);
      await dap.uncheck();
      const refused = await submitAndStatus(page, () => page.getByRole('button', { name: 'Draft the invitation' }).click());
      expect(refused).toBe(422);
      await expect.poll(() => errorSummary(page).count()).toBe(1);
      expect(await errorLinks(page)).toEqual(['Ask for full delegated administration, granular roles, or both']);
      await expect.poll(() => page.title()).toMatch(/^Error: Request a reseller relationship with /);
      expect(await h1(page)).toBe(`Request a reseller relationship with ${customer}`);
      await expectPageAccessible(h, s);

      // Full delegated administration plus one granular role for 180 days.
      await page.getByRole('checkbox', { name: 'Ask for full delegated administration' }).check();
      await page.getByRole('group', { name: 'Granular delegated roles (GDAP)' }).getByRole('checkbox', { name: 'User administrator' }).check();
      await page.getByLabel('Duration of the granular roles').selectOption({ label: '180 days' });
      await page.getByRole('button', { name: 'Draft the invitation' }).click();
      await expect.poll(() => h1(page)).toBe(`Invitation for ${customer}`);
      expect(path(page)).toMatch(new RegExp(`^${customerPath}/relationship/\\d+$`));
      const invitationPath = path(page);
      const summary = await mainText(page);
      expect(summary).toContain('Invited, waiting for the customer');
      expect(summary).toContain('Full delegated administration (DAP)');
      expect(summary).toContain('Granular delegated roles (GDAP) for 180 days: User administrator');

      // The drafted text, with the customer's personal link in it.
      const text = page.getByLabel('Invitation text');
      const draft = await text.inputValue();
      expect(draft).toContain(`${partner.name} would like to become the reseller of ${customer}.`);
      expect(draft).toContain('- Granular delegated roles (GDAP) for 180 days: User administrator');
      expect(draft).toContain(user.name);
      const link = CUSTOMER_LINK.exec(draft)?.[1];
      expect(link, `the draft holds the customer's link:\n${draft}`).toBeTruthy();

      // The copy button is there only for scripts that can use the clipboard; the text area always is.
      const copy = page.getByRole('button', { name: 'Copy the text' });
      if (javaScript) {
        // The page shows the button only where navigator.clipboard exists, as it does on http://localhost.
        expect(await page.evaluate(() => !!navigator.clipboard), 'the clipboard API in headless Chromium on localhost').toBe(true);
        await expect.poll(() => copy.isVisible()).toBe(true);
        // Copying puts the whole text, link included, on the clipboard and says so.
        await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.baseUrl });
        await copy.click();
        await expect.poll(() => trimmedText(main(page).locator('[data-copy-status]'))).toBe('Copied. Paste it into your email.');
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(draft);
      } else {
        expect(await copy.isVisible()).toBe(false);
      }
      expect(await text.isVisible()).toBe(true);
      await expectPageAccessible(h, s);

      // Send it to one of the two contacts.
      const sendTo = page.getByLabel('Send to');
      expect(await sendTo.inputValue(), 'with two contacts, none is chosen for the partner').toBe('');
      await sendTo.selectOption({ label: `${contacts[1]!.name} (${contacts[1]!.email})` });
      await page.getByRole('button', { name: 'Send the invitation' }).click();
      await expect.poll(() => trimmedText(flash(page))).toBe(`The invitation has been sent to ${contacts[1]!.email}.`);
      expect(path(page)).toBe(invitationPath);
      expect(await h1(page)).toBe(`Invitation for ${customer}`);
      if (javaScript) await expect.poll(() => copy.isVisible(), { message: 'the copy button after the page came back' }).toBe(true);
      expect(await mainText(page)).toContain(`to ${contacts[1]!.email} on `);
      await expectPageAccessible(h, s);

      // The customer opens the link in a browser of its own, without an account.
      const c = await open(javaScript);
      const opened = await c.page.goto(link!);
      expect(opened?.status()).toBe(200);
      expect(await h1(c.page)).toBe(`${partner.name} asks to become your reseller`);
      const offer = await mainText(c.page);
      expect(offer).toContain(`${partner.name} asks ${customer} to accept it as a reseller in the vendor's partner program.`);
      const rights = (await main(c.page).getByRole('heading', { name: 'Rights asked for' }).locator('xpath=following-sibling::ul[1]').getByRole('listitem').allTextContents()).map((t) => t.trim());
      expect(rights).toEqual(['Full delegated administration (DAP)', 'Granular delegated roles (GDAP) for 180 days: User administrator']);
      await expectPageAccessible(h, c);

      const accept = c.page.getByRole('button', { name: 'Accept the relationship' });
      const notAuthorised = await submitAndStatus(c.page, () => accept.click());
      expect(notAuthorised).toBe(422);
      await expect.poll(() => errorSummary(c.page).count()).toBe(1);
      expect(await errorLinks(c.page)).toEqual(['Enter your full name', 'Confirm that you are authorised to accept for your organisation']);
      await expect.poll(() => c.page.title()).toMatch(/^Error: .+ asks to become your reseller – /);
      expect(await h1(c.page)).toBe(`${partner.name} asks to become your reseller`);
      await expectPageAccessible(h, c);

      await c.page.getByLabel('Your full name').fill('Ivo Harbour');
      await c.page.getByRole('checkbox', { name: `I am authorised to accept this on behalf of ${customer}` }).check();
      await c.page.getByRole('button', { name: 'Accept the relationship' }).click();
      await expect.poll(() => main(c.page).getByText(/^You accepted .* as your reseller on .*\. Nothing else needs to be done\.$/).count()).toBe(1);
      expect(await mainText(c.page)).toContain(`You accepted ${partner.name} as your reseller on `);
      expect(await errorSummary(c.page).count()).toBe(0);
      expect(await c.page.getByRole('button', { name: 'Accept the relationship' }).count()).toBe(0);
      expect(path(c.page)).toBe(link!.split('?')[0]);
      await expectPageAccessible(h, c);
      if (javaScript) expect(unexpectedProblems(c)).toEqual([]);

      // Back with the partner: the customer list shows the relationship as active, also when filtered by it.
      await page.goto('/customers');
      await expect.poll(() => h1(page)).toBe('Customers');
      await page.getByLabel('Reseller relationship').selectOption({ label: 'Active' });
      if (!javaScript) await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('relationship')).toBe('active');
      const results = page.locator('#customer-results');
      await expect.poll(() => results.getByRole('link', { name: customer }).count()).toBe(1);
      const row = results.getByRole('row').filter({ has: page.getByRole('link', { name: customer }) });
      expect(await trimmedText(row.getByRole('cell').last())).toBe('Active');
      await expectPageAccessible(h, s);
      // Filtered by another status, the customer is not listed.
      await page.goto('/customers?relationship=invited');
      await expect.poll(() => h1(page)).toBe('Customers');
      expect(await results.getByRole('link', { name: customer }).count()).toBe(0);

      // The customer's page shows the active relationship, with who accepted it.
      await page.goto(customerPath);
      await expect.poll(() => h1(page)).toBe(customer);
      const active = (await main(page).getByRole('region', { name: 'Reseller relationship' }).locator('dl').innerText()).replace(/\s+/g, ' ');
      expect(active).toMatch(/Status Active Rights asked for Full delegated administration \(DAP\) Granular delegated roles \(GDAP\) for 180 days: User administrator Accepted on .+ \(Ivo Harbour\) Granular delegated roles \(GDAP\) In force until .+/);
      await expectPageAccessible(h, s);

      // Removing it: the legal notice must be confirmed.
      await main(page).getByRole('link', { name: 'Remove relationship' }).click();
      await expect.poll(() => h1(page)).toBe(`Remove the reseller relationship with ${customer}?`);
      const legal = main(page).getByRole('region', { name: 'Legal notice' });
      expect(await legal.count()).toBe(1);
      expect(await trimmedText(legal.locator('p').first())).toContain('By removing this relationship you confirm that you end it in good faith');
      expect(await mainText(page)).toContain('Full delegated administration (DAP) ends immediately.');
      await expectPageAccessible(h, s);
      const unconfirmed = await submitAndStatus(page, () => page.getByRole('button', { name: 'Remove the relationship' }).click());
      expect(unconfirmed).toBe(422);
      await expect.poll(() => errorSummary(page).count()).toBe(1);
      expect(await errorLinks(page)).toEqual(['Confirm the legal notice to remove the relationship']);
      await expect.poll(() => page.title()).toMatch(/^Error: Remove the reseller relationship with /);
      await expectPageAccessible(h, s);
      await page.getByRole('checkbox', { name: 'I confirm the legal notice above' }).check();
      await page.getByRole('button', { name: 'Remove the relationship' }).click();
      await expect.poll(() => h1(page)).toBe(customer);
      expect(path(page)).toBe(customerPath);
      expect(await trimmedText(flash(page))).toBe(`The reseller relationship with ${customer} has been removed.`);
      const section = main(page).getByRole('region', { name: 'Reseller relationship' });
      expect(await section.getByText('There is no reseller relationship with this customer.', { exact: true }).count()).toBe(1);
      expect(await section.getByRole('link', { name: 'Request a reseller relationship' }).count()).toBe(1);
      const history = section.getByRole('table', { name: 'Earlier relationships and invitations' });
      expect(await history.count()).toBe(1);
      const earlier = history.getByRole('row').nth(1);
      expect(await trimmedText(earlier.getByRole('cell').nth(1))).toMatch(/^Removed \(.+\)$/);
      expect((await earlier.getByRole('cell').nth(2).innerText()).replace(/\s+/g, ' ')).toMatch(/^Full delegated administration \(DAP\) Granular delegated roles \(GDAP\) for 180 days: User administrator ?Full delegated administration ended on .+$/);
      await expectPageAccessible(h, s);
      if (javaScript) expect(unexpectedProblems(s)).toEqual([]);
    },
    120_000,
  );

  it.each(MODES)(
    "a provider linked by staff sees the reseller's accepted customer read-only, without its notes ($mode)",
    async ({ javaScript }) => {
      const reseller = await partnerAdmin(javaScript, 'Tier Two Reseller');
      const provider = await partnerAdmin(javaScript, 'Tier One Provider');

      // A channel manager links the reseller to the provider on the staff page.
      const staff = await channelManager(javaScript);
      await staff.page.goto('/admin/two-tier');
      await expect.poll(() => h1(staff.page)).toBe('Two-tier distribution');
      await expectPageAccessible(h, staff);
      const addLink = () => staff.page.getByRole('button', { name: 'Link reseller to provider' }).click();
      expect(await submitAndStatus(staff.page, addLink)).toBe(422);
      await expect.poll(() => errorSummary(staff.page).count()).toBe(1);
      expect(await errorLinks(staff.page)).toHaveLength(2);
      await expectPageAccessible(h, staff);
      await staff.page.getByLabel('Indirect reseller').selectOption({ label: reseller.partner.name });
      await staff.page.getByLabel('Indirect provider').selectOption({ label: provider.partner.name });
      await addLink();
      await expect.poll(() => trimmedText(flash(staff.page))).toBe('The reseller is now linked to the provider.');
      const linked = staff.page.getByRole('table', { name: 'Two-tier distribution' }).getByRole('row').filter({ hasText: reseller.partner.name });
      expect(await linked.count()).toBe(1);
      expect(await trimmedText(linked.getByRole('cell').nth(1))).toBe(provider.partner.name);
      await expectPageAccessible(h, staff);
      if (javaScript) expect(unexpectedProblems(staff)).toEqual([]);

      // The reseller invites a customer together with the provider.
      const { page } = reseller.s;
      const tag = randomHex();
      const customer = `Two Tier Customer ${tag}`;
      const notes = `Private reseller note ${tag}`;
      await addCustomer(reseller.s, { name: customer, website: `two-tier-${tag}.example`, notes });
      await main(page).getByRole('link', { name: 'Request a reseller relationship' }).click();
      await expect.poll(() => h1(page)).toBe(`Request a reseller relationship with ${customer}`);
      expect(await page.getByLabel('Indirect provider').inputValue()).toBe('');
      await page.getByLabel('Indirect provider').selectOption({ label: provider.partner.name });
      await expectPageAccessible(h, reseller.s);
      await page.getByRole('button', { name: 'Draft the invitation' }).click();
      await expect.poll(() => h1(page)).toBe(`Invitation for ${customer}`);
      expect(await mainText(page)).toContain(`Indirect provider ${provider.partner.name}`);
      const draft = await page.getByLabel('Invitation text').inputValue();
      expect(draft).toContain(`together with our distributor ${provider.partner.name}`);
      const link = CUSTOMER_LINK.exec(draft)?.[1];
      expect(link, `the draft holds the customer's link:\n${draft}`).toBeTruthy();
      // No contact has an email address: the page says so instead of offering to send.
      expect(await mainText(page)).toContain("None of this customer's contacts has an email address.");
      await expectPageAccessible(h, reseller.s);

      // The customer accepts through the link.
      const c = await open(javaScript);
      await c.page.goto(link!);
      expect(await h1(c.page)).toBe(`${reseller.partner.name} asks to become your reseller`);
      expect(await mainText(c.page)).toContain(
        `${reseller.partner.name} asks ${customer} to accept it as a reseller, together with its distributor ${provider.partner.name}, in the vendor's partner program.`,
      );
      await c.page.getByLabel('Your full name').fill('Tina Tier');
      await c.page.getByRole('checkbox', { name: `I am authorised to accept this on behalf of ${customer}` }).check();
      await c.page.getByRole('button', { name: 'Accept the relationship' }).click();
      await expect.poll(() => main(c.page).getByText(`You accepted ${reseller.partner.name} as your reseller on`, { exact: false }).count()).toBe(1);
      await expectPageAccessible(h, c);
      if (javaScript) expect(unexpectedProblems(c)).toEqual([]);

      // The provider finds the customer in its list, marked as shared by the reseller.
      const p = provider.s;
      await p.page.goto('/customers');
      await expect.poll(() => h1(p.page)).toBe('Customers');
      const row = p.page.locator('#customer-results').getByRole('row').filter({ has: p.page.getByRole('link', { name: customer }) });
      expect(await row.count()).toBe(1);
      expect(await trimmedText(row.getByRole('cell').first())).toContain('Shared by reseller');
      expect(await trimmedText(row.getByRole('cell').last())).toBe('Active');
      await expectPageAccessible(h, p);

      // Its page is read-only: the reseller's name, the relationship, no notes and no way to change anything.
      await row.getByRole('link', { name: customer }).click();
      await expect.poll(() => h1(p.page)).toBe(customer);
      const shown = await mainText(p.page);
      expect(shown).toContain(`${reseller.partner.name} shares this customer with you through a two-tier relationship.`);
      expect(shown).toContain(`Reseller ${reseller.partner.name}`);
      expect(shown).toContain(`Indirect provider ${provider.partner.name}`);
      expect(shown).toContain('Status Active');
      expect(shown).not.toContain(notes);
      expect(shown).not.toContain('Notes');
      expect(await main(p.page).getByRole('link', { name: 'Edit customer' }).count()).toBe(0);
      expect(await main(p.page).getByRole('link', { name: 'Remove relationship' }).count()).toBe(0);
      expect(await main(p.page).getByRole('button').count()).toBe(0);
      await expectPageAccessible(h, p);
      if (javaScript) expect(unexpectedProblems(p)).toEqual([]);
    },
    120_000,
  );

  it.each(MODES)(
    'delete confirmation, the staff overview of a customer, and the import with its error and its report are accessible ($mode)',
    async ({ javaScript }) => {
      const { s, partner } = await partnerAdmin(javaScript, 'Import Co');
      const { page } = s;
      const tag = randomHex();

      // Deleting a customer without history: a confirmation page, then the customer is gone.
      const doomed = `Short Lived ${tag}`;
      await addCustomer(s, { name: doomed });
      await main(page).getByRole('link', { name: 'Delete customer' }).click();
      await expect.poll(() => h1(page)).toBe(`Delete ${doomed}?`);
      expect(path(page)).toMatch(/^\/customers\/\d+\/delete$/);
      expect(await mainText(page)).toContain(`${doomed} and its links to contacts will be deleted.`);
      await expectPageAccessible(h, s);
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      await expect.poll(() => h1(page)).toBe('Customers');
      expect(await trimmedText(flash(page))).toBe(`${doomed} has been deleted.`);
      expect(await page.locator('#customer-results').getByRole('link', { name: doomed }).count()).toBe(0);

      // A customer that stays, for the staff overview.
      const kept = `Long Lived ${tag}`;
      const keptId = await addCustomer(s, { name: kept, website: `long-lived-${tag}.example` });
      const staff = await channelManager(javaScript);
      await staff.page.goto(`/admin/customers/${keptId}`);
      await expect.poll(() => h1(staff.page)).toBe(kept);
      const overview = await mainText(staff.page);
      expect(overview).toContain(`Partner ${partner.name}`);
      expect(overview).toContain(`Website domain long-lived-${tag}.example`);
      expect(overview).toContain('Reseller relationship None');
      // A channel manager looks; only a channel admin may correct.
      expect(await main(staff.page).getByRole('link', { name: 'Edit customer' }).count()).toBe(0);
      await expectPageAccessible(h, staff);
      if (javaScript) expect(unexpectedProblems(staff)).toEqual([]);

      // The import: no file is an error.
      await page.goto('/customers');
      await expect.poll(() => h1(page)).toBe('Customers');
      await main(page).getByRole('link', { name: 'Import customers' }).click();
      await expect.poll(() => h1(page)).toBe('Import customers');
      await expectPageAccessible(h, s);
      const noFile = await submitAndStatus(page, () => page.getByRole('button', { name: 'Check and import' }).click());
      expect(noFile).toBe(422);
      await expect.poll(() => errorSummary(page).count()).toBe(1);
      expect(await errorLinks(page)).toEqual(['Choose a CSV file to import']);
      expect(await h1(page)).toBe('Import customers');
      await expectPageAccessible(h, s);

      // One good row and one with an unknown country: the report says which line and why.
      const good = `Imported Good ${tag}`;
      const csv = ['name,website,country,contact_name,contact_email', `${good},good-${tag}.example,DE,Gina Good,gina@good-${tag}.example`, `Imported Bad ${tag},bad-${tag}.example,XX,,`].join('\n');
      await page.getByLabel('CSV file').setInputFiles({ name: `customers-${tag}.csv`, mimeType: 'text/csv', buffer: Buffer.from(`${csv}\n`) });
      await page.getByRole('button', { name: 'Check and import' }).click();
      await expect.poll(() => h1(page)).toBe('Import report');
      expect(path(page)).toMatch(/^\/customers\/imports\/\d+$/);
      const counts = (await page.locator('ul.counts li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      expect(counts).toEqual(['1 customer imported', '1 row not imported']);
      const problems = page.getByRole('table', { name: 'Problems found, by line of the file' });
      const rows = await problems.getByRole('row').evaluateAll((trs) => trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));
      expect(rows).toEqual([['3', 'country', 'Unknown country code']]);
      expect(await main(page).getByRole('link', { name: 'Download the rows that were not imported (CSV)' }).count()).toBe(1);
      expect(await mainText(page)).toContain(`customers-${tag}.csv, imported `);
      await expectPageAccessible(h, s);

      // The good row is in the list now.
      await main(page).getByRole('link', { name: 'Go to the customer list' }).click();
      await expect.poll(() => h1(page)).toBe('Customers');
      expect(await page.locator('#customer-results').getByRole('link', { name: good }).count()).toBe(1);
      if (javaScript) expect(unexpectedProblems(s)).toEqual([]);
    },
    90_000,
  );
});
