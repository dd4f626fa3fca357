import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAvailable } from '../support/browser.ts';
import { createPartner, createUser, TEST_PASSWORD, unique } from '../support/factories.ts';
import { translator } from '../../src/i18n/index.ts';
import {
  errorSummary,
  expectPageAccessible,
  flash,
  h1,
  htmlLang,
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

/** The visible text of an element, white space collapsed. */
const textOf = async (locator: { innerText(): Promise<string> }) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/** The UI texts as a German reader gets them (the catalog falls back to English where a text is not translated yet). */
const de = translator('de');

const linksOf = async (summary: ReturnType<Page['getByRole']>) => ({
  texts: (await summary.getByRole('link').allTextContents()).map((t) => t.trim()),
  hrefs: await summary.getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
});

describe.runIf(browserAvailable)('knowledge base and support cases in a browser', () => {
  const { h, openProfile } = useBrowser();

  /**
   * axe-core on the page as it is now (WCAG 2.2 AA, 0 violations expected). A violation fails the test at its
   * end rather than at once, so one run lists every inaccessible page state of the journey, not only the first.
   */
  async function accessible(s: Session) {
    try {
      await expectPageAccessible(h, s);
    } catch (err) {
      expect.soft((err as Error).message, 'accessibility of the page state').toBe('no violations');
    }
  }

  async function open(javaScript: boolean, locale?: string) {
    const s = await openProfile({ javaScript, ...(locale ? { locale } : {}) });
    // A missing element fails its step with the locator named, well before the test's own time limit.
    s.context.setDefaultTimeout(10_000);
    return s;
  }

  /** A fresh user of the vendor or of a fresh partner company, signed in. */
  async function signedIn(javaScript: boolean, fields: Parameters<typeof createUser>[1], locale?: string) {
    const user = await createUser(h.server.database.knex, { name: `Kim ${randomHex(3)}`, ...fields });
    const s = await open(javaScript, locale);
    await signInViaApi(s.context, user.email, TEST_PASSWORD);
    return { s, user };
  }

  it.each(MODES)(
    'a support agent writes, previews, publishes and translates an article; a German partner finds it by an inflected word, reads it in both languages and answers "Was this helpful?" ($mode)',
    async ({ javaScript }) => {
      // A word of its own, so the search finds this article only, whatever other tests publish meanwhile.
      const marker = `kc${randomHex()}`;
      const en = {
        title: `Onboarding checklist ${marker}`,
        body: `Every **partner** works through the onboarding checklist ${marker} in the first month.\n\n- Sign the agreement\n- Book the sales training`,
      };
      const german = {
        title: `Checkliste für den Einstieg ${marker}`,
        body: `Jeder Partner arbeitet die Checkliste ${marker} im ersten Monat ab.\n\n- Den Vertrag unterschreiben\n- Die Vertriebsschulung buchen`,
      };
      const comment = `An example for resellers would help ${marker}`;

      // 1. A support agent writes the article: the empty form is refused first.
      const staff = (await signedIn(javaScript, { role: 'support_agent' })).s;
      const sp = staff.page;
      await sp.goto('/admin/knowledge');
      await expect.poll(() => h1(sp)).toBe('Knowledge articles');
      await accessible(staff);
      await main(sp).getByRole('link', { name: 'New article', exact: true }).click();
      await expect.poll(() => h1(sp)).toBe('New article');
      expect(path(sp)).toBe('/admin/knowledge/new');
      await accessible(staff);

      const saveDraft = () => main(sp).getByRole('button', { name: 'Save draft and preview' }).click();
      expect(await submitAndStatus(sp, saveDraft)).toBe(422);
      await expect.poll(() => errorSummary(sp).count()).toBe(1);
      expect(await linksOf(errorSummary(sp))).toEqual({
        texts: ['Category is needed', 'Title is needed', 'Text is needed'],
        hrefs: ['#category', '#title', '#body'],
      });
      expect(await main(sp).getByLabel('Title', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => sp.title()).toMatch(/^Error: New article – /);
      expect(await h1(sp)).toBe('New article');
      expect(path(sp)).toBe('/admin/knowledge/new');
      await accessible(staff);

      await main(sp).getByLabel('Category', { exact: true }).selectOption({ label: 'Partner program' });
      await main(sp).getByRole('group', { name: 'Who can read it' }).getByRole('radio', { name: 'Signed-in partners and staff' }).check();
      await main(sp).getByLabel('Language', { exact: true }).selectOption({ label: 'English' });
      await main(sp).getByLabel('Title', { exact: true }).fill(en.title);
      await main(sp).getByLabel('Text', { exact: true }).fill(en.body);
      await saveDraft();

      // 2. The preview, as readers will see it, not published yet.
      await expect.poll(() => h1(sp)).toBe(en.title);
      expect(path(sp)).toMatch(/^\/admin\/knowledge\/\d+\/en\/preview$/);
      const id = Number(/^\/admin\/knowledge\/(\d+)\//.exec(path(sp))![1]);
      expect(await trimmedText(flash(sp))).toBe('Draft saved. Readers see it once you publish it.');
      expect(await textOf(main(sp).getByRole('note'))).toBe('Preview of the English version, as readers will see it. This version is not published yet.');
      const preview = main(sp).getByRole('article', { name: en.title });
      expect(await preview.getAttribute('lang')).toBe('en');
      expect(await preview.locator('.prose strong').textContent()).toBe('partner');
      expect(await preview.locator('.prose li').allTextContents()).toEqual(['Sign the agreement', 'Book the sales training']);
      await accessible(staff);

      // 3. Published: the author lands on the reader's page.
      await main(sp).getByRole('button', { name: 'Publish this version' }).click();
      await expect.poll(() => trimmedText(flash(sp))).toBe('Published. Readers now see this version.');
      expect(path(sp)).toBe(`/knowledge/${id}`);
      expect(new URL(sp.url()).searchParams.get('lang')).toBe('en');
      expect(await h1(sp)).toBe(en.title);
      await accessible(staff);

      // 4. The German translation, from the article's overview.
      await main(sp).getByRole('link', { name: 'Edit', exact: true }).click();
      // The reader's page has the same heading: wait for the address.
      await expect.poll(() => path(sp)).toBe(`/admin/knowledge/${id}`);
      await expect.poll(() => h1(sp)).toBe(en.title);
      const languages = main(sp).getByRole('region', { name: 'Languages' });
      const stateOf = async (language: string) => trimmedText(languages.getByRole('row').filter({ has: sp.getByRole('rowheader', { name: language, exact: true }) }).getByRole('cell').first());
      expect(await stateOf('English')).toMatch(/^Published .+$/);
      expect(await stateOf('Deutsch')).toBe('Not written');
      await accessible(staff);
      await languages.getByRole('link', { name: 'Write (Deutsch)', exact: true }).click();
      await expect.poll(() => h1(sp)).toBe('Edit the article in Deutsch');
      expect(path(sp)).toBe(`/admin/knowledge/${id}/de`);
      // The English text is at hand for the translator.
      expect(await main(sp).locator('details summary').textContent()).toBe('The English text, for reference');
      expect(await main(sp).getByLabel('Text', { exact: true }).getAttribute('lang')).toBe('de');
      await accessible(staff);
      await main(sp).getByLabel('Title', { exact: true }).fill(german.title);
      await main(sp).getByLabel('Text', { exact: true }).fill(german.body);
      await saveDraft();
      await expect.poll(() => h1(sp)).toBe(german.title);
      expect(path(sp)).toBe(`/admin/knowledge/${id}/de/preview`);
      expect(await trimmedText(flash(sp))).toBe('Draft saved. Readers see it once you publish it.');
      expect(await textOf(main(sp).getByRole('note'))).toBe('Preview of the Deutsch version, as readers will see it. This version is not published yet.');
      expect(await main(sp).getByRole('article', { name: german.title }).getAttribute('lang')).toBe('de');
      await accessible(staff);
      await main(sp).getByRole('button', { name: 'Publish this version' }).click();
      await expect.poll(() => trimmedText(flash(sp))).toBe('Published. Readers now see this version.');
      expect(path(sp)).toBe(`/knowledge/${id}`);
      expect(new URL(sp.url()).searchParams.get('lang')).toBe('de');
      expect(await h1(sp)).toBe(german.title);
      await accessible(staff);

      // 5. Both languages are published; the German history holds the one version.
      await main(sp).getByRole('link', { name: 'Edit', exact: true }).click();
      await expect.poll(() => path(sp)).toBe(`/admin/knowledge/${id}`);
      await expect.poll(() => h1(sp)).toBe(en.title);
      expect(await stateOf('English')).toMatch(/^Published .+$/);
      expect(await stateOf('Deutsch')).toMatch(/^Published .+$/);
      await accessible(staff);
      await languages.getByRole('link', { name: 'History (Deutsch)', exact: true }).click();
      await expect.poll(() => h1(sp)).toBe(`History: ${german.title}`);
      expect(path(sp)).toBe(`/admin/knowledge/${id}/de/history`);
      const versions = main(sp).locator('ol.history > li');
      expect(await versions.count()).toBe(1);
      const version = await textOf(versions.first());
      expect(version).toContain(german.title);
      expect(await versions.first().locator('.badge').allTextContents()).toEqual(['Published', 'Newest']);
      // The newest version has nothing to restore.
      expect(await versions.first().getByRole('button').count()).toBe(0);
      await accessible(staff);
      if (javaScript) expect(unexpectedProblems(staff)).toEqual([]);

      // 6. A partner whose browser asks for German searches for an inflected form of a word in the article.
      const partner = await createPartner(h.server.database.knex, { name: unique('Leser GmbH') });
      const reader = (await signedIn(javaScript, { partnerId: partner.id, role: 'sales_agent' }, 'de-DE')).s;
      const rp = reader.page;
      await rp.goto('/knowledge');
      await expect.poll(() => h1(rp)).toBe(de('knowledge.title'));
      expect(await htmlLang(rp)).toBe('de');
      await accessible(reader);
      const search = main(rp).getByRole('search');
      await search.getByLabel(de('knowledge.search'), { exact: true }).fill(`Partnern ${marker}`);
      await search.getByRole('button', { name: de('knowledge.search.submit'), exact: true }).click();
      await expect.poll(() => new URL(rp.url()).searchParams.get('q')).toBe(`Partnern ${marker}`);
      const results = main(rp).locator('#knowledge-results');
      await expect.poll(() => trimmedText(results.locator('h2'))).toBe(de.plural('knowledge.results', 1));
      expect(path(rp)).toBe('/knowledge');
      const hits = results.locator('ol.results > li');
      expect(await hits.count()).toBe(1);
      const hit = hits.first().getByRole('link', { name: german.title, exact: true });
      expect(await hit.getAttribute('href')).toBe(`/knowledge/${id}?lang=de`);
      // The snippet shows where the words matched: "Partnern" found "Partner".
      const marks = await hits.first().locator('.snippet mark').allTextContents();
      expect(marks).toContain('Partner');
      expect(marks).toContain(marker);
      expect(await hits.first().locator('.snippet').getAttribute('lang')).toBeNull();
      await accessible(reader);

      // 7. The article in German, then in English through "Also available in".
      await hit.click();
      await expect.poll(() => h1(rp)).toBe(german.title);
      expect(path(rp)).toBe(`/knowledge/${id}`);
      expect(new URL(rp.url()).searchParams.get('lang')).toBe('de');
      expect(await htmlLang(rp)).toBe('de');
      const article = main(rp).locator('article');
      expect(await article.getAttribute('lang')).toBe('de');
      expect(await textOf(article.locator('.prose p').first())).toBe(`Jeder Partner arbeitet die Checkliste ${marker} im ersten Monat ab.`);
      expect(await mainText(rp)).not.toContain(de('knowledge.shown_in', { language: 'English' }));
      await accessible(reader);
      const otherLanguages = main(rp).getByRole('navigation', { name: de('knowledge.other_languages') });
      const toEnglish = otherLanguages.getByRole('link', { name: 'English', exact: true });
      expect(await toEnglish.getAttribute('hreflang')).toBe('en');
      await toEnglish.click();
      await expect.poll(() => h1(rp)).toBe(en.title);
      expect(path(rp)).toBe(`/knowledge/${id}`);
      expect(new URL(rp.url()).searchParams.get('lang')).toBe('en');
      // The reader's pages stay German; only the article is English, and says so.
      expect(await htmlLang(rp)).toBe('de');
      expect(await article.getAttribute('lang')).toBe('en');
      expect(await article.locator('.prose strong').textContent()).toBe('partner');
      // The reader chose English although the German text exists: the page must not claim it is missing.
      expect.soft(await mainText(rp), 'no "not available in your language" notice when the reader chose English').not.toContain(de('knowledge.shown_in', { language: 'English' }));
      // Related articles are listed in the article's language (English here) inside the reader's German page: each
      // title must carry its language, as the article list and the search results do (WCAG 3.1.2).
      const related = main(rp).getByRole('region', { name: de('knowledge.related') });
      const relatedLinks = await related.getByRole('link').evaluateAll((as) =>
        as.map((a) => ({ title: a.textContent?.trim(), language: new URL((a as HTMLAnchorElement).href).searchParams.get('lang'), lang: (a.closest('[lang]') as HTMLElement | null)?.lang ?? null })),
      );
      expect(relatedLinks.length).toBeGreaterThan(0);
      expect.soft(relatedLinks.filter((l) => l.lang !== l.language), 'related article titles marked with their language').toEqual([]);
      const backToGerman = otherLanguages.getByRole('link', { name: 'Deutsch', exact: true });
      expect(await backToGerman.getAttribute('href')).toBe(`/knowledge/${id}?lang=de`);
      await accessible(reader);
      const articleUrl = rp.url();

      // 8. "Was this helpful?": first without choosing.
      const feedback = main(rp).locator('#feedback');
      expect(await trimmedText(feedback.getByRole('heading', { level: 2 }))).toBe(de('knowledge.helpful'));
      // Marks the page as it is now: with JavaScript only the feedback section may be replaced, never the page.
      await rp.locator('h1').evaluate((el) => el.setAttribute('data-before-feedback', ''));
      const send = () => main(rp).locator('#feedback').getByRole('button', { name: de('knowledge.feedback.send'), exact: true }).click();
      expect(await submitAndStatus(rp, send)).toBe(422);
      const feedbackErrors = errorSummary(rp, de('form.error_summary'));
      await expect.poll(() => feedbackErrors.count()).toBe(1);
      expect(await linksOf(feedbackErrors)).toEqual({ texts: [de('knowledge.helpful.required')], hrefs: ['#helpful'] });
      expect(await main(rp).locator('#feedback').getByRole('group', { name: de('knowledge.helpful.legend') }).getAttribute('aria-describedby')).toBe('helpful-error');
      if (javaScript) {
        // The section came back in place with its own error summary, which has the focus.
        expect(await main(rp).locator('#feedback').getByRole('alert').count()).toBe(1);
        expect(rp.url()).toBe(articleUrl);
        expect(await rp.locator('h1[data-before-feedback]').count()).toBe(1);
        await expect.poll(() => rp.evaluate(() => document.activeElement?.classList.contains('error-summary') ?? false)).toBe(true);
      } else {
        expect(path(rp)).toBe(`/knowledge/${id}/feedback`);
        await expect.poll(async () => (await rp.title()).startsWith(`${de('error.prefix')} `)).toBe(true);
        expect(await h1(rp)).toBe(en.title);
        expect(await main(rp).locator('article').getAttribute('lang')).toBe('en');
      }
      await accessible(reader);

      // Then "No", with a comment.
      const form = main(rp).locator('#feedback');
      await form.getByRole('group', { name: de('knowledge.helpful.legend') }).getByRole('radio', { name: de('knowledge.helpful.no'), exact: true }).check();
      await form.getByLabel(de('knowledge.feedback.comment'), { exact: true }).fill(comment);
      expect(await submitAndStatus(rp, send)).toBe(javaScript ? 200 : 303);
      const thanks = main(rp).locator('#feedback').getByRole('status');
      await expect.poll(() => trimmedText(thanks)).toBe(de('knowledge.feedback.thanks'));
      expect(await errorSummary(rp, de('form.error_summary')).count()).toBe(0);
      if (javaScript) {
        // No navigation: the same address, the same page around the new section, and no flash from a redirect.
        expect(rp.url()).toBe(articleUrl);
        expect(await rp.locator('h1[data-before-feedback]').count()).toBe(1);
        expect(await flash(rp).count()).toBe(0);
      } else {
        // The form posted and the article came back, in the language it was read in, with the thanks.
        expect(path(rp)).toBe(`/knowledge/${id}`);
        expect(new URL(rp.url()).searchParams.get('lang')).toBe('en');
        expect(new URL(rp.url()).hash).toBe('#feedback');
        expect(await trimmedText(flash(rp))).toBe(de('knowledge.feedback.thanks'));
        expect(await h1(rp)).toBe(en.title);
      }
      // A signed-in reader may change the answer: the form stays, with it filled in.
      expect(await main(rp).locator('#feedback').getByRole('radio', { name: de('knowledge.helpful.no'), exact: true }).isChecked()).toBe(true);
      expect(await main(rp).locator('#feedback').getByLabel(de('knowledge.feedback.comment'), { exact: true }).inputValue()).toBe(comment);
      await accessible(reader);
      if (javaScript) expect(unexpectedProblems(reader)).toEqual([]);

      // 9. The authors see the answer and its comment on the overview.
      await sp.goto(`/admin/knowledge/${id}`);
      await expect.poll(() => h1(sp)).toBe(en.title);
      const helpful = main(sp).getByRole('region', { name: 'Helpful' });
      expect(await trimmedText(helpful.locator('p').first())).toBe('0 yes, 1 no');
      expect(await textOf(helpful.locator('ul.notes li'))).toMatch(new RegExp(`^No · English · .+ ${comment}$`));
      await accessible(staff);
      if (javaScript) expect(unexpectedProblems(staff)).toEqual([]);
    },
    120_000,
  );

  it.each(MODES)(
    'a partner opens a case about its opportunity, support asks a question, the partner answers, resolves and closes it ($mode)',
    async ({ javaScript }) => {
      const knex = h.server.database.knex;
      const tag = randomHex();
      const partner = await createPartner(knex, { name: `Case Co ${tag}` });
      const { s: ps, user: admin } = await signedIn(javaScript, { partnerId: partner.id, role: 'partner_admin' });
      const pp = ps.page;

      // An opportunity of the company's own, written with the owner's handle as the deal pages would.
      const accountName = `Case Customer ${tag}`;
      const topic = `Firewall renewal ${tag}`;
      const [account] = await knex('customer_accounts').insert({ partner_id: partner.id, name: accountName, country: 'DE' }).returning('id');
      const [opportunity] = await knex('opportunities')
        .insert({ source: 'partner', partner_id: partner.id, topic, account_id: account.id, currency: 'USD', value: 1000, value_base: 1000, rate_date: new Date(), state: 'submitted', created_by: admin.id })
        .returning('id');
      const oppId = Number(opportunity.id);
      const title = `Licence count is wrong ${tag}`;
      const description = `The quote for ${accountName} shows **10** licences instead of 25.`;
      const question = `Which contract number does the customer have? ${tag}`;
      const answer = `It is contract C-${tag}.`;

      // 1. From the opportunity's page: "Open a case about this opportunity".
      await pp.goto(`/opportunities/${oppId}`);
      await expect.poll(() => h1(pp)).toBe(topic);
      const linked = main(pp).getByRole('region', { name: 'Support cases' });
      expect(await trimmedText(linked.locator('p').filter({ hasText: 'No support cases' }))).toBe('No support cases about this.');
      await accessible(ps);
      await linked.getByRole('link', { name: 'Open a case about this opportunity' }).click();
      await expect.poll(() => h1(pp)).toBe('Open a case');
      expect(path(pp)).toBe('/cases/new');
      expect(new URL(pp.url()).searchParams.get('opportunity')).toBe(String(oppId));
      // The form comes filled in for the opportunity.
      expect(await main(pp).getByLabel('Category', { exact: true }).inputValue()).toBe('opportunity');
      expect(await main(pp).getByLabel('Opportunity', { exact: true }).inputValue()).toBe(String(oppId));
      expect(await trimmedText(main(pp).getByLabel('Opportunity', { exact: true }).locator('option:checked'))).toBe(`${topic} (#${oppId}, Submitted)`);
      await accessible(ps);

      // Without a title it is refused, with what was written kept.
      await main(pp).getByLabel('Description', { exact: true }).fill(description);
      const openCase = () => main(pp).getByRole('button', { name: 'Open the case' }).click();
      expect(await submitAndStatus(pp, openCase)).toBe(422);
      await expect.poll(() => errorSummary(pp).count()).toBe(1);
      expect(await linksOf(errorSummary(pp))).toEqual({ texts: ['Title is needed'], hrefs: ['#title'] });
      expect(await main(pp).getByLabel('Title', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      expect(await main(pp).getByLabel('Description', { exact: true }).inputValue()).toBe(description);
      expect(await main(pp).getByLabel('Opportunity', { exact: true }).inputValue()).toBe(String(oppId));
      expect(await main(pp).getByLabel('Category', { exact: true }).inputValue()).toBe('opportunity');
      await expect.poll(() => pp.title()).toMatch(/^Error: Open a case – /);
      expect(await h1(pp)).toBe('Open a case');
      await accessible(ps);

      await main(pp).getByLabel('Title', { exact: true }).fill(title);
      await main(pp).getByRole('group', { name: 'Priority' }).getByRole('radio', { name: 'High: a customer is seriously affected' }).check();
      await openCase();
      await expect.poll(() => h1(pp)).toMatch(new RegExp(`^${title} #\\d+$`));
      expect(path(pp)).toMatch(/^\/cases\/\d+$/);
      const caseId = Number(/(\d+)$/.exec(path(pp))![1]);
      expect(await trimmedText(flash(pp))).toBe('Your case was opened. The support team will answer.');
      const summary = () => textOf(main(pp).locator('dl.summary').first());
      const status = (page: Page) => trimmedText(main(page).locator('dl.summary').first().locator('.badge').first());
      expect(await status(pp)).toBe('New');
      expect(await summary()).toContain('Priority High');
      expect(await summary()).toContain('Category An opportunity');
      expect(await main(pp).locator('dl.summary').getByRole('link', { name: topic }).getAttribute('href')).toBe(`/opportunities/${oppId}`);
      expect(await main(pp).locator('.prose strong').first().textContent()).toBe('10');
      await accessible(ps);
      if (javaScript) expect(unexpectedProblems(ps)).toEqual([]);

      // 2. A support agent finds it in the queue.
      const { s: ss } = await signedIn(javaScript, { role: 'support_agent' });
      const sp = ss.page;
      await sp.goto('/admin/cases');
      await expect.poll(() => h1(sp)).toBe('Case queue');
      await accessible(ss);
      // Other tests open cases on a shared database: the partner filter narrows the queue to this company.
      const filters = main(sp).getByRole('form', { name: 'Apply filters' });
      await filters.getByLabel('Partner', { exact: true }).selectOption({ label: partner.name });
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => new URL(sp.url()).searchParams.get('partner')).toBe(String(partner.id));
      const queue = main(sp).getByRole('table', { name: 'Case queue' });
      await expect.poll(() => queue.locator('tbody tr').count()).toBe(1);
      const row = queue.locator('tbody tr').first();
      const cells = await row.getByRole('cell').evaluateAll((tds) => tds.map((td) => (td as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
      expect(cells.slice(0, 5)).toEqual([`${title} #${caseId} About: ${topic}`, partner.name, 'High', 'New', 'Not assigned']);
      expect(cells[5]).toMatch(/^due .+$/);
      await accessible(ss);
      await row.getByRole('link', { name: title }).click();
      await expect.poll(() => h1(sp)).toBe(`${title} #${caseId}`);
      expect(path(sp)).toBe(`/admin/cases/${caseId}`);

      // The opportunity's summary, without a link to pages a support agent cannot open.
      const context = main(sp).getByRole('region', { name: 'The opportunity this case is about' });
      const contextText = await textOf(context);
      expect(contextText).toContain(`Opportunity ${topic} (#${oppId})`);
      expect(contextText).toContain('State Submitted');
      expect(contextText).toContain(`Customer ${accountName}`);
      expect(contextText).toContain('Value $1,000.00');
      expect(await context.getByRole('link').count()).toBe(0);
      expect(await textOf(main(sp).locator('dl.summary').first())).toContain(`Opened by ${admin.name}, ${partner.name}`);
      await accessible(ss);

      // 3. The reply asks the partner something and waits for the answer.
      const reply = main(sp).getByRole('region', { name: 'Reply' });
      await reply.getByLabel('Reply to the partner', { exact: true }).fill(question);
      await reply.getByRole('group', { name: 'Status after the reply' }).getByRole('checkbox', { name: 'Ask the partner and wait for their answer' }).check();
      await reply.getByRole('button', { name: 'Send the reply' }).click();
      await expect.poll(() => trimmedText(flash(sp))).toBe('Your question was sent; the case waits on the partner.');
      expect(path(sp)).toBe(`/admin/cases/${caseId}`);
      expect(await status(sp)).toBe('Waiting on partner');
      expect(await textOf(main(sp).getByRole('region', { name: 'Conversation' }))).toContain(question);
      await accessible(ss);
      if (javaScript) expect(unexpectedProblems(ss)).toEqual([]);

      // 4. The partner sees the question and answers it: the case is back with the support team.
      await pp.goto(`/cases/${caseId}`);
      await expect.poll(() => h1(pp)).toBe(`${title} #${caseId}`);
      expect(await status(pp)).toBe('Waiting on partner');
      const conversation = main(pp).getByRole('region', { name: 'Conversation' });
      const partnerConversation = await textOf(conversation);
      expect(partnerConversation).toContain(question);
      expect(partnerConversation).toContain('changed the status from In progress to Waiting on partner');
      const answerForm = main(pp).getByRole('region', { name: "Answer the support team's question" });
      expect(await answerForm.count()).toBe(1);
      await accessible(ps);
      await answerForm.getByLabel('Your comment', { exact: true }).fill(answer);
      await answerForm.getByRole('button', { name: 'Send the comment' }).click();
      await expect.poll(() => trimmedText(flash(pp))).toBe('Your comment was added.');
      expect(path(pp)).toBe(`/cases/${caseId}`);
      expect(await status(pp)).toBe('In progress');
      expect(await textOf(conversation)).toContain(answer);
      expect(await main(pp).getByRole('region', { name: 'Add a comment' }).count()).toBe(1);
      await accessible(ps);

      // 5. Resolved by the partner, then confirmed and closed.
      await main(pp).getByRole('button', { name: 'Mark as resolved' }).click();
      await expect.poll(() => trimmedText(flash(pp))).toBe('The case is resolved.');
      expect(path(pp)).toBe(`/cases/${caseId}`);
      expect(await status(pp)).toBe('Resolved');
      const resolved = main(pp).getByRole('region', { name: 'This case is resolved' });
      expect(await resolved.getByRole('button', { name: 'Confirm and close the case' }).count()).toBe(1);
      expect(await resolved.getByRole('button', { name: 'Reopen the case' }).count()).toBe(1);
      expect(await main(pp).getByRole('region', { name: 'Add a comment' }).count()).toBe(0);
      await accessible(ps);
      await resolved.getByRole('button', { name: 'Confirm and close the case' }).click();
      await expect.poll(() => trimmedText(flash(pp))).toBe('The case is closed.');
      expect(path(pp)).toBe(`/cases/${caseId}`);
      expect(await status(pp)).toBe('Closed');
      expect(await trimmedText(main(pp).locator('p.notice'))).toBe('This case is closed. Open a new case if you need more help.');
      // Closed is final: no comment form, nothing to edit, resolve, reopen or confirm.
      expect(await main(pp).locator('textarea').count()).toBe(0);
      expect(await main(pp).locator('form').count()).toBe(0);
      expect(await main(pp).getByRole('link', { name: 'Edit the case' }).count()).toBe(0);
      expect(await main(pp).getByRole('button').count()).toBe(0);
      const history = await textOf(conversation);
      expect(history).toContain('changed the status from Waiting on partner to In progress');
      expect(history).toContain('changed the status from In progress to Resolved');
      expect(history).toContain('changed the status from Resolved to Closed');
      await accessible(ps);
      if (javaScript) expect(unexpectedProblems(ps)).toEqual([]);

      // The opportunity lists the closed case.
      await pp.goto(`/opportunities/${oppId}`);
      await expect.poll(() => h1(pp)).toBe(topic);
      expect(await textOf(main(pp).getByRole('region', { name: 'Support cases' }).getByRole('listitem'))).toBe(`${title} (#${caseId}): Closed, High`);

      // Staff see it closed, without a reply form.
      await sp.goto(`/admin/cases/${caseId}`);
      await expect.poll(() => h1(sp)).toBe(`${title} #${caseId}`);
      expect(await status(sp)).toBe('Closed');
      expect(await main(sp).locator('textarea').count()).toBe(0);
      await accessible(ss);
      if (javaScript) expect(unexpectedProblems(ss)).toEqual([]);
    },
    120_000,
  );
});
