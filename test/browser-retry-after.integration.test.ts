import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, segmentSnippet, serveHtml } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing();

describe.skipIf(skip)('a rate-limited source, as analytics.js on another origin sees it', () => {
  let sluice: TestSluice;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveHtml>>;

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_RATE_LIMIT_PER_SOURCE: '1' });
    site = await serveHtml({
      '/shop': `<!doctype html><html><head><title>Shop</title><script>${segmentSnippet(sluice.url, sluice.writeKey)}</script></head><body></body></html>`,
      '/blank': '<!doctype html><html><head><title>Blank</title></head><body></body></html>',
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
  });

  it('exposes Retry-After on a 429 to the page, as analytics.js reads it to know how long to wait', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.url}/blank`);
    // What analytics.js's dispatcher does: a cross-origin text/plain POST with Basic auth, then res.headers.get('Retry-After').
    const answers = await page.evaluate(
      async ({ url, writeKey }) => {
        const seen: { status: number; retryAfter: string | null }[] = [];
        for (let i = 0; i < 3; i++) {
          const response = await fetch(`${url}/v1/t`, {
            method: 'POST',
            headers: { 'Content-Type': 'text/plain', Authorization: `Basic ${btoa(`${writeKey}:`)}` },
            body: JSON.stringify({ type: 'track', event: `Fetch ${i}`, anonymousId: 'retry-after-probe', writeKey }),
          });
          seen.push({ status: response.status, retryAfter: response.headers.get('Retry-After') });
        }
        return seen;
      },
      { url: sluice.url, writeKey: sluice.writeKey },
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const answer of limited) expect(answer.retryAfter).toBe('1');
    await context.close();
  });

  it('analytics.js delivers every event of a burst the source refuses with 429 at first', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.url}/shop`);
    await page.waitForFunction(() => (window as unknown as { analytics?: { initialized?: boolean } }).analytics?.initialized === true, undefined, { timeout: 15_000 });
    const anonymousId = await page.evaluate(() => {
      const analytics = (window as unknown as { analytics: { track(event: string): unknown; user(): { anonymousId(): string } } }).analytics;
      for (let i = 0; i < 4; i++) analytics.track(`Burst ${i}`);
      return analytics.user().anonymousId();
    });
    const events = await eventually(async () => {
      const response = await fetch(`${sluice.url}/api/v1/events?anonymousId=${anonymousId}&type=track`, { headers: { authorization: `Bearer ${sluice.token}` } });
      const found = ((await response.json()) as { events: { event?: string }[] }).events;
      return found.length >= 4 ? found : undefined;
    }, 30_000);
    expect(events.map((e) => e.event).sort()).toEqual(['Burst 0', 'Burst 1', 'Burst 2', 'Burst 3']);
    await context.close();
  }, 45_000);
});
