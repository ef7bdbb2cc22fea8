import { Analytics } from '@segment/analytics-node';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { RecordingServer } from './support/recording-server.js';
import { shot as docsShot, otherPersonTab, ownerPage } from './support/console-tabs.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
// `UPDATE_SCREENSHOTS=1 npx vitest run test/console-admin-ui.integration.test.ts` refreshes docs/screenshots/.
const SIGNING_SECRET = 'whsec-do-not-show-0123';

/**
 * The console's destinations, tokens, privacy policy and reports pages (members: console-members-ui.integration.test.ts) in headless Chromium against a
 * real Sluice, with a real local webhook server as the destination. Asserts on what the user sees.
 */
describe.skipIf(skip)('console admin pages in headless Chromium against a real Sluice', { timeout: 90_000 }, () => {
  let sluice: TestSluice;
  let hook: RecordingServer;
  let browser: Browser;
  let page: Page;
  /** How many rows of the delivery log match `name` after pressing Refresh (for expect.poll). */
  const rowsAfterRefresh = (log: Locator, name: RegExp) => async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    return log.getByRole('row', { name }).count();
  };
  const errors: string[] = [];

  const shot = (name: string, target: Page = page) => docsShot(target, name, 'viewport');
  /** A second person in their own browser (own cookies). */
  const otherBrowser = () => otherPersonTab(browser, errors);
  const send = async (run: (analytics: Analytics) => void) => {
    const analytics = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 1 });
    run(analytics);
    await analytics.closeAndFlush({ timeout: 10_000 });
  };

  beforeAll(async () => {
    hook = await RecordingServer.start();
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    browser = await launchChromium();
    page = await ownerPage(browser, sluice, errors, { viewport: { width: 1366, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
    await hook?.close();
  });

  let destinationUrl = '';
  it('adds a webhook destination from the catalog with its secret write-only, test-sends to it, and lists it', async () => {
    await page.getByRole('link', { name: 'Destinations' }).click();
    await page.getByRole('link', { name: 'Add destination' }).click();
    await page.getByRole('link', { name: /^Webhook/ }).click();
    await page.getByLabel('Destination name').fill('Order hook');
    await page.getByLabel(/^url/).fill(hook.url);
    await page.getByLabel(/^signingSecret/).fill(SIGNING_SECRET);
    await page.getByLabel(/^headers/).fill('X-Team: growth');
    await page.getByRole('button', { name: 'Create destination' }).click();
    await page.getByRole('heading', { name: /Order hook/ }).waitFor();
    destinationUrl = page.url();
    // The secret is stored but never shown again: the field is empty, marked "set".
    await expect.poll(() => page.getByLabel(/^signingSecret/).inputValue()).toBe('');
    expect(await page.getByLabel(/^signingSecret/).getAttribute('placeholder')).toContain('Stored, hidden');
    expect(await page.content()).not.toContain(SIGNING_SECRET);
    // Custom headers are secret too (they often carry credentials): kept, never shown again.
    expect(await page.getByLabel(/^headers/).inputValue()).toBe('');
    expect(await page.getByLabel(/^headers/).getAttribute('placeholder')).toContain('Stored, hidden');

    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/Test event delivered in \d+ ms/);
    const test = hook.events().find((e) => e.event === 'Sluice Test Event');
    expect(test).toBeDefined();
    expect(hook.requests.at(-1)!.headers['x-team']).toBe('growth');
    expect(hook.requests.at(-1)!.headers['x-sluice-signature']).toMatch(/^sha256=/);

    await page.getByRole('link', { name: '← Destinations' }).click();
    const row = page.getByRole('row', { name: /Order hook/ });
    await row.waitFor();
    // The type's display name shows once the catalog has loaded (until then, its id).
    await expect.poll(() => row.textContent()).toContain('Webhook');
    expect(await row.textContent()).toContain('enabled');
    // Its backlog: the test event went out, nothing waits (the cell reads 0 once the backlog is loaded).
    await expect.poll(() => row.locator('td').nth(3).textContent()).toBe('0');
    await shot('destinations');
  });

  it('shows a failed delivery with its reason, retries it, and replays a time range', async () => {
    hook.respond = (request) => ((request.body as { event?: string }).event === 'Broken Order' ? { status: 400, body: '{"error":"bad"}' } : { status: 200 });
    await send((analytics) => {
      analytics.identify({ userId: 'ada', traits: { email: 'ada@example.com', name: 'Ada Lovelace' } });
      analytics.track({ userId: 'ada', event: 'Broken Order', properties: { total: 1 } });
    });
    await page.goto(destinationUrl);
    const log = page.getByRole('table', { name: 'Delivery log' });
    const failed = log.getByRole('row', { name: /failed/ });
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return failed.count();
      }, { timeout: 20_000 })
      .toBe(1);
    expect(await failed.textContent()).toContain('400');
    await page.getByLabel('Status').selectOption('failed');
    await expect.poll(() => log.getByRole('row').count()).toBe(2); // header + the failed one

    hook.respond = () => ({ status: 200 });
    await failed.getByRole('button', { name: /^Retry/ }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Retry: 1 queued');
    await page.getByLabel('Status').selectOption('');
    await expect.poll(rowsAfterRefresh(log, /failed/), { timeout: 20_000 }).toBe(0);
    await eventually(async () => (hook.events().some((e) => e.event === 'Broken Order') ? true : undefined));

    const before = hook.events().length;
    await page.getByRole('button', { name: 'Start replay' }).click();
    await page.getByRole('status').filter({ hasText: /Replay queued [1-9]\d* event/ }).waitFor();
    await eventually(async () => (hook.events().length > before ? true : undefined));
    // The replay is listed with what it did and who asked for it.
    const replays = page.getByRole('table', { name: 'Recent replays' });
    await expect.poll(() => replays.getByRole('row').count()).toBe(2);
    expect(await replays.getByRole('row').nth(1).textContent()).toMatch(/[1-9]\d* queued.*completed/);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await replays.scrollIntoViewIfNeeded();
    await shot('destination');

    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.getByRole('heading', { name: /Order hook disabled/ }).waitFor();
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByRole('heading', { name: /Order hook enabled/ }).waitFor();
  });

  it('edits a destination filter with FQL checked as it is typed; a filtered event shows as dropped, and the overview charts deliveries', async () => {
    await page.goto(destinationUrl);
    await page.getByRole('button', { name: 'Add filter' }).click();
    const condition = page.getByLabel('Filter 1 condition');
    await condition.fill('event = ');
    await expect.poll(() => page.locator('#filter-0-problem').textContent()).toMatch(/line 1, column \d+/);
    expect(await condition.getAttribute('aria-invalid')).toBe('true');
    await condition.fill('event = "Skip Me"');
    await expect.poll(() => page.locator('#filter-0-problem').textContent()).toBe('Valid FQL.');
    await page.getByLabel('Filter 1 action').selectOption('drop');
    await page.getByLabel('Filter 1 name (optional)').fill('No skips');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();

    await send((analytics) => analytics.track({ userId: 'ada', event: 'Skip Me' }));
    const log = page.getByRole('table', { name: 'Delivery log' });
    await expect.poll(rowsAfterRefresh(log, /dropped/), { timeout: 20_000 }).toBe(1);
    expect(await log.getByRole('row', { name: /dropped/ }).textContent()).toContain('Dropped by filter 1 "No skips"');
    expect(hook.events().some((e) => e.event === 'Skip Me')).toBe(false);

    // A delivery the destination refuses for now says why and when it is tried next.
    hook.respond = (request) => (request.raw.includes('Try Later') ? { status: 503, body: '{"error":"busy"}' } : { status: 200 });
    await send((analytics) => analytics.track({ userId: 'ada', event: 'Try Later' }));
    await expect.poll(rowsAfterRefresh(log, /retrying/), { timeout: 20_000 }).toBe(1);
    expect(await log.getByRole('row', { name: /retrying/ }).textContent()).toMatch(/HTTP 503.*next try/);
    // The destination's backlog says what waits, and since when.
    await expect.poll(() => page.getByLabel('Backlog').textContent()).toMatch(/^1 waiting to be sent, 1 retrying \(the oldest since .+\)\.$/);
    // The destinations list says so too.
    await page.getByRole('link', { name: '← Destinations' }).click();
    await expect.poll(() => page.getByRole('row', { name: /Order hook/ }).locator('td').nth(3).textContent()).toBe('1 (1 retrying)');
    await page.getByRole('link', { name: 'Order hook' }).click();
    await page.getByLabel('Backlog').waitFor();
    // Its counters say why deliveries are being retried.
    await expect.poll(() => page.getByRole('table', { name: 'Retried (tried again later)' }).textContent()).toMatch(/http_503\s*[1-9]/);
    hook.respond = () => ({ status: 200 });
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return page.getByLabel('Backlog').textContent();
    }, { timeout: 20_000 }).toBe('Nothing waiting: every queued event has been sent.');

    // The preview shows the same decision without sending anything.
    await page.getByLabel('Event JSON').fill(JSON.stringify({ type: 'track', userId: 'ada', event: 'Skip Me' }));
    await page.getByRole('button', { name: 'Preview requests' }).click();
    const preview = page.getByRole('region', { name: 'Preview result' });
    await expect.poll(() => preview.textContent()).toContain('dropped');
    expect(await preview.textContent()).toContain('filter');
    await page.getByLabel('Event JSON').fill(JSON.stringify({ type: 'track', userId: 'ada', event: 'Order Completed', properties: { total: 5 } }));
    await page.getByRole('button', { name: 'Preview requests' }).click();
    await expect.poll(() => preview.textContent()).toContain('would be sent');
    expect(await preview.getByLabel('Request 1').textContent()).toContain(`POST ${hook.url}`);
    expect(await page.content()).not.toContain(SIGNING_SECRET);

    await page.getByRole('link', { name: 'Overview' }).click();
    const chart = page.getByRole('img', { name: /Deliveries per destination/ });
    await chart.waitFor();
    await expect.poll(async () => (await page.locator('figure', { has: chart }).textContent()) ?? '').toMatch(/Order hook: delivered [1-9]\d*, retrying \d+, failed \d+, dropped 1/);
    await page.getByRole('img', { name: /dropped or failed in the last hour, by reason/ }).waitFor();
    await shot('overview-deliveries');
  });

  /** A member's role as the API has it now. */
  it('creates an API token shown once, which works until it is revoked', async () => {
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Token name').fill('CI deploy');
    await page.getByLabel('Role').selectOption('engineer');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent())!;
    const sources = () => fetch(`${sluice.url}/api/v1/sources`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await sources()).toBe(200);
    await shot('tokens');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(token);
    // Rotating (asks first): a new secret shown once, the old one refused at once.
    await page.getByRole('button', { name: 'Rotate CI deploy' }).click();
    await page.getByRole('button', { name: /Yes, rotate CI deploy/ }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Token “CI deploy” rotated' }).count()).toBe(1);
    const rotated = (await page.getByTestId('new-token').textContent())!;
    expect(rotated).not.toBe(token);
    expect(await sources()).toBe(401);
    const rotatedSources = () => fetch(`${sluice.url}/api/v1/sources`, { headers: { authorization: `Bearer ${rotated}` } }).then((r) => r.status);
    expect(await rotatedSources()).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByRole('row', { name: /CI deploy/ }).count()).toBe(1);
    // Rotating with an overlap: the secret it replaces keeps working for the hour chosen (both listed meanwhile).
    await page.getByRole('button', { name: 'Rotate CI deploy' }).click();
    await page.getByLabel('When the old secret of CI deploy stops working').selectOption({ label: 'keeps working 1 hour' });
    await page.getByRole('button', { name: 'Yes, rotate CI deploy (the old secret keeps working 1 hour)' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Token “CI deploy” rotated: the old secret works until' }).count()).toBe(1);
    const third = (await page.getByTestId('new-token').textContent())!;
    const thirdSources = () => fetch(`${sluice.url}/api/v1/sources`, { headers: { authorization: `Bearer ${third}` } }).then((r) => r.status);
    expect(await thirdSources()).toBe(200);
    expect(await rotatedSources()).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('row', { name: /CI deploy/ }).count()).toBe(2);
    // The old one says until when it works, and only the new one may be rotated again (the API refuses the old one).
    expect(await page.getByRole('row', { name: /CI deploy.*old secret of a rotation: works until/ }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Rotate CI deploy' }).count()).toBe(1);
    for (let i = 0; i < 2; i++) {
      await page.getByRole('button', { name: 'Revoke CI deploy' }).first().click();
      await page.getByRole('button', { name: 'Yes, revoke CI deploy' }).click();
      await expect.poll(() => page.getByRole('row', { name: /CI deploy/ }).count()).toBe(1 - i);
    }
    expect(await rotatedSources()).toBe(401);
    expect(await thirdSources()).toBe(401);
  });

  it('publishes a material privacy-policy version that members are asked to accept', async () => {
    await page.getByRole('link', { name: 'Privacy policy' }).click();
    await page.getByLabel('URL of the published policy').fill('https://shop.example.com/privacy');
    await page.getByLabel(/Material change/).check();
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Published version 1');
    await page.getByRole('table', { name: 'Published versions' }).getByRole('row', { name: /v1/ }).waitFor();
    await shot('privacy-policy');
    await page.reload();
    const banner = page.getByRole('region', { name: 'Privacy policy update' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Privacy policy v1');
    await banner.getByRole('button', { name: 'Accept' }).click();
    await banner.waitFor({ state: 'detached' });
  });

  it('draws the data flow with the personal-data categories per edge and flags undescribed recipients', async () => {
    await page.getByRole('link', { name: 'Reports' }).click();
    const diagram = page.getByRole('img', { name: 'Data flow diagram' });
    await diagram.waitFor();
    expect(await diagram.textContent()).toContain('Order hook');
    expect(await diagram.textContent()).toContain('Identifiers');
    const gaps = page.getByRole('list', { name: 'Gaps' });
    await expect.poll(() => gaps.textContent()).toContain('Order hook: no purpose, legal basis or recipient category described');
    expect(await gaps.textContent()).toContain('Order hook: receives personal data without requiring any consent category');
    expect(await page.getByRole('table', { name: 'Flows' }).getByRole('row', { name: /Order hook/ }).textContent()).toContain('Identifiers');
    await shot('reports');

    await page.getByText('Describe Order hook').click();
    const form = page.getByRole('form', { name: 'Describe Order hook' });
    await form.getByLabel('Recipient category').selectOption('analytics_provider');
    await form.getByLabel('analytics').check();
    await form.getByLabel(/Country/).fill('de');
    await form.getByLabel('Retention at the recipient').fill('13 months');
    await form.getByRole('button', { name: 'Save description' }).click();
    await expect.poll(() => gaps.textContent()).not.toContain('no purpose, legal basis or recipient category described');
    expect(await page.getByRole('table', { name: 'Flows' }).getByRole('row', { name: /Order hook/ }).textContent()).toContain('analytics');
    expect(errors).toEqual([]);
  });

  it('shows the privacy request metrics with requests closed without a decision apart from denials, and downloads them as CSV', async () => {
    // A person made the same request twice on the hosted page before verifying: the first is closed as superseded.
    const ask = (email: string) =>
      fetch(`${sluice.url}/v1/privacy-requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeKey: sluice.writeKey, type: 'know', email }) });
    for (let i = 0; i < 2; i++) expect((await ask('twice@example.com')).status).toBe(202);
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.reload(); // the Reports page was open already, read before the requests were made
    const table = page.getByRole('table', { name: 'Request metrics' });
    const know = table.getByRole('row', { name: /^know/ });
    await know.waitFor();
    const cells = async () => (await know.getByRole('cell').allTextContents()).slice(0, 6);
    // Received 2, completed 0, denied 0, made again 1, never verified 0, open 1.
    await expect.poll(cells).toEqual(['2', '0', '0', '1', '0', '1']);
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(file.suggestedFilename()).toBe('request-metrics.csv');
    const text = await (await import('node:fs/promises')).readFile((await file.path())!, 'utf8');
    expect(text.split('\r\n').find((line) => line.startsWith('know,'))).toBe('know,2,0,0,1,0,1,0,');
    await page.getByLabel('Requests under').selectOption('gdpr');
    await expect.poll(() => know.getByRole('cell').first().textContent()).toBe('2');
    expect(errors).toEqual([]);
  });

  it('says when no process is running a replay (a deployment without the jobs role)', async () => {
    const noJobs = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_ROLES: 'ingest,processor,router,api' });
    const { other, tab } = await otherBrowser();
    try {
      const created = await fetch(`${noJobs.url}/api/v1/destinations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${noJobs.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Backfill target', type: 'webhook', config: { url: hook.url } }),
      });
      expect(created.status).toBe(201);
      const destination = (await created.json()) as { id: string };
      // Asked for a minute ago, and no process has picked it up since.
      const minuteAgo = Date.now() - 60_000;
      await noJobs.store.replays.create({ workspaceId: noJobs.bootstrap.workspaceId, destinationId: destination.id, kind: 'range', range: { from: minuteAgo - 3_600_000, to: minuteAgo }, total: 0, requestedBy: 'test' }, minuteAgo);
      await tab.goto(noJobs.url);
      await tab.getByRole('button', { name: 'Log in with an API token instead' }).click();
      await tab.getByLabel('API token').fill(noJobs.token);
      await tab.getByRole('button', { name: 'Log in', exact: true }).click();
      await tab.getByRole('heading', { name: 'Overview' }).waitFor();
      await tab.goto(`${noJobs.url}/destinations/${destination.id}`);
      const replays = tab.getByRole('table', { name: 'Recent replays' });
      await expect.poll(() => replays.textContent()).toContain('running (no process is running it)');
    } finally {
      await other.close();
      await noJobs.stop();
    }
    expect(errors).toEqual([]);
  });
});
