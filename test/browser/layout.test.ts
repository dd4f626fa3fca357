import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAvailable } from '../support/browser.ts';
import {
  expectPageAccessible,
  focusedElement,
  signInViaApi,
  MODES,
  useBrowser,
} from './helpers.ts';

/** What makes the focused element stand out: an outline or a box shadow (the portal uses both). */
function focusStyle(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none';
    return { element: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`, visible: outline || shadow, outline: `${style.outlineStyle} ${style.outlineWidth}`, boxShadow: style.boxShadow };
  });
}

/** Tabs through the whole page from the top; every stop must show where focus is. Returns the stops in order. */
async function tabThroughPage(page: Page): Promise<string[]> {
  await page.locator('body').evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const stops: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const style = await focusStyle(page);
    if (!style) break; // past the last stop, focus has left the document
    if (stops.includes(style.element)) break;
    stops.push(style.element);
    expect(style, `focus must be visible on ${style.element}`).toMatchObject({ visible: true });
  }
  return stops;
}

describe.runIf(browserAvailable)('keyboard and small screens', () => {
  const { h, openProfile } = useBrowser();

  async function open(javaScript: boolean, viewport?: { width: number; height: number }) {
    const s = await openProfile({ javaScript, ...(viewport ? { viewport } : {}) });
    return s;
  }

  it.each(MODES)('the first Tab reaches a visible skip link that jumps to the main content ($mode)', async ({ javaScript }) => {
    const s = await open(javaScript);
    const { page } = s;
    await page.goto('/sign-in');
    await page.keyboard.press('Tab');

    const skip = page.getByRole('link', { name: 'Skip to main content' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    const box = await skip.boundingBox();
    const viewport = page.viewportSize()!;
    expect(box, 'the focused skip link has a box').not.toBeNull();
    expect(box!.width).toBeGreaterThan(0);
    expect(box!.height).toBeGreaterThan(0);
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
    expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
    expect(await focusStyle(page)).toMatchObject({ visible: true });
    await expectPageAccessible(h, s);

    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).hash).toBe('#main');
    await expect.poll(() => focusedElement(page)).toBe('#main');
    // The next Tab lands in the content, skipping the header.
    await page.keyboard.press('Tab');
    expect(await focusedElement(page)).toBe('#email');
    expect(s.problems).toEqual([]);
  });

  it.each(MODES)('every keyboard stop shows focus, signed out and signed in ($mode)', async ({ javaScript }) => {
    const s = await open(javaScript);
    const { page } = s;
    await page.goto('/sign-in');
    const signInStops = await tabThroughPage(page);
    expect(signInStops[0]).toMatch(/^a "Skip to main content"/);
    expect(signInStops.some((stop) => stop.startsWith('input#email'))).toBe(true);
    expect(signInStops.some((stop) => stop.startsWith('input#password'))).toBe(true);
    expect(signInStops.some((stop) => stop.startsWith('select#language-select'))).toBe(true);

    await signInViaApi(s.context, 'carla@beta.example');
    await page.goto('/home');
    expect(await page.locator('h1').textContent()).toBe('Welcome, Carla Beta');
    const homeStops = await tabThroughPage(page);
    expect(homeStops.some((stop) => stop.startsWith('button "Sign out"'))).toBe(true);
    expect(homeStops.some((stop) => stop.startsWith('a "My account"'))).toBe(true);
    expect(s.problems).toEqual([]);
  });

  it.each(MODES)('at 320 px wide nothing scrolls sideways ($mode)', async ({ javaScript }) => {
    const s = await open(javaScript, { width: 320, height: 640 });
    const { page } = s;
    const scrollWidth = () => page.evaluate(() => document.documentElement.scrollWidth);

    await page.goto('/sign-in');
    expect(await scrollWidth()).toBeLessThanOrEqual(320);
    await expectPageAccessible(h, s);

    await signInViaApi(s.context, 'anna@alpha.example');
    await page.goto('/home');
    expect(await page.locator('h1').textContent()).toBe('Welcome, Anna Alpha');
    expect(await scrollWidth()).toBeLessThanOrEqual(320);
    await expectPageAccessible(h, s);

    await page.goto('/account');
    expect(await page.locator('h1').textContent()).toBe('My account');
    expect(await scrollWidth()).toBeLessThanOrEqual(320);
    await expectPageAccessible(h, s);
    expect(s.problems).toEqual([]);
  });
});
