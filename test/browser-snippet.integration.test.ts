import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, segmentSnippet, serveHtml } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

type StoredEventView = Record<string, unknown> & { type: string; messageId: string };

const skip = chromiumMissing();

describe.skipIf(skip)('Segment snippet (analytics.js) in headless Chromium, CDN host changed to Sluice', () => {
  let sluice: TestSluice;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    sluice = await startTestSluice();
    site = await serveHtml({
      '/shop': `<!doctype html><html><head><title>Shop</title><script>${segmentSnippet(sluice.url, sluice.writeKey)}</script></head><body><h1>Shop</h1></body></html>`,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
  });

  async function storedEvents(query: string): Promise<StoredEventView[]> {
    const response = await fetch(`${sluice.url}/api/v1/events?${query}`, { headers: { authorization: `Bearer ${sluice.token}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { events: StoredEventView[] }).events;
  }

  it('loads the library from Sluice and delivers page, identify and track from another origin', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const sent: { path: string; contentType: string; status: number | undefined }[] = [];
    page.on('response', (response) => {
      const request = response.request();
      if (request.method() !== 'POST' || !request.url().startsWith(sluice.url)) return;
      sent.push({ path: new URL(request.url()).pathname, contentType: request.headers()['content-type'] ?? '', status: response.status() });
    });
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`));

    await page.goto(`${site.url}/shop`);
    // The real library replaces the snippet's stub once loaded (analytics.initialized).
    await page.waitForFunction(() => (window as unknown as { analytics?: { initialized?: boolean } }).analytics?.initialized === true, undefined, { timeout: 15_000 });
    const anonymousId = await page.evaluate(async () => {
      const analytics = (window as unknown as { analytics: BrowserAnalytics }).analytics;
      await analytics.identify('browser-user-1', { plan: 'trial', email: 'grace@example.com' });
      await analytics.track('Product Viewed', { sku: 'SKU-1', price: 9.99 });
      return analytics.user().anonymousId();
    });
    expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);

    const events = await eventually(async () => {
      const found = await storedEvents(`anonymousId=${anonymousId}`);
      return found.length >= 3 ? found : undefined;
    }, 15_000);
    expect(events.map((e) => e.type).sort()).toEqual(['identify', 'page', 'track']);
    const byType = new Map(events.map((e) => [e.type, e]));
    expect(byType.get('page')).toMatchObject({ properties: { path: '/shop', title: 'Shop', url: `${site.url}/shop` }, context: { page: { path: '/shop' } } });
    expect(byType.get('identify')).toMatchObject({ userId: 'browser-user-1', traits: { plan: 'trial', email: 'grace@example.com' } });
    expect(byType.get('track')).toMatchObject({ userId: 'browser-user-1', event: 'Product Viewed', properties: { sku: 'SKU-1', price: 9.99 } });
    for (const event of events) {
      expect(event.messageId).toMatch(/^ajs-next-/);
      expect(event).toMatchObject({ context: { library: { name: 'analytics.js' }, ip: '127.0.0.1' } });
      expect(String((event.context as { userAgent?: string }).userAgent)).toContain('Chrome');
    }

    // The browser used the short paths with text/plain bodies (no CORS preflight), and every send got a 200.
    await eventually(async () => (sent.length >= 3 ? true : undefined));
    const paths = sent.map((s) => s.path).sort();
    expect(paths).toEqual(['/v1/i', '/v1/p', '/v1/t']);
    for (const s of sent) {
      expect(s.contentType).toMatch(/^text\/plain/);
      expect(s.status).toBe(200);
    }
    expect(failed).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});

interface BrowserAnalytics {
  identify(userId: string, traits: Record<string, unknown>): Promise<unknown>;
  track(event: string, properties: Record<string, unknown>): Promise<unknown>;
  user(): { anonymousId(): string };
}
