import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, segmentSnippet, serveHtml } from './support/browser.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing();

/**
 * A script tag shows no response body, and a browser runs no script answered with an error status: what a
 * developer who pasted a wrong or disabled writeKey learns is what the browser's console says.
 */
describe.skipIf(skip)('a wrong or disabled writeKey in a script tag, as the browser console shows it', () => {
  let sluice: TestSluice;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveHtml>>;
  let disabledKey: string;

  beforeAll(async () => {
    sluice = await startTestSluice();
    const headers = { authorization: `Bearer ${sluice.token}`, 'content-type': 'application/json' };
    const created = await fetch(`${sluice.url}/api/v1/sources`, { method: 'POST', headers, body: JSON.stringify({ name: 'Old site' }) });
    expect(created.status).toBe(201);
    const source = (await created.json()) as { id: string; writeKey: string };
    disabledKey = source.writeKey;
    const disabled = await fetch(`${sluice.url}/api/v1/sources/${source.id}`, { method: 'PATCH', headers, body: JSON.stringify({ enabled: false }) });
    expect(disabled.status).toBe(200);
    site = await serveHtml({
      '/snippet-unknown': `<!doctype html><html><head><script>${segmentSnippet(sluice.url, 'not-a-write-key')}</script></head><body></body></html>`,
      '/snippet-disabled': `<!doctype html><html><head><script>${segmentSnippet(sluice.url, disabledKey)}</script></head><body></body></html>`,
      '/banner-unknown': `<!doctype html><html><head><script src="${sluice.url}/consent.js?writeKey=not-a-write-key"></script></head><body></body></html>`,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await sluice?.stop();
  });

  async function consoleErrorsOf(path: string, expected: RegExp): Promise<string[]> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${site.url}${path}`);
    await expect.poll(() => errors.some((e) => expected.test(e)), { timeout: 10_000 }).toBe(true);
    await context.close();
    return errors;
  }

  it("Segment's snippet with a writeKey that matches no source says so in the console", async () => {
    const errors = await consoleErrorsOf('/snippet-unknown', /unknown_source/);
    expect(errors.find((e) => /unknown_source/.test(e))).toContain('The writeKey matches no source');
  });

  it("Segment's snippet with a disabled source's writeKey says the source is disabled", async () => {
    const errors = await consoleErrorsOf('/snippet-disabled', /source_disabled/);
    expect(errors.find((e) => /source_disabled/.test(e))).toContain('"Old site" is disabled');
  });

  it('the consent banner tag with a wrong writeKey says so in the console, as its script intends', async () => {
    const errors = await consoleErrorsOf('/banner-unknown', /unknown_source/);
    expect(errors.find((e) => /unknown_source/.test(e))).toContain('Sluice consent banner');
  });
});
