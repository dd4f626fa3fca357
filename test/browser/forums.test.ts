import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAvailable } from '../support/browser.ts';
import {
  expectPageAccessible,
  flash,
  h1,
  main,
  MODES,
  path,
  randomHex,
  signInViaApi,
  trimmedText,
  useBrowser,
} from './helpers.ts';

/** The posts of the thread on the page: author and text of each article. */
const articles = (page: Page) =>
  main(page).locator('#posts article').evaluateAll((els) => els.map((el) => ({ id: el.id, author: el.querySelector('h2')?.textContent?.trim() ?? '', text: (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim() })));

describe.runIf(browserAvailable)('forums in a browser', () => {
  const { h, openProfile } = useBrowser();

  async function open(javaScript: boolean, email: string) {
    const s = await openProfile({ javaScript });
    s.context.setDefaultTimeout(10_000);
    await signInViaApi(s.context, email);
    return s;
  }

  it.each(MODES)('a partner searches the knowledge base, asks in the forum, support answers, the partner marks the answer ($mode)', async ({ javaScript }) => {
    const knex = h.server.database.knex;
    const tag = randomHex();
    const [board] = await knex('forum_boards').insert({ name: `Browser board ${tag}`, description: 'Questions asked by the browser test', position: 9000 }).returning(['id', 'name']);
    const title = `Restoring one folder ${tag}`;
    const question = `Can I restore **one folder** from last week? ${tag}`;
    const answer = `Yes: Browse at the point in time, then Restore. ${tag}`;

    // 1. Anna looks in the knowledge base first, finds nothing, and asks in the forum.
    const anna = await open(javaScript, 'anna@alpha.example');
    const ap = anna.page;
    await ap.goto('/knowledge');
    await ap.getByLabel('Search articles').fill(`folder ${tag}`);
    await main(ap).getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => main(ap).locator('#knowledge-results h2').textContent()).toBe('0 articles found');
    await expectPageAccessible(h, anna);
    await ap.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forums' }).click();
    await expect.poll(() => h1(ap)).toBe('Forums');
    await expectPageAccessible(h, anna);
    await main(ap).getByRole('link', { name: board.name }).click();
    await expect.poll(() => h1(ap)).toBe(board.name);
    await expectPageAccessible(h, anna);
    await main(ap).getByRole('link', { name: 'Start a thread' }).click();
    await expect.poll(() => h1(ap)).toBe('Start a thread');
    expect(await ap.getByLabel('Board').inputValue()).toBe(String(board.id));
    await expectPageAccessible(h, anna);
    await ap.getByLabel('Title', { exact: true }).fill(title);
    await ap.getByLabel('Message', { exact: true }).fill(question);
    await main(ap).getByRole('button', { name: 'Post the thread' }).click();
    await expect.poll(() => h1(ap)).toBe(title);
    expect(path(ap)).toMatch(/^\/forums\/threads\/\d+$/);
    const threadPath = path(ap);
    const asked = await articles(ap);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.author).toBe('Anna Alpha');
    expect(asked[0]!.text).toContain('Alpha Solutions');
    expect(await main(ap).locator('#posts article strong').first().textContent()).toBe('one folder');
    await expectPageAccessible(h, anna);

    // 2. Support answers: in place with JavaScript, through the redirect to the post's anchor without.
    const support = await open(javaScript, 'support@lumen.example');
    const sp = support.page;
    await sp.goto(threadPath);
    await expect.poll(() => h1(sp)).toBe(title);
    await expectPageAccessible(h, support);
    await sp.getByLabel('Your reply', { exact: true }).fill(answer);
    const before = sp.url();
    await main(sp).getByRole('button', { name: 'Post reply' }).click();
    await expect.poll(async () => (await articles(sp)).length).toBe(2);
    const replied = await articles(sp);
    expect(replied[1]!.author).toBe('Sam Support');
    expect(replied[1]!.text).toContain('Lumen Software Staff');
    expect(replied[1]!.text).toContain(answer);
    if (javaScript) {
      // Only the form and the new post were swapped: same address, an empty form, a status message.
      expect(sp.url()).toBe(before);
      expect(await sp.getByLabel('Your reply', { exact: true }).inputValue()).toBe('');
      expect(await trimmedText(main(sp).locator('#reply-form .notice[role="status"]'))).toMatch(/^Your reply has been posted: Post 2$/);
    } else {
      expect(sp.url()).toMatch(new RegExp(`${threadPath}\\?page=1#${replied[1]!.id}$`));
    }
    await expectPageAccessible(h, support);
    if (javaScript) expect(support.problems).toEqual([]);

    // 3. Anna marks the reply as the answer; the thread says so and links to it.
    await ap.goto(threadPath);
    await expect.poll(async () => (await articles(ap)).length).toBe(2);
    await main(ap).getByRole('button', { name: 'Mark as the answer Post 2' }).click();
    await expect.poll(() => trimmedText(flash(ap))).toBe('The reply is marked as the answer.');
    expect(await main(ap).getByText('Answered', { exact: true }).count()).toBe(1);
    expect(await main(ap).locator(`#${replied[1]!.id}`).getByText('Accepted answer').count()).toBe(1);
    expect(await main(ap).getByRole('link', { name: 'Go to the accepted answer' }).getAttribute('href')).toBe(`${threadPath}?page=1#${replied[1]!.id}`);
    await expectPageAccessible(h, anna);

    // The board lists the thread as answered.
    await ap.goto(`/forums/boards/${board.id}`);
    await expect.poll(() => h1(ap)).toBe(board.name);
    expect((await main(ap).getByRole('row', { name: new RegExp(title) }).innerText()).replace(/\s+/g, ' ')).toContain('Answered');
    await expectPageAccessible(h, anna);
    if (javaScript) expect(anna.problems).toEqual([]);
  });
});
