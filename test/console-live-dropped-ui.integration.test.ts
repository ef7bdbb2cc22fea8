import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, openConsoleAsOwner } from './support/browser.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();

/** The live debugger page shows an accepted event the processor dropped before storage, and why. */
describe.skipIf(skip)('console live debugger: dropped events', { timeout: 90_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    sluice = await startTestSluice();
    browser = await launchChromium();
    page = await openConsoleAsOwner(browser, sluice, { name: 'Eng', email: 'eng@example.com', password: 'correct horse battery' }, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('lists a call that reused a messageId as dropped (duplicate) and says what to do', async () => {
    const sources = (await ownerApi(sluice)('GET', '/sources')).body.sources as { id: string; writeKey: string }[];
    const source = sources.find((s) => s.writeKey === sluice.writeKey)!;
    await page.goto(`${sluice.url}/live/${source.id}`);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('live');
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'dev-1', event: 'Cart Viewed', messageId: 'same-id' });
    await page.getByRole('button', { name: /Cart Viewed/ }).first().waitFor();
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'dev-1', event: 'Cart Viewed', messageId: 'same-id', properties: { items: 2 } });

    const row = page.getByRole('button', { name: /dropped Cart Viewed duplicate/ });
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const detail = page.getByLabel('Dropped: duplicate');
    expect(await detail.textContent()).toContain('already sent an event with this messageId');
    expect(await detail.textContent()).toContain('Its messageId: same-id');
    expect(JSON.parse((await detail.locator('pre').textContent()) ?? '')).toMatchObject({ event: 'string', properties: { items: 'number' } });
    // The source's page says it too, beside why events were rejected.
    await page.goto(`${sluice.url}/sources/${source.id}`);
    const onSource = page.getByTestId('source-rejections').getByLabel('Dropped: duplicate');
    await onSource.waitFor();
    expect(await onSource.textContent()).toContain('messageId same-id');
    expect(errors).toEqual([]);
  });

  it('says on the Events page why a messageId looked up is not stored (rejected by the Tracking API)', async () => {
    const refused = await fetch(`${sluice.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ event: 'Signup', messageId: 'lost-signup-1' }),
    });
    expect(refused.status).toBe(400);
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByLabel('messageId').fill('lost-signup-1');
    // The kept rejection is written about once a second: look until the page can say why.
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No events match these filters.').waitFor();
      return (await page.getByLabel('Why the messageId is not stored').count()) > 0 ? page.getByLabel('Why the messageId is not stored').textContent() : '';
    }, { timeout: 15_000 }).toContain('the Tracking API rejected it at');
    expect(await page.getByLabel('Why the messageId is not stored').textContent()).toContain('no_user_anon_id');
    expect(errors).toEqual([]);
  });
});
