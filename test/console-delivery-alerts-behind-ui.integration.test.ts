import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryAlerts } from '../src/alerts/delivery-alerts.js';
import { DevelopmentOutbox } from '../src/mail/development-outbox.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { ownerPage, shot } from './support/console-tabs.js';
import { createWebhook, deliveriesOf } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
// `UPDATE_SCREENSHOTS=1 npx vitest run test/console-delivery-alerts-behind-ui.integration.test.ts` refreshes docs/screenshots/delivery-alerts-behind-list.png and delivery-alerts-behind.png.

/**
 * Falling behind in the console, against a real Sluice whose own checker does not run during the test (an hour): a
 * webhook whose endpoint first refuses every attempt, then hangs, so what is sent meanwhile waits behind it. The
 * test checks with a `DeliveryAlerts` on Sluice's store, its clock moved past the limit (as
 * test/delivery-alerts.integration.test.ts does), and reads the result in the browser.
 */
describe.skipIf(skip)('console shows a destination falling behind, and the limit in the settings', { timeout: 90_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const servers: RecordingServer[] = [];
  const errors: string[] = [];
  let loader: { id: string; server: RecordingServer };
  let healthy: { id: string; server: RecordingServer };
  let alerts: DeliveryAlerts;
  /** Lets the hanging endpoint answer. */
  let release: () => void = () => {};
  /** The clock of the checks: 31 minutes after the events were sent (the workspace's limit is 30). */
  let later = 0;

  const row = (name: string) => page.getByRole('table').first().getByRole('row', { name: new RegExp(name) });
  const episodes = () => page.getByRole('table', { name: 'Delivery alert episodes' });
  const settingsForm = () => page.getByRole('form', { name: 'Delivery alert settings' });
  const settingsNow = async () => (await ownerApi(sluice)('GET', '/delivery-alerts/settings')).body;
  const events = (prefix: string, count: number) => ({
    batch: Array.from({ length: count }, (_, i) => ({ type: 'track', userId: `${prefix}-${i}`, event: 'Order Loaded', messageId: `${prefix}-${i}` })),
  });

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '3600' });
    loader = await createWebhook(sluice, servers, 'Warehouse loader', { batching: true, timeoutMs: 60_000 });
    healthy = await createWebhook(sluice, servers, 'Analytics');
    const silent = pino({ level: 'silent' });
    alerts = new DeliveryAlerts({ store: sluice.store, mailer: new DevelopmentOutbox('Sluice <sluice@localhost>', silent), publicUrl: sluice.url, logger: silent, intervalMs: 3600_000, retryWindowMs: 4 * 3600_000 });
    browser = await launchChromium();
    page = await ownerPage(browser, sluice, errors);
  });
  afterAll(async () => {
    release();
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    await sluice?.stop();
  });

  it('marks a destination that fails and falls behind with both badges on the list, and lists both episodes with their counts', async () => {
    // It fails: the endpoint refuses every attempt, and a check now opens a failing episode.
    loader.server.respond = () => ({ status: 503, body: '{"error":"maintenance"}' });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', events('refused', 8));
    await eventually(async () => ((await deliveriesOf(sluice, loader.id, '&status=retrying')).length === 8 ? true : undefined));
    await eventually(async () => ((await alerts.check()).opened.length > 0 ? true : undefined));

    // Then it hangs: the request it is sent waits at the endpoint, and the 20 events sent meanwhile wait behind it.
    const answered = new Promise<void>((resolve) => (release = resolve));
    let hanging = 0;
    loader.server.respond = () => {
      hanging++;
      return { status: 200, until: answered };
    };
    await sendTracking(sluice.url, sluice.writeKey, 'batch', events('waiting', 20));
    await eventually(async () => (hanging > 0 && (await deliveriesOf(sluice, loader.id, '&status=queued')).length === 20 ? true : undefined));
    // The healthy destination took all 28 (with the clock moved, anything still queued for it would count as waiting 31 minutes).
    await eventually(async () => ((await deliveriesOf(sluice, healthy.id, '&status=delivered')).length === 28 ? true : undefined));
    later = Date.now() + 31 * 60_000;
    expect((await alerts.check(later)).opened).toEqual([expect.objectContaining({ destinationId: loader.id, kind: 'falling_behind', waiting: 20 })]);
    const open = (await ownerApi(sluice)('GET', '/delivery-alerts?status=open')).body.alerts as { kind: string }[];
    expect(open.map((a) => a.kind).sort()).toEqual(['failing', 'falling_behind']);

    await page.getByRole('link', { name: 'Destinations' }).click();
    const behind = row('Warehouse loader').getByText(/^Behind since /);
    await behind.waitFor();
    expect(await row('Warehouse loader').textContent()).toMatch(/Failing since .+\d+ of \d+ delivery attempts failedBehind since .+20 deliveries waited, the oldest since /);
    expect(await row('Warehouse loader').locator('.hint').last().textContent()).toMatch(/^20 deliveries waited, the oldest since \S/);
    expect(await behind.getAttribute('title')).toMatch(/^Falling behind since .+: 20 deliveries waited to be sent then, the oldest since .+\.$/);
    expect(await row('Analytics').textContent()).not.toMatch(/since/);
    await shot(page, 'delivery-alerts-behind-list');

    await page.getByRole('link', { name: 'Warehouse loader' }).click();
    const behindEpisode = episodes().getByRole('row', { name: /falling behind/ });
    await behindEpisode.waitFor();
    expect(await behindEpisode.textContent()).toContain('Still behind');
    expect(await behindEpisode.textContent()).toMatch(/20 deliveries waited, the oldest since \S/);
    expect(await behindEpisode.locator('td').last().textContent()).toBe('–');
    const failingEpisode = episodes().getByRole('row', { name: /^failing/ });
    expect(await failingEpisode.textContent()).toContain('Still failing');
    expect(await failingEpisode.textContent()).toMatch(/\d+ of \d+ delivery attempts failed in the 15 minutes before/);
    expect(await failingEpisode.textContent()).toContain('HTTP 503: {"error":"maintenance"}');
    expect(await episodes().getByRole('row').count()).toBe(3); // header + the two open episodes
    expect(await page.getByRole('region', { name: 'Delivery alerts' }).textContent()).toContain(
      'A destination is falling behind when its oldest delivery not yet tried has been waiting 30 minutes; it has caught up when nothing has been waiting 15 minutes or longer.',
    );
    await shot(page, 'delivery-alerts-behind', page.getByRole('region', { name: 'Delivery alerts' }));
  });

  it('shows the episode ended ("It caught up.") once what waited is delivered, and only the failing marker left', async () => {
    loader.server.respond = () => ({ status: 200 });
    release();
    await eventually(async () => ((await deliveriesOf(sluice, loader.id, '&status=delivered')).length === 28 ? true : undefined), 60_000);
    expect((await alerts.check(later + 60_000)).resolved).toEqual([expect.objectContaining({ destinationId: loader.id, kind: 'falling_behind', resolution: 'caught_up' })]);

    await page.reload();
    const ended = episodes().getByRole('row', { name: /resolved/ });
    await ended.waitFor();
    expect(await ended.textContent()).toContain('fell behind');
    expect(await ended.textContent()).toContain('It caught up.');
    expect(await ended.textContent()).toMatch(/20 deliveries waited, the oldest since \S/);
    expect(await episodes().getByRole('row', { name: /^failing/ }).textContent()).toContain('Still failing');

    await page.getByRole('link', { name: '← Destinations' }).click();
    await row('Warehouse loader').getByText(/^Failing since /).waitFor();
    expect(await row('Warehouse loader').textContent()).not.toContain('Behind since');
  });

  it("saves the falling-behind limit (0 and 1441 refused, the server's refusal shown in the card) and shows it after a reload", async () => {
    const field = page.getByLabel('Falling behind after (minutes)');
    await expect.poll(() => field.inputValue()).toBe('30');
    const save = settingsForm().getByRole('button', { name: 'Save alert settings' });

    // The browser refuses 0 and 1441 itself (min 1, max 1440): the form is not sent.
    await field.fill('0');
    expect(await field.evaluate((input) => (input as HTMLInputElement).validity.rangeUnderflow)).toBe(true);
    await field.fill('1441');
    expect(await field.evaluate((input) => (input as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect(await settingsForm().evaluate((form) => (form as HTMLFormElement).checkValidity())).toBe(false);
    // A value it let through and the server refused would be shown like this.
    await field.fill('45');
    expect(await page.locator('#da-behind-hint').textContent()).toBe(
      '1 to 1440 (a day). A destination is falling behind when its oldest delivery not yet tried has been waiting 45 minutes; it has caught up when nothing has been waiting 22.5 minutes or longer.',
    );
    await page.route('**/api/v1/delivery-alerts/settings', (route) =>
      route.request().method() === 'PUT' ? route.continue({ postData: JSON.stringify({ ...(route.request().postDataJSON() as object), behindMinutes: 1441 }) }) : route.continue(),
    );
    await save.click();
    await expect.poll(() => settingsForm().getByRole('alert').textContent()).toContain('behindMinutes must be at most 1440 (a whole number of minutes from 1 to 1440');
    await page.unroute('**/api/v1/delivery-alerts/settings');
    expect(await settingsNow()).toEqual({ enabled: true, failurePercent: 50, behindMinutes: 30, webhook: null });

    await save.click();
    await expect.poll(() => settingsForm().getByRole('status').textContent()).toBe('Delivery alert settings saved.');
    expect(await settingsForm().getByRole('alert').count()).toBe(0);
    expect(await settingsNow()).toEqual({ enabled: true, failurePercent: 50, behindMinutes: 45, webhook: null });

    await page.reload();
    await expect.poll(() => page.getByLabel('Falling behind after (minutes)').inputValue()).toBe('45');
    await page.getByRole('link', { name: 'Warehouse loader' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Delivery alerts' }).textContent()).toContain('has been waiting 45 minutes; it has caught up when nothing has been waiting 22.5 minutes or longer.');
    expect(errors).toEqual([]);
  });
});
