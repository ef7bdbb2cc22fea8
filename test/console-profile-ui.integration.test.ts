import { Analytics } from '@segment/analytics-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, openConsoleAsOwner } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const OWNER = { name: 'Olivia Owner', email: 'olivia@example.com', password: 'correct horse battery' };

/**
 * A person's profile in the console as someone looking them up uses it: their groups, all their events page by page,
 * and each event opened with where it went. Headless Chromium against a real Sluice; events from Segment's Node library.
 */
describe.skipIf(skip)('the profile page, in headless Chromium', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    sluice = await startTestSluice();
    const analytics = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 20 });
    analytics.identify({ userId: 'ada', traits: { email: 'ada@example.com' } });
    analytics.group({ userId: 'ada', groupId: 'acme', traits: { name: 'Acme Inc', plan: 'enterprise' } });
    for (let i = 0; i < 60; i++) analytics.track({ userId: 'ada', event: `Viewed Page ${i}` });
    // Two people on one laptop: merge protection keeps them apart.
    analytics.identify({ userId: 'cleo', anonymousId: 'family-laptop' });
    analytics.identify({ userId: 'dan', anonymousId: 'family-laptop' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    const owner = ownerApi(sluice);
    await eventually(async () => {
      const profile = await owner('GET', '/profiles/ada?limit=100');
      return profile.status === 200 && (profile.body.events as unknown[]).length === 62 ? true : undefined;
    }, 60_000);
    await eventually(async () => ((await owner('GET', '/profiles/dan')).status === 200 ? true : undefined));
    browser = await launchChromium();
    page = await openConsoleAsOwner(browser, sluice, OWNER, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
    expect(errors).toEqual([]);
  });

  it("lists the person's groups with their traits", async () => {
    await page.goto(`${sluice.url}/profiles/ada`);
    const groups = page.locator('.card', { has: page.getByRole('heading', { name: 'Groups' }) });
    await expect.poll(() => groups.getByRole('row').nth(1).textContent()).toContain('acme');
    expect(await groups.getByLabel('Traits of acme').textContent()).toContain('"plan": "enterprise"');
  });

  it('says why two people on one device were not merged, and opens the other profile and the event', async () => {
    await page.goto(`${sluice.url}/profiles/dan`);
    const refused = page.locator('.card', { has: page.getByRole('heading', { name: 'Not merged' }) });
    await expect.poll(() => refused.getByRole('row').nth(1).textContent()).toContain('Shares an anonymousId with another profile that has a different userId');
    // None of the other person's identifiers is shown here; the link opens their profile.
    expect(await refused.textContent()).not.toContain('cleo');
    await refused.getByRole('row').nth(1).getByRole('link').first().click();
    await expect.poll(() => page.locator('.card h2').first().textContent()).toBe('cleo');
    const back = page.locator('.card', { has: page.getByRole('heading', { name: 'Not merged' }) });
    await back.getByRole('row').nth(1).getByRole('link').nth(1).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await expect.poll(() => page.locator('.detail-pane').textContent()).toContain('"userId": "dan"');
  });

  it('loads older events past the first 50, then opens one with where it went', async () => {
    await page.goto(`${sluice.url}/profiles/ada`);
    const events = page.locator('.card', { has: page.getByRole('heading', { name: 'Recent events' }) });
    await expect.poll(() => events.locator('tbody tr').count()).toBe(50);
    await events.getByRole('button', { name: 'Load older events' }).click();
    await expect.poll(() => events.locator('tbody tr').count()).toBe(62);
    await expect.poll(() => events.getByRole('button', { name: 'Load older events' }).count()).toBe(0);
    // A group call names its group, so one group call can be told from another.
    expect(await events.getByRole('link', { name: /group acme$/ }).count()).toBe(1);
    // The oldest event is the identify; the first track sent is just above it.
    await events.getByRole('link', { name: /Viewed Page 0$/ }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    expect(new URL(page.url()).searchParams.get('messageId')).toEqual(expect.any(String));
    await expect.poll(() => page.locator('.detail-pane').textContent()).toContain('Raw JSON');
    expect(await page.locator('.detail-pane').textContent()).toContain('"event": "Viewed Page 0"');
  });

  it('shows with a consent choice the wording of the banner it was made on', async () => {
    const served = (await (await fetch(`${sluice.url}/v1/consent/${sluice.writeKey}/categories`)).json()) as { bannerVersion: string };
    const recorded = await fetch(`${sluice.url}/v1/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ userId: 'ada', categoryPreferences: { analytics: true }, bannerVersion: served.bannerVersion }),
    });
    expect(recorded.status).toBe(200);
    await page.goto(`${sluice.url}/profiles/ada`);
    // One ledger entry per identity of the person (userId and email): each shows the wording.
    const entries = page.locator(`details.banner-wording[data-banner-version="${served.bannerVersion}"]`);
    await expect.poll(() => entries.count()).toBe(2);
    const wording = entries.first();
    expect(await wording.locator('summary').textContent()).toContain(served.bannerVersion.slice(0, 12));
    await wording.locator('summary').click();
    await expect.poll(() => wording.getByText('Your privacy choices').isVisible()).toBe(true);
    expect(await wording.textContent()).toContain('Measures how the site is used, so it can be improved.');
  });
});
