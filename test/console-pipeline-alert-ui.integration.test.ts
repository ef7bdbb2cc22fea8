import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, setUpOwner } from './support/browser.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };

interface PipelineAlertRow {
  status: string;
  backlog: number;
  waitingSince: string;
}

/**
 * Processing falling behind, end to end: a real Sluice started without the processor role (as when a deployment
 * forgets to run one), so accepted events stay in the inbox. Its jobs role checks every second with the smallest
 * limit, one minute: the test waits that minute out for real, then finds the email, the API's episode and the
 * console's banner (headless Chromium).
 */
describe.skipIf(skip)('processing falling behind, with no processor running', { timeout: 150_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_ROLES: 'ingest,api,jobs', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '1', SLUICE_PROCESSING_ALERT_MINUTES: '1' });
    await sluice.store.members.create({ workspaceId: DEFAULT_WORKSPACE_ID, email: 'dev@shop.test', name: 'Dev', role: 'engineer', status: 'active' });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => errors.push(error.message));
    await setUpOwner(page, sluice.url, sluice.bootstrap.setupToken!, OWNER);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('emails the workspace, lists the episode, and shows a banner on the overview once accepted events wait a minute', async () => {
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.getByRole('alert', { name: 'Processing is behind' }).count()).toBe(0);
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 12 }, (_, i) => ({ type: 'track', userId: `u-${i}`, event: 'Signed Up', messageId: `stuck-${i}` })),
    });
    const sentAt = Date.now();

    const [episode] = await eventually(async () => {
      const open = (await ownerApi(sluice)('GET', '/pipeline-alerts?status=open')).body.alerts as PipelineAlertRow[];
      return open.length > 0 ? open : undefined;
    }, 100_000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(59_000);
    expect(episode).toMatchObject({ status: 'open', backlog: 12 });
    const messages = (await ownerApi(sluice)('GET', '/outbox')).body.messages as { to: string; subject: string; text: string }[];
    const told = messages.filter((m) => m.subject === 'Sluice is not keeping up with incoming events');
    expect(told.map((m) => m.to).sort()).toEqual(['dev@shop.test', 'owner@example.com']);
    expect(told[0]!.text).toContain('and 12 events wait in the inbox');

    await page.reload();
    const banner = page.getByRole('alert', { name: 'Processing is behind' });
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/Sluice is not keeping up with incoming events\. Events accepted before .+ were still not processed at .+ \(12 waiting then\)/);
    expect(errors).toEqual([]);
  });
});
