import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, axeViolations, startBrowserHarness, type BrowserHarness } from '../support/browser.ts';
const race = (p: Promise<unknown>) => Promise.race([p, new Promise((res) => setTimeout(() => res('TIMEOUT'), 5000))]);
describe.runIf(browserAvailable)('explore', () => {
  let h: BrowserHarness;
  beforeAll(async () => { h = await startBrowserHarness(); });
  afterAll(async () => h?.close());

  it('jsoff eval', async () => {
    const ctx = await h.context({ javaScript: false });
    const page = await ctx.newPage();
    await page.goto('/sign-in');
    await page.evaluate(() => {
      const w = window as any;
      w.setTimeout = (fn: (...a: unknown[]) => void, _ms?: number, ...args: unknown[]) => { queueMicrotask(() => fn(...args)); return 0; };
      w.clearTimeout = () => {};
      class MO { cb: any; constructor(cb: any) { this.cb = cb; } observe(node: any) { const o = new (w.__RealMO)(() => {}); } disconnect() {} takeRecords() { return []; } }
      w.__RealMO = w.MutationObserver;
      w.MutationObserver = undefined; w.WebKitMutationObserver = undefined;
      w.MessageChannel = undefined;
    });
    const t0 = Date.now();
    console.log('axe', JSON.stringify(await race(axeViolations(page))), Date.now() - t0);
    await ctx.close();
  });
});
