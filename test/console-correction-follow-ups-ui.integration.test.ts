import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, openConsoleAsOwner } from './support/browser.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };

/**
 * The console's "Corrections to follow up", as the privacy team uses it: a recipient that refused a correction (a real
 * local webhook answering 4xx) is listed with why; the team confirms it was told another way, with a note, in
 * headless Chromium against a real Sluice.
 */
describe.skipIf(skip)('corrections to follow up in the console', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const servers: RecordingServer[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    browser = await launchChromium();
    page = await openConsoleAsOwner(browser, sluice, OWNER, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
    await Promise.all(servers.map((s) => s.close()));
  });

  /** A correction whose identify the hook refuses, completed with that hook to follow up; its id. */
  async function refusedCorrection(userId: string, hook: { server: RecordingServer }): Promise<string> {
    const api = ownerApi(sluice);
    hook.server.respond = (request) => (request.raw.includes('dsr-correct-') ? { status: 400, body: '{"error":"name too long"}' } : { status: 200 });
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId, traits: { name: 'Old name' } });
    await eventually(async () => ((await api('GET', `/profiles/${userId}`)).status === 200 ? true : undefined));
    const created = await api('POST', '/privacy-requests', { type: 'correct', subject: { userId }, traits: { name: 'New name' }, verified: true });
    expect(created.status, created.text).toBe(201);
    const id = String(created.body.id);
    await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.correctionFollowUps ? true : undefined), 60_000);
    return id;
  }

  it('confirms a recipient told another way, with a note, and the request leaves the list', async () => {
    const crm = await createWebhook(sluice, servers, 'CRM hook');
    const id = await refusedCorrection('ui-ada', crm);

    await page.goto(`${sluice.url}/privacy-requests`);
    await page.getByRole('tab', { name: 'Corrections to follow up' }).click();
    const row = page.getByRole('row', { name: new RegExp(id) });
    await expect.poll(() => row.textContent()).toContain('CRM hook did not accept the correction');
    await page.getByRole('button', { name: `Confirm CRM hook was told of the correction of request ${id} another way` }).click();
    const form = page.getByRole('form', { name: `Confirm CRM hook was told of the correction of request ${id}` });
    expect(await form.textContent()).toContain('name too long');
    expect(await form.getByRole('button', { name: 'Confirm CRM hook was told' }).isDisabled()).toBe(true);
    await form.getByLabel("How it was told (goes into the request's history)").fill('emailed the vendor the corrected name (ticket 881)');
    await form.getByRole('button', { name: 'Confirm CRM hook was told' }).click();
    await expect.poll(() => page.getByRole('row', { name: new RegExp(id) }).count()).toBe(0);

    await page.getByRole('tab', { name: 'All' }).click();
    const sent = page.getByRole('list', { name: `Where the correction of request ${id} was sent` });
    await expect.poll(() => sent.getByRole('listitem').first().textContent()).toMatch(/^CRM hook: told another way, confirmed by hand by member:\S+ \(owner@example\.com\) on /);
    const history = (await ownerApi(sluice)('GET', `/privacy-requests/${id}`)).body.history as { action: string; actor: string; note?: string }[];
    expect(history.find((h) => h.action === 'correction_confirmed_by_hand')).toMatchObject({ actor: expect.stringContaining('owner@example.com'), note: 'CRM hook (webhook): emailed the vendor the corrected name (ticket 881)' });

    // Confirmed on the wrong request: withdrawn with a reason, it is back on the corrections to follow up.
    await page.getByRole('button', { name: `Withdraw the confirmation at CRM hook of correction request ${id}` }).click();
    const withdraw = page.getByRole('form', { name: `Withdraw the confirmation at CRM hook of request ${id}` });
    await withdraw.getByLabel("Why (goes into the request's history)").fill('the ticket was about another customer');
    await withdraw.getByRole('button', { name: 'Withdraw the confirmation at CRM hook' }).click();
    await expect.poll(() => sent.getByRole('listitem').first().textContent()).toMatch(/^CRM hook: correction failed to arrive \(http_4\d\d\)/);
    await page.getByRole('tab', { name: 'Corrections to follow up' }).click();
    await expect.poll(() => page.getByRole('row', { name: new RegExp(id) }).textContent()).toContain('CRM hook did not accept the correction');
    expect(errors).toEqual([]);
    // (This hook accepts corrections from now on, for the next test.)
    crm.server.respond = () => ({ status: 200 });
  });

  it('shows a recipient that failed again after being sent again: the new reason, when, and who sent it', async () => {
    const crm = await createWebhook(sluice, servers, 'Stubborn hook');
    const id = await refusedCorrection('ui-bob', crm);
    await page.goto(`${sluice.url}/privacy-requests`);
    await page.getByRole('tab', { name: 'Corrections to follow up' }).click();
    const row = page.getByRole('row', { name: new RegExp(id) });
    await expect.poll(() => row.textContent()).toMatch(/Stubborn hook did not accept the correction \(http_400\) on .+: send it again once it can/);

    crm.server.respond = (request) => (request.raw.includes('dsr-correct-') ? { status: 422, body: '{"error":"field locked"}' } : { status: 200 });
    await page.getByRole('button', { name: `Send the correction of request ${id} again to Stubborn hook` }).click();
    // The list reads itself again while the re-sent correction is on its way, and shows it failed again.
    await expect
      .poll(() => row.textContent(), { timeout: 30_000 })
      .toMatch(/Stubborn hook did not accept the correction again \(http_422\) on .+, after member:\S+ \(owner@example\.com\) sent it again on .+: send it again once it can/);
    expect(await row.locator('.overdue', { hasText: 'Stubborn hook did not accept' }).getAttribute('title')).toContain('field locked');
    expect(errors).toEqual([]);
  });
});
