import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { addMember, memberPage, ownerPage, shot } from './support/console-tabs.js';
import { createWebhook } from './support/destinations.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
// `UPDATE_SCREENSHOTS=1 npx vitest run test/console-delivery-alerts-ui.integration.test.ts` refreshes docs/screenshots/delivery-alerts-list.png and delivery-alerts-destination.png.
// A destination falling behind: console-delivery-alerts-behind-ui; muting and a destination's own thresholds: console-delivery-alert-mutes-ui.

interface AlertRow {
  destinationId: string;
  status: string;
}

/**
 * Delivery alerts in the console, in headless Chromium against a real Sluice whose jobs role checks every second,
 * with real local HTTP servers as destinations: one fails on command, then recovers; the other stays healthy.
 */
describe.skipIf(skip)('console shows delivery alerts and their settings', { timeout: 60_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const servers: RecordingServer[] = [];
  const errors: string[] = [];
  let failing: { id: string; server: RecordingServer };
  let healthy: { id: string; server: RecordingServer };

  /** The destination's delivery alerts as the API lists them (to wait for the jobs role, not to assert on). */
  const alertsOf = async (destinationId: string): Promise<AlertRow[]> => (await ownerApi(sluice)('GET', `/delivery-alerts?destinationId=${destinationId}`)).body.alerts as AlertRow[];
  const row = (name: string) => page.getByRole('table').first().getByRole('row', { name: new RegExp(name) });
  const episodes = () => page.getByRole('table', { name: 'Delivery alert episodes' });
  const settingsForm = (tab: Page) => tab.getByRole('form', { name: 'Delivery alert settings' });

  beforeAll(async () => {
    // Destinations checked every second (default a minute).
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '1' });
    failing = await createWebhook(sluice, servers, 'Fulfilment');
    healthy = await createWebhook(sluice, servers, 'Warehouse');
    browser = await launchChromium();
    page = await ownerPage(browser, sluice, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    await sluice?.stop();
  });

  it('marks the failing destination "Failing since" on the list, not the healthy one, and lists the episode with its last error', async () => {
    await page.getByRole('link', { name: 'Destinations' }).click();
    await row('Warehouse').waitFor();
    await expect.poll(() => row('Fulfilment').textContent()).toContain('enabled');
    await page.getByRole('link', { name: 'Fulfilment' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Delivery alerts' }).textContent()).toContain('No delivery problems recorded in the last 90 days.');
    // The rules text waits for two more answers (the settings, the destination's thresholds) than the episodes list.
    await expect.poll(() => page.getByRole('region', { name: 'Delivery alerts' }).textContent()).toContain('at least 50% of its delivery attempts in the last 15 minutes failed');

    // The workspace's alerts also go to a JSON webhook (removed again after the next test).
    const hooks = await RecordingServer.start();
    servers.push(hooks);
    expect((await ownerApi(sluice)('PUT', '/delivery-alerts/settings', { webhook: { url: `${hooks.url}/alerts`, format: 'json' } })).status).toBe(200);
    failing.server.respond = () => ({ status: 503, body: '{"error":"maintenance"}' });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 8 }, (_, i) => ({ type: 'track', userId: `buyer-${i}`, event: 'Order Completed', messageId: `alert-ui-${i}` })),
    });
    await eventually(async () => ((await alertsOf(failing.id)).some((a) => a.status === 'open') ? true : undefined));
    await expect.poll(() => healthy.server.events().length).toBe(8);

    await page.getByRole('link', { name: '← Destinations' }).click();
    const marker = row('Fulfilment').getByText(/^Failing since /);
    await marker.waitFor();
    expect(await row('Fulfilment').textContent()).toMatch(/\d+ of \d+ delivery attempts failed/);
    expect(await marker.getAttribute('title')).toMatch(/^Failing since .+: \d+ of \d+ delivery attempts failed in the 15 minutes before\.$/);
    await expect.poll(() => row('Warehouse').locator('td').nth(3).textContent()).toBe('0');
    expect(await row('Warehouse').textContent()).not.toContain('Failing');
    await shot(page, 'delivery-alerts-list');

    await page.getByRole('link', { name: 'Fulfilment' }).click();
    const open = episodes().getByRole('row', { name: /failing/ });
    await open.waitFor();
    expect(await open.textContent()).toContain('Still failing');
    await shot(page, 'delivery-alerts-destination');
    expect(await open.textContent()).toContain('HTTP 503: {"error":"maintenance"}');
    expect(await open.textContent()).toMatch(/\d+ of \d+ delivery attempts failed/);
    // The webhook's post of the episode's start, as the API lists it.
    expect(await open.getByTestId('alert-webhook-post').allTextContents()).toEqual(['Webhook: told of the start.']);
  });

  it('shows the episode resolved once the endpoint delivers again, and the marker gone', async () => {
    failing.server.respond = () => ({ status: 200 });
    await eventually(async () => ((await alertsOf(failing.id)).every((a) => a.status === 'resolved') ? true : undefined), 30_000);

    await page.reload();
    const resolved = episodes().getByRole('row', { name: /resolved/ });
    await resolved.waitFor();
    expect(await resolved.textContent()).toContain('It delivered again.');
    expect(await resolved.textContent()).toContain('HTTP 503: {"error":"maintenance"}');
    expect(await episodes().getByRole('row').count()).toBe(2); // header + the one episode
    await expect.poll(() => resolved.getByTestId('alert-webhook-post').allTextContents()).toEqual(['Webhook: told of the start.', 'Webhook: told of the end.']);
    expect((await ownerApi(sluice)('PUT', '/delivery-alerts/settings', { webhook: null })).status).toBe(200);

    await page.getByRole('link', { name: '← Destinations' }).click();
    await expect.poll(() => row('Fulfilment').locator('td').nth(3).textContent()).toBe('0');
    expect(await row('Fulfilment').textContent()).not.toContain('Failing');
  });

  it('saves the alert settings (a refusal of the server shown where it happened) and shows them after a reload', async () => {
    const form = settingsForm(page);
    await expect.poll(() => page.getByLabel('Failing at (% of attempts failed)').inputValue()).toBe('50');
    expect(await page.getByLabel('Email when a destination starts failing').isChecked()).toBe(true);

    // The browser refuses 0 itself (min 1); a value it let through and the server refused would be shown like this.
    await page.route('**/api/v1/delivery-alerts/settings', (route) =>
      route.request().method() === 'PUT' ? route.continue({ postData: JSON.stringify({ enabled: true, failurePercent: 0 }) }) : route.continue(),
    );
    await form.getByRole('button', { name: 'Save alert settings' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('failurePercent must be at least 1 (a whole number from 1 to 100');
    await page.unroute('**/api/v1/delivery-alerts/settings');
    expect((await ownerApi(sluice)('GET', '/delivery-alerts/settings')).body).toEqual({ enabled: true, failurePercent: 50, behindMinutes: 30, webhook: null });

    await page.getByLabel('Failing at (% of attempts failed)').fill('25');
    expect(await page.getByText(/at least 25% of its delivery attempts/).count()).toBe(1);
    await page.getByLabel('Email when a destination starts failing').uncheck();
    await form.getByRole('button', { name: 'Save alert settings' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Delivery alert settings saved.');
    expect(await form.getByRole('alert').count()).toBe(0);

    await page.reload();
    await expect.poll(() => page.getByLabel('Failing at (% of attempts failed)').inputValue()).toBe('25');
    expect(await page.getByLabel('Email when a destination starts failing').isChecked()).toBe(false);

    // An alert webhook: saved write-only (shown masked), tested, removed.
    const hooks = await RecordingServer.start();
    servers.push(hooks);
    await page.getByLabel('Also post alerts to a webhook (optional)').fill(`${hooks.url}/T0/B0/the-secret-path`);
    await page.getByLabel('Format').selectOption('slack');
    await form.getByRole('button', { name: 'Save alert settings' }).click();
    await expect.poll(() => page.getByTestId('alert-webhook').textContent()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\*{8}$/);
    expect(await page.content()).not.toContain('the-secret-path');
    await form.getByRole('button', { name: 'Send a test alert' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Test alert posted (HTTP 200).');
    expect((hooks.requests[0]!.body as { text: string }).text).toMatch(/^\*Test alert from Sluice\*/);
    hooks.respond = () => ({ status: 404, body: 'no_service' });
    await form.getByRole('button', { name: 'Send a test alert' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('The webhook did not take the test alert: HTTP 404: no_service');
    await form.getByRole('button', { name: 'Remove the webhook' }).click();
    await page.getByLabel('Also post alerts to a webhook (optional)').waitFor();
    expect((await ownerApi(sluice)('GET', '/delivery-alerts/settings')).body).toMatchObject({ webhook: null });

    // PagerDuty: the integration key asked for once that format is chosen, write-only; the URL may stay empty
    // (PagerDuty's own; here a local stand-in); the test incident is triggered and resolved.
    const pagerDuty = await RecordingServer.start();
    servers.push(pagerDuty);
    pagerDuty.respond = () => ({ status: 202, body: '{"status":"success"}' });
    expect(await page.getByLabel('PagerDuty integration key').count()).toBe(0);
    await page.getByLabel('Format').selectOption('pagerduty');
    await page.getByLabel('Also post alerts to a webhook (optional)').fill(`${pagerDuty.url}/v2/enqueue`);
    await page.getByLabel('PagerDuty integration key').fill('R0UT1NGKEYabcdef0123456789abcdef');
    await form.getByRole('button', { name: 'Save alert settings' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Delivery alert settings saved.');
    expect(await form.textContent()).toContain('(PagerDuty incidents (Events API v2)). The URL and the integration key are kept encrypted');
    // Saved: the format choice and the key field are reset, so saving the thresholds later needs no key typed again.
    expect(await page.getByLabel('PagerDuty integration key').count()).toBe(0);
    expect(await page.content()).not.toContain('R0UT1NGKEY');
    expect((await ownerApi(sluice)('GET', '/delivery-alerts/settings')).body).toMatchObject({ webhook: { format: 'pagerduty' } });
    await form.getByRole('button', { name: 'Send a test alert' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Test incident triggered and resolved in PagerDuty (HTTP 202).');
    expect(pagerDuty.requests.map((r) => (r.body as { event_action: string; routing_key: string }).event_action)).toEqual(['trigger', 'resolve']);
    expect((pagerDuty.requests[0]!.body as { routing_key: string }).routing_key).toBe('R0UT1NGKEYabcdef0123456789abcdef');
    // Without the key the server refuses it, in its words, in the card.
    await page.getByLabel('Format').selectOption('pagerduty');
    await page.getByLabel('Replace the alert webhook URL').fill(`${pagerDuty.url}/v2/enqueue`);
    await form.getByRole('button', { name: 'Save alert settings' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('webhook.routingKey is missing');
    await form.getByRole('button', { name: 'Remove the webhook' }).click();
    await page.getByLabel('Also post alerts to a webhook (optional)').waitFor();
    expect((await ownerApi(sluice)('GET', '/delivery-alerts/settings')).body).toMatchObject({ webhook: null });

    // The detail page says alerts are off.
    await page.getByRole('link', { name: 'Fulfilment' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Delivery alerts' }).textContent()).toContain('Delivery alerts are off for this workspace');
  });

  it('does not offer the settings to a viewer, who still sees the alerts', async () => {
    const vic = { email: 'vic@example.com', name: 'Vic Viewer', role: 'viewer', password: 'a long enough password' };
    await addMember(sluice, vic);
    const viewer = await memberPage(browser, sluice, vic, errors);

    await viewer.getByRole('link', { name: 'Destinations' }).click();
    await expect.poll(() => viewer.getByRole('row', { name: /Fulfilment/ }).textContent()).toContain('enabled');
    expect(await settingsForm(viewer).count()).toBe(0);
    expect(await viewer.getByLabel('Failing at (% of attempts failed)').count()).toBe(0);
    await viewer.getByRole('link', { name: 'Fulfilment' }).click();
    await expect.poll(() => viewer.getByRole('table', { name: 'Delivery alert episodes' }).getByRole('row', { name: /resolved/ }).count()).toBe(1);
    expect(await viewer.getByRole('alert').count()).toBe(0);
    await viewer.context().close();
    expect(errors).toEqual([]);
  });
});
