import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, segmentSnippet, serveHtml } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing();

/**
 * Sluice in a container listens on HOST=0.0.0.0; with no SLUICE_PUBLIC_URL its public URL defaults to
 * http://0.0.0.0:PORT, an address no browser on another machine (or on Windows) reaches. What the browser
 * is told to use must be the address it reached Sluice at.
 */
describe.skipIf(skip)('Sluice listening on 0.0.0.0 without SLUICE_PUBLIC_URL, as a browser sees it', () => {
  let sluice: TestSluice;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    // The public URL the default gives for HOST=0.0.0.0 (the test listens on a free port of its own).
    sluice = await startTestSluice({}, { publicUrl: 'http://0.0.0.0:8080' });
    site = await serveHtml({
      '/shop': `<!doctype html><html><head><title>Shop</title><script>${segmentSnippet(sluice.url, sluice.writeKey)}</script></head><body></body></html>`,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
  });

  it('analytics.js loaded from Sluice sends its settings request and events back to the address it loaded from', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const hosts = new Set<string>();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/v1/')) hosts.add(url.host);
    });
    await page.goto(`${site.url}/shop`);
    await page.waitForFunction(() => (window as unknown as { analytics?: { initialized?: boolean } }).analytics?.initialized === true, undefined, { timeout: 15_000 });
    const anonymousId = await page.evaluate(() => (window as unknown as { analytics: { user(): { anonymousId(): string } } }).analytics.user().anonymousId());
    await eventually(async () => {
      const response = await fetch(`${sluice.url}/api/v1/events?anonymousId=${anonymousId}`, { headers: { authorization: `Bearer ${sluice.token}` } });
      return ((await response.json()) as { events: unknown[] }).events.length >= 1 ? true : undefined;
    });
    expect([...hosts]).toEqual([new URL(sluice.url).host]);
    await context.close();
  });

  it('the settings, analytics.min.js, the consent banner and the console (whose snippets people copy) name that address too', async () => {
    const settings = (await (await fetch(`${sluice.url}/v1/projects/${sluice.writeKey}/settings`)).json()) as { integrations: { 'Segment.io': { apiHost: string } } };
    expect(settings.integrations['Segment.io'].apiHost).toBe(`${new URL(sluice.url).host}/v1`);
    const library = await (await fetch(`${sluice.url}/analytics.js/v1/${sluice.writeKey}/analytics.min.js`)).text();
    expect(library.split('\n')[0]).toContain(`a._cdn=a._cdn||"${sluice.url}"`);
    const banner = await (await fetch(`${sluice.url}/consent.js?writeKey=${sluice.writeKey}`)).text();
    expect(banner).toContain(`"publicUrl":"${sluice.url}"`);
    expect(banner).not.toContain('0.0.0.0');
    const config = (await (await fetch(`${sluice.url}/console/config.json`)).json()) as { publicUrl: string };
    expect(config.publicUrl).toBe(sluice.url);
  });
});
