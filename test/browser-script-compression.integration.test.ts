import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, segmentSnippet, serveHtml } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing();

/** What every page view of an instrumented site downloads from Sluice: compressed, as from Segment's CDN. */
describe.skipIf(skip)('the scripts a site loads from Sluice are sent gzipped to a browser that takes gzip', () => {
  let sluice: TestSluice;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    sluice = await startTestSluice();
    site = await serveHtml({
      '/shop': `<!doctype html><html><head><title>Shop</title><script>${segmentSnippet(sluice.url, sluice.writeKey)}</script></head><body></body></html>`,
      '/banner': `<!doctype html><html><head><title>Banner</title><script src="${sluice.url}/consent.js?writeKey=${sluice.writeKey}"></script></head><body></body></html>`,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
  });

  it('analytics.min.js, its lazily loaded chunk and consent.js arrive gzipped, and the library still works', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const scripts = new Map<string, { encoding: string | undefined; vary: string | undefined }>();
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (!response.url().startsWith(sluice.url) || !url.pathname.endsWith('.js')) return;
      const headers = await response.allHeaders();
      scripts.set(url.pathname.replace(/^\/analytics-next\/bundles\/([a-zA-Z]+)\..*$/, 'chunk:$1'), { encoding: headers['content-encoding'], vary: headers.vary });
    });
    // ajs_ query parameters make analytics.js load its queryString chunk.
    await page.goto(`${site.url}/shop?ajs_event=Email%20Opened&ajs_aid=gzip-visitor`);
    await page.waitForFunction(() => (window as unknown as { analytics?: { initialized?: boolean } }).analytics?.initialized === true, undefined, { timeout: 15_000 });
    const events = await eventually(async () => {
      const response = await fetch(`${sluice.url}/api/v1/events?anonymousId=gzip-visitor`, { headers: { authorization: `Bearer ${sluice.token}` } });
      const found = ((await response.json()) as { events: { type: string; event?: string }[] }).events;
      return found.length >= 2 ? found : undefined;
    });
    expect(events.map((e) => e.event ?? e.type).sort()).toEqual(['Email Opened', 'page']);

    await page.goto(`${site.url}/banner`);
    await page.locator('#sluice-consent').waitFor({ state: 'attached' });

    const library = scripts.get(`/analytics.js/v1/${sluice.writeKey}/analytics.min.js`);
    expect(library?.encoding).toBe('gzip');
    expect(library?.vary).toMatch(/Accept-Encoding/);
    expect(library?.vary).toMatch(/Origin/);
    expect(scripts.get('chunk:queryString')?.encoding).toBe('gzip');
    expect(scripts.get('/consent.js')?.encoding).toBe('gzip');
    await context.close();
  });

  it('a client that does not take gzip gets the scripts as they are', async () => {
    for (const path of [`/analytics.js/v1/${sluice.writeKey}/analytics.min.js`, `/consent.js?writeKey=${sluice.writeKey}`]) {
      const response = await fetch(`${sluice.url}${path}`, { headers: { 'accept-encoding': 'identity' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding')).toBeNull();
      expect(await response.text()).toMatch(/^\(function|^\/\* Sluice consent banner/);
    }
  });
});
