import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from './app.ts';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Browser tests need Debian's Chromium. Locally they may be left out when it is missing; in CI (CI=true)
 * a missing browser is a failure, never a silent skip.
 */
export const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable && process.env.CI === 'true') {
  throw new Error(`Chromium not found at ${CHROMIUM}: browser tests are required in CI`);
}

export type BrowserHarness = {
  baseUrl: string;
  browser: Browser;
  server: TestApp;
  /** A fresh browser profile, JavaScript on or off. */
  context(options?: { javaScript?: boolean; locale?: string }): Promise<BrowserContext>;
  close(): Promise<void>;
};

export async function startBrowserHarness(): Promise<BrowserHarness> {
  const server = await createTestApp();
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as AddressInfo;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  return {
    baseUrl: `http://localhost:${port}`,
    browser,
    server,
    context: (options = {}) =>
      browser.newContext({ javaScriptEnabled: options.javaScript ?? true, locale: options.locale ?? 'en-GB', baseURL: `http://localhost:${port}` }),
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[]; html: string }[] };

/**
 * Runs axe-core in the page for WCAG 2.2 AA. Injected through a CDP-evaluated script rather than a script
 * tag, because the portal's CSP (rightly) refuses inline and foreign scripts.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })) }));
  }, AXE_TAGS);
}

/** Fails with a readable list when a page has any accessibility violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) {
    const lines = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}  ${n.html}`).join('\n')}`);
    throw new Error(`${page.url()} has ${violations.length} accessibility violation(s):\n${lines.join('\n')}`);
  }
}
