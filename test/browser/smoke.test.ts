import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, expectAccessible, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';

describe.runIf(browserAvailable)('browser smoke', () => {
  let h: BrowserHarness;
  beforeAll(async () => {
    h = await startBrowserHarness();
  });
  afterAll(async () => h?.close());

  it('signs in with JavaScript on', async () => {
    const ctx = await h.context();
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto('/sign-in');
    await expectAccessible(page);
    await page.getByLabel('Email address').fill('anna@alpha.example');
    await page.getByLabel('Password').fill('portal-demo-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Welcome, Anna Alpha');
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
