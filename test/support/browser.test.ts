import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, serveHtml } from './browser.js';

// launchChromium(): one Chromium per test process, each test file with its own view of it.
describe.skipIf(chromiumMissing())('launchChromium', () => {
  let site: Awaited<ReturnType<typeof serveHtml>> | undefined;
  beforeAll(async () => {
    site = await serveHtml({ '/': '<!doctype html><title>t</title><p>hello</p>' });
  });
  afterAll(async () => {
    await site?.close();
  });

  it("closes a test file's own contexts and pages and leaves the browser running for the next file, which starts clean", async () => {
    const first = await launchChromium();
    const context = await first.newContext();
    const page = await context.newPage();
    await page.goto(site!.url);
    await page.evaluate(() => localStorage.setItem('left', 'by the first file'));
    await context.addCookies([{ name: 'session', value: 'first', url: site!.url }]);
    const other = await first.newPage();
    expect(first.contexts()).toHaveLength(2);
    await first.close();
    expect(page.isClosed() && other.isClosed()).toBe(true);
    expect(first.isConnected()).toBe(true);

    const next = await launchChromium();
    try {
      expect(next.contexts()).toEqual([]);
      const fresh = await next.newPage();
      await fresh.goto(site!.url);
      expect(await fresh.evaluate(() => localStorage.getItem('left'))).toBeNull();
      expect(await fresh.context().cookies()).toEqual([]);
      expect(await fresh.textContent('p')).toBe('hello');
    } finally {
      await next.close();
    }
  }, 60_000);
});
