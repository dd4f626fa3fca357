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
  signInViaApi,
  submitAndStatus,
  trimmedText,
  unexpectedProblems,
  useBrowser,
} from './helpers.ts';

const errorLinks = async (page: Page) => (await errorSummary(page).getByRole('link').allTextContents()).map((t) => t.trim());
/** The opportunity's state: the first badge under its heading. */
const stateBadge = (page: Page) => main(page).locator('h1 + p .badge').first();
/** The texts of a table's body rows, one array of cell texts (th and td) per row. */
const tableRows = (table: ReturnType<Page['getByRole']>) =>
  table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim())));

describe.runIf(browserAvailable)('vendor opportunities in a browser', () => {
  const { h, openProfile } = useBrowser();

  async function open(javaScript: boolean) {
    const s = await openProfile({ javaScript });
    // A missing element fails its step with the locator named, well before the test's own time limit.
    s.context.setDefaultTimeout(10_000);
    return s;
  }

  /** A fresh partner company with its partner admin, signed in. */
  async function partnerAdmin(javaScript: boolean, name: string) {
    const knex = h.server.database.knex;
    const partner = await createPartner(knex, { name });
    const user = await createUser(knex, { partnerId: partner.id, role: 'partner_admin', name: `Pat ${randomHex(3)}` });
    const s = await open(javaScript);
    await signInViaApi(s.context, user.email, TEST_PASSWORD);
    return { s, partner, user };
  }

  it.each(MODES)(
    'staff create and distribute an opportunity; the lead and a collaborator accept, share notes, register it and win it ($mode)',
    async ({ javaScript }) => {
      const knex = h.server.database.knex;
      const tag = randomHex();
      const lead = await partnerAdmin(javaScript, `Lead Co ${randomHex()}`);
      const collab = await partnerAdmin(javaScript, `Collab Co ${randomHex()}`);
      const accountName = `Vendor Account ${tag}`;
      await knex('customer_accounts').insert({ partner_id: null, name: accountName, website_domain: `vendor-account-${tag}.example` });
      const staffUser = await createUser(knex, { role: 'channel_manager' });
      const staff = await open(javaScript);
      await signInViaApi(staff.context, staffUser.email, TEST_PASSWORD);
      const topic = `Data centre refresh ${tag}`;
      const need = `Replace ageing storage before the audit ${tag}`;
      const sharedNote = `Shared with everyone ${tag}`;
      const privateNote = `Only for the lead company ${tag}`;

      // 2. Staff create the opportunity: an empty form is refused first.
      const sp = staff.page;
      await sp.goto('/admin/opportunities');
      await expect.poll(() => h1(sp)).toBe('Pipeline');
      await expectPageAccessible(h, staff);
      await main(sp).getByRole('link', { name: 'New opportunity' }).click();
      await expect.poll(() => h1(sp)).toBe('New opportunity');
      expect(path(sp)).toBe('/admin/opportunities/new');
      await expectPageAccessible(h, staff);
      const save = () => main(sp).getByRole('button', { name: 'Save', exact: true }).click();
      expect(await submitAndStatus(sp, save)).toBe(422);
      await expect.poll(() => errorSummary(sp).count()).toBe(1);
      // The currency comes filled in with the vendor's base currency; the rest is missing.
      expect(await errorLinks(sp)).toEqual(["Enter the opportunity's topic", 'Choose the customer account', 'Estimated value is needed']);
      // Each link leads to its field.
      expect(await errorSummary(sp).getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['#topic', '#account_id', '#value']);
      expect(await sp.getByLabel('Topic', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => sp.title()).toMatch(/^Error: New opportunity – /);
      expect(await h1(sp)).toBe('New opportunity');
      await expectPageAccessible(h, staff);

      await sp.getByLabel('Topic', { exact: true }).fill(topic);
      await sp.getByLabel('Customer', { exact: true }).selectOption({ label: accountName });
      await sp.getByLabel('Currency', { exact: true }).selectOption('USD');
      await sp.getByLabel('Estimated value', { exact: true }).fill('50000');
      await sp.getByLabel('Customer need', { exact: true }).fill(need);
      await save();
      await expect.poll(() => h1(sp)).toBe(topic);
      expect(path(sp)).toMatch(/^\/admin\/opportunities\/\d+$/);
      const staffPath = path(sp);
      const id = Number(/(\d+)$/.exec(staffPath)![1]);
      expect(await trimmedText(flash(sp))).toBe(`The opportunity “${topic}” has been saved.`);
      expect(await trimmedText(stateBadge(sp))).toBe('Open');
      const created = await mainText(sp);
      expect(created).toContain(`Customer ${accountName}`);
      expect(created).toContain(`Customer need ${need}`);
      expect(created).toContain('Not offered to any partner yet.');
      expect(await main(sp).getByRole('link', { name: 'Edit opportunity' }).count()).toBe(1);

      // The routing panel ranks the eligible partners, with a column for each factor.
      const routing = main(sp).getByRole('region', { name: 'Routing' });
      const ranking = routing.getByRole('table', { name: 'Best placed partners, with the points behind each score' });
      expect(await ranking.count()).toBe(1);
      const columns = (await ranking.locator('thead th').allTextContents()).map((t) => t.trim());
      expect(columns).toEqual(['Partner', 'Score', 'Country', 'Specialty', 'Level', 'Spare capacity', 'Responsiveness', 'Returns']);
      expect(await ranking.locator('tbody tr').count()).toBeGreaterThan(0);
      await expectPageAccessible(h, staff);

      // Distribute by hand: the lead partner and one collaborator.
      await routing.getByLabel('Lead partner').selectOption({ label: lead.partner.name });
      await routing.getByRole('group', { name: 'Collaborating partners' }).getByRole('checkbox', { name: collab.partner.name, exact: true }).check();
      await routing.getByRole('button', { name: 'Distribute', exact: true }).click();
      await expect.poll(() => trimmedText(flash(sp))).toBe('The opportunity has been offered (2 distributions).');
      expect(path(sp)).toBe(staffPath);
      expect(await trimmedText(stateBadge(sp))).toBe('Distributed');
      const distributions = main(sp).getByRole('table', { name: 'Distributions' });
      const delivered = (await tableRows(distributions)).map((cells) => cells.slice(0, 3));
      expect(delivered).toHaveLength(2);
      expect(delivered).toEqual(expect.arrayContaining([
        [lead.partner.name, 'Lead partner', 'Delivered'],
        [collab.partner.name, 'Collaborator', 'Delivered'],
      ]));
      await expectPageAccessible(h, staff);
      if (javaScript) expect(unexpectedProblems(staff)).toEqual([]);

      // 3. The lead partner finds it under "Distributed to us" and accepts it from the list.
      const lp = lead.s.page;
      await lp.goto('/opportunities');
      await expect.poll(() => h1(lp)).toBe('Opportunities');
      expect(await trimmedText(main(lp).getByRole('navigation', { name: 'Opportunity views' }).locator('[aria-current="page"]'))).toMatch(/^Distributed to us \(\d+\)$/);
      const awaiting = main(lp).getByRole('table', { name: 'Distributed to us' });
      const row = awaiting.locator(`#opp-${id}`);
      expect(await row.count()).toBe(1);
      expect(await trimmedText(row.getByRole('link'))).toBe(topic);
      expect((await row.innerText()).replace(/\s+/g, ' ')).toContain('Distributed');
      await expectPageAccessible(h, lead.s);
      const listUrl = lp.url();
      await row.getByRole('button', { name: `Accept ${topic}` }).click();
      if (javaScript) {
        // htmx swaps the row in place: the page stays where it is.
        await expect.poll(async () => (await row.innerText()).replace(/\s+/g, ' ')).toContain('Accepted');
        expect(await row.getByRole('button', { name: `Accept ${topic}` }).count()).toBe(0);
        expect(lp.url()).toBe(listUrl);
        expect(await h1(lp)).toBe('Opportunities');
        // Only the row was swapped: no page came back with a flash.
        expect(await flash(lp).count()).toBe(0);
      } else {
        // Without JavaScript the list comes back after the redirect, with the flash; the row has moved on.
        await expect.poll(() => trimmedText(flash(lp))).toBe(`You accepted “${topic}”.`);
        expect(path(lp)).toBe('/opportunities');
        expect(await h1(lp)).toBe('Opportunities');
        expect(await main(lp).locator(`#opp-${id}`).count()).toBe(0);
      }
      await expectPageAccessible(h, lead.s);

      // The lead opens the opportunity and works on it.
      const leadPath = `/opportunities/${id}`;
      if (javaScript) await row.getByRole('link', { name: topic }).click();
      else await lp.goto(leadPath);
      await expect.poll(() => h1(lp)).toBe(topic);
      expect(path(lp)).toBe(leadPath);
      expect(await trimmedText(stateBadge(lp))).toBe('Accepted');
      const leadWork = main(lp).getByRole('region', { name: 'Work on it' });
      expect(await leadWork.getByRole('button', { name: 'Save stage' }).count()).toBe(1);
      expect(await leadWork.getByRole('button', { name: 'Mark as won' }).count()).toBe(1);
      expect(await leadWork.getByRole('button', { name: 'Return the opportunity' }).count()).toBe(1);
      expect(await mainText(lp)).toContain(`Other partners ${collab.partner.name} (Collaborator)`);
      await expectPageAccessible(h, lead.s);

      // An empty note is refused with the error summary.
      const notes = main(lp).getByRole('region', { name: 'Notes' });
      const addNote = () => notes.getByRole('button', { name: 'Add note' }).click();
      expect(await submitAndStatus(lp, addNote)).toBe(422);
      await expect.poll(() => errorSummary(lp).count()).toBe(1);
      expect(await errorLinks(lp)).toEqual(['Write the note']);
      expect(await h1(lp)).toBe(topic);
      await expectPageAccessible(h, lead.s);

      // A note for everyone on the opportunity, and one for the lead's company only.
      for (const [body, visibility] of [[sharedNote, 'All partners on this opportunity and the vendor'], [privateNote, 'Our company only']] as const) {
        const form = main(lp).getByRole('region', { name: 'Notes' });
        await form.getByLabel('Note', { exact: true }).fill(body);
        await form.getByRole('group', { name: 'Who can read it' }).getByRole('radio', { name: visibility }).check();
        await form.getByRole('button', { name: 'Add note' }).click();
        await expect.poll(() => main(lp).locator('ul.notes li').filter({ hasText: body }).count()).toBe(1);
        expect(await trimmedText(flash(lp))).toBe('Your note has been added.');
        expect(await main(lp).locator('ul.notes li').filter({ hasText: body }).locator('p.hint').innerText()).toContain(`${lead.partner.name} · `);
        expect(await main(lp).locator('ul.notes li').filter({ hasText: body }).locator('p.hint').innerText()).toContain(` · ${visibility}`);
      }
      expect(await errorSummary(lp).count()).toBe(0);
      await expectPageAccessible(h, lead.s);
      if (javaScript) expect(unexpectedProblems(lead.s)).toEqual([]);

      // 4. The collaborator sees only the summary until it accepts.
      const cp = collab.s.page;
      await cp.goto(leadPath);
      await expect.poll(() => h1(cp)).toBe(topic);
      expect(await trimmedText(main(cp).locator('h1 + p'))).toMatch(/^Accepted\s+Collaborator: Delivered$/);
      const summary = await mainText(cp);
      expect(summary).toContain(`Customer ${accountName}`);
      expect(summary).toContain(`Customer need ${need}`);
      expect(summary).toContain('Answer by ');
      expect(summary).not.toContain(sharedNote);
      expect(summary).not.toContain(privateNote);
      expect(await main(cp).getByRole('heading', { name: 'Notes' }).count()).toBe(0);
      expect(await main(cp).getByRole('heading', { name: 'Timeline' }).count()).toBe(0);
      expect(await main(cp).getByRole('region', { name: 'Work on it' }).count()).toBe(0);
      await expectPageAccessible(h, collab.s);
      const answer = main(cp).getByRole('region', { name: 'Your answer' });
      await answer.getByRole('button', { name: 'Accept', exact: true }).click();
      await expect.poll(() => trimmedText(flash(cp))).toBe(`You accepted “${topic}”.`);
      expect(path(cp)).toBe(leadPath);
      expect(await main(cp).getByRole('region', { name: 'Your answer' }).count()).toBe(0);
      expect(await trimmedText(main(cp).locator('h1 + p'))).toMatch(/^Accepted\s+Collaborator: Accepted$/);
      // Now it reads the shared note, never the lead's company-only note.
      const collabNotes = main(cp).getByRole('region', { name: 'Notes' });
      expect(await collabNotes.locator('ul.notes li').filter({ hasText: sharedNote }).count()).toBe(1);
      expect(await mainText(cp)).not.toContain(privateNote);
      // It collaborates: the lead closes, so it has no "Mark as won", only the explanation (and Return).
      const collabWork = main(cp).getByRole('region', { name: 'Work on it' });
      expect(await collabWork.getByText('Your company collaborates on this opportunity. The lead partner moves it forward and closes it; you can add notes or return it.', { exact: true }).count()).toBe(1);
      expect(await main(cp).getByRole('button', { name: 'Mark as won' }).count()).toBe(0);
      expect(await main(cp).getByRole('button', { name: 'Mark as lost' }).count()).toBe(0);
      expect(await main(cp).getByRole('button', { name: 'Save stage' }).count()).toBe(0);
      expect(await main(cp).locator(`form[action="/opportunities/${id}/close"]`).count()).toBe(0);
      expect(await collabWork.getByRole('button', { name: 'Return the opportunity' }).count()).toBe(1);
      // Nor can it register the deal: only the lead manages the opportunity.
      expect(await main(cp).getByRole('link', { name: 'Register deal' }).count()).toBe(0);
      await expectPageAccessible(h, collab.s);
      // Posting the close form by hand is refused as well.
      const csrf = await cp.locator('input[name="_csrf"]').first().inputValue();
      const forged = await collab.s.context.request.post(`${leadPath}/close`, { form: { _csrf: csrf, outcome: 'won' }, maxRedirects: 0 });
      expect(forged.status()).toBe(403);
      if (javaScript) expect(unexpectedProblems(collab.s)).toEqual([]);

      // 5. The lead registers the deal.
      await lp.goto(leadPath);
      await expect.poll(() => h1(lp)).toBe(topic);
      const registrationSection = () => main(lp).getByRole('region', { name: 'Deal registration' });
      await registrationSection().getByRole('link', { name: 'Register deal' }).click();
      await expect.poll(() => h1(lp)).toBe(`Register “${topic}”`);
      expect(path(lp)).toBe(`${leadPath}/register`);
      const registerText = await mainText(lp);
      expect(registerText).toContain('Registering asks the vendor for exclusive rights to this deal for a limited time.');
      expect(await trimmedText(main(lp).locator('p.notice'))).toBe('No conflict found with other registrations or opportunities.');
      await expectPageAccessible(h, lead.s);
      await main(lp).getByRole('button', { name: 'Send the registration' }).click();
      await expect.poll(() => h1(lp)).toBe(topic);
      expect(path(lp)).toBe(leadPath);
      expect(await trimmedText(flash(lp))).toBe('Your registration has been sent to the vendor.');
      expect(await trimmedText(registrationSection().locator('p').first())).toBe("Registration waiting for the vendor's decision.");
      expect(await registrationSection().getByRole('link', { name: 'Register deal' }).count()).toBe(0);
      await expectPageAccessible(h, lead.s);
      if (javaScript) expect(unexpectedProblems(lead.s)).toEqual([]);

      // 6. Staff approve it from the review queue; without a decision the form is refused first.
      await sp.goto('/admin/review');
      await expect.poll(() => h1(sp)).toBe('Review');
      await expectPageAccessible(h, staff);
      const queued = main(sp).getByRole('region', { name: 'Deal registrations' }).getByRole('listitem').filter({ has: sp.getByRole('link', { name: topic, exact: true }) });
      expect(await queued.count()).toBe(1);
      expect((await queued.innerText()).replace(/\s+/g, ' ')).toBe(`${topic}, ${lead.partner.name}: Registration waiting for the vendor's decision.`);
      await queued.getByRole('link', { name: topic, exact: true }).click();
      await expect.poll(() => h1(sp)).toBe(`Registration: ${topic}`);
      expect(path(sp)).toMatch(/^\/admin\/registrations\/\d+$/);
      const registrationPath = path(sp);
      const sideBySide = main(sp).getByRole('table', { name: `This request and the open records for the same customer domain (vendor-account-${tag}.example) and product` });
      expect((await tableRows(sideBySide)).map((cells) => cells.slice(0, 4))).toEqual([[`${topic} (this request)`, lead.partner.name, accountName, 'Accepted']]);
      expect(await mainText(sp)).toContain('No other open registration or opportunity for this customer domain and product.');
      await expectPageAccessible(h, staff);
      const decide = () => main(sp).getByRole('button', { name: 'Save the decision' }).click();
      expect(await submitAndStatus(sp, decide)).toBe(422);
      await expect.poll(() => errorSummary(sp).count()).toBe(1);
      expect(await errorLinks(sp)).toEqual(['Choose a decision']);
      expect(path(sp)).toBe(registrationPath);
      await expectPageAccessible(h, staff);
      const { exclusivity_days: days } = await knex('vendor_settings').where('id', 1).first('exclusivity_days');
      await main(sp).getByRole('group', { name: 'Decision' }).getByRole('radio', { name: `Approve: exclusive for ${days} days` }).check();
      await decide();
      await expect.poll(() => trimmedText(flash(sp))).toBe('The registration has been approved.');
      expect(path(sp)).toBe('/admin/review');
      expect(await main(sp).getByRole('region', { name: 'Deal registrations' }).getByRole('link', { name: topic, exact: true }).count()).toBe(0);
      await expectPageAccessible(h, staff);
      if (javaScript) expect(unexpectedProblems(staff)).toEqual([]);

      // 7. The lead sees the approval and wins the opportunity.
      await lp.goto(leadPath);
      await expect.poll(() => h1(lp)).toBe(topic);
      expect(await trimmedText(registrationSection().locator('p').first())).toMatch(/^Registration approved\. Exclusive until .+\.$/);
      await expectPageAccessible(h, lead.s);
      await main(lp).getByRole('region', { name: 'Work on it' }).getByRole('button', { name: 'Mark as won' }).click();
      await expect.poll(() => trimmedText(stateBadge(lp))).toBe('Won');
      expect(path(lp)).toBe(leadPath);
      expect(await trimmedText(main(lp).locator('p.notice').filter({ hasText: 'This opportunity is closed' }))).toBe(
        'This opportunity is closed: it can no longer be changed. Notes can still be added.',
      );
      expect(await main(lp).getByRole('region', { name: 'Work on it' }).count()).toBe(0);
      for (const control of ['Save stage', 'Mark as won', 'Mark as lost', 'Return the opportunity']) {
        expect(await main(lp).getByRole('button', { name: control }).count(), `no "${control}" once won`).toBe(0);
      }
      expect(await main(lp).locator('ol.timeline li').filter({ hasText: /: Won · / }).count()).toBe(1);
      await expectPageAccessible(h, lead.s);
      if (javaScript) expect(unexpectedProblems(lead.s)).toEqual([]);

      // Staff see it won and can no longer edit it.
      await sp.goto(staffPath);
      await expect.poll(() => h1(sp)).toBe(topic);
      expect(await trimmedText(stateBadge(sp))).toBe('Won');
      expect(await main(sp).getByRole('link', { name: 'Edit opportunity' }).count()).toBe(0);
      expect(await trimmedText(main(sp).locator('p.notice').filter({ hasText: 'This opportunity is closed' }))).toBe(
        'This opportunity is closed: it can no longer be changed. Notes can still be added.',
      );
      expect(await main(sp).getByRole('region', { name: 'Routing' }).count()).toBe(0);
      expect(await main(sp).getByRole('button', { name: 'Mark as won' }).count()).toBe(0);
      // Staff read the lead's shared note, not its company-only one.
      const staffNotes = await main(sp).getByRole('region', { name: 'Notes' }).innerText();
      expect(staffNotes).toContain(sharedNote);
      expect(staffNotes).not.toContain(privateNote);
      await expectPageAccessible(h, staff);
      if (javaScript) expect(unexpectedProblems(staff)).toEqual([]);
    },
    180_000,
  );
});
