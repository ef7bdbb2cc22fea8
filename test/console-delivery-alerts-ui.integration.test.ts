import { mkdirSync } from 'node:fs';
import pino from 'pino';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryAlerts } from '../src/alerts/delivery-alerts.js';
import { DevelopmentOutbox } from '../src/mail/development-outbox.js';
import { api, ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, setUpOwner } from './support/browser.js';
import { ConsoleClient } from './support/console-client.js';
import { createWebhook, deliveriesOf } from './support/destinations.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
/** `UPDATE_SCREENSHOTS=1 npx vitest run test/console-delivery-alerts-ui.integration.test.ts` refreshes docs/screenshots/delivery-alerts-*.png. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? new URL('../docs/screenshots/', import.meta.url) : undefined;
const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };

/** A screenshot into docs/screenshots when refreshing them: the full page, or only `part` of it. */
async function shot(page: Page, name: string, part?: Locator): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = new URL(`${name}.png`, SCREENSHOTS).pathname;
  await (part ? part.screenshot({ path }) : page.screenshot({ path, fullPage: true }));
}

/** A tab of the console logged in as the owner, its page errors collected. */
async function ownerPage(browser: Browser, sluice: TestSluice, errors: string[]): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => errors.push(error.message));
  await setUpOwner(page, sluice.url, sluice.bootstrap.setupToken!, OWNER);
  return page;
}

/** A tab of the console logged in through the login form as a member who has a password (`options`: its time zone). */
async function memberPage(browser: Browser, sluice: TestSluice, member: { email: string; password: string }, errors: string[], options: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, ...options })).newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(sluice.url);
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return page;
}

/** Invites a member with `role` through the admin API and accepts the invitation with a password. */
async function addMember(sluice: TestSluice, member: { email: string; name: string; role: string; password: string }): Promise<void> {
  const invited = await api<{ inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: member.email, name: member.name, role: member.role } });
  expect(invited.status, invited.text).toBe(201);
  expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: member.password })).status).toBe(200);
}

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

interface MuteRow {
  destinationId: string;
  destinationName: string | null;
  until: string;
}

interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
}

const DAY = 86_400_000;

/**
 * Muting a destination's alerts in the console, against a real Sluice whose jobs role checks every second: a webhook
 * muted for a day from its page then fails for real; its episode is recorded, nobody is emailed until it is unmuted.
 * Another is muted until a time typed in a tab whose clock is in Kolkata (UTC+5:30), and seen muted by a viewer.
 */
describe.skipIf(skip)("console mutes a destination's alerts and shows what is muted", { timeout: 60_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const servers: RecordingServer[] = [];
  const errors: string[] = [];
  let crm: { id: string; server: RecordingServer };
  let search: { id: string; server: RecordingServer };

  const row = (tab: Page, name: string) => tab.getByRole('table').first().getByRole('row', { name: new RegExp(name) });
  const card = (tab: Page) => tab.getByRole('region', { name: 'Delivery alerts' });
  const muteForm = (tab: Page) => tab.getByRole('form', { name: 'Mute alerts' });
  const episodes = (tab: Page) => tab.getByRole('table', { name: 'Delivery alert episodes' });
  const mutesNow = async () => (await ownerApi(sluice)('GET', '/delivery-alerts/mutes')).body.mutes as MuteRow[];
  const failingEmails = async () => ((await ownerApi(sluice)('GET', '/outbox')).body.messages as OutboxMessage[]).filter((m) => m.subject === 'Destination "CRM sync" is failing');
  /** The end of a mute as the tab's own locale and time zone write it (what the console shows). */
  const shownUntil = (tab: Page, iso: string) => tab.evaluate((at) => new Date(at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }), iso);

  beforeAll(async () => {
    // Destinations checked every second (default a minute).
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '1' });
    crm = await createWebhook(sluice, servers, 'CRM sync');
    search = await createWebhook(sluice, servers, 'Search index');
    browser = await launchChromium();
    page = await ownerPage(browser, sluice, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    await sluice?.stop();
  });

  it('mutes a destination for a day from its page: the API has it 24 hours ahead, and the card and the list say so, after a reload too', async () => {
    await page.getByRole('link', { name: 'Destinations' }).click();
    await page.getByRole('link', { name: 'CRM sync' }).click();
    await muteForm(page).waitFor();
    expect(await card(page).textContent()).not.toContain('muted until');
    expect(await page.getByLabel('How long').locator('option').allTextContents()).toEqual(['1 hour', '1 day', '1 week', 'until…']);
    await page.getByLabel('How long').selectOption({ label: '1 day' });
    const before = Date.now();
    await muteForm(page).getByRole('button', { name: 'Mute alerts' }).click();
    await card(page).getByRole('button', { name: 'Unmute' }).waitFor();
    const after = Date.now();

    const mutes = await mutesNow();
    expect(mutes).toEqual([{ destinationId: crm.id, destinationName: 'CRM sync', until: expect.any(String) }]);
    const until = Date.parse(mutes[0]!.until);
    expect(until).toBeGreaterThanOrEqual(before + DAY);
    expect(until).toBeLessThanOrEqual(after + DAY);
    const shown = `Alerts muted until ${await shownUntil(page, mutes[0]!.until)}`;
    const note = `${shown} — nobody is emailed or posted to; episodes are still recorded, and one still open when the mute ends is told then.`;
    expect(await card(page).getByRole('status').textContent()).toBe(note);
    expect(await muteForm(page).count()).toBe(0);
    await page.reload();
    await expect.poll(() => card(page).getByRole('status').textContent()).toBe(note);
    expect(await card(page).getByRole('button', { name: 'Unmute' }).count()).toBe(1);

    await page.getByRole('link', { name: '← Destinations' }).click();
    await expect.poll(() => row(page, 'CRM sync').textContent()).toContain(shown);
    expect(await row(page, 'Search index').textContent()).not.toContain('muted');
    await page.reload();
    await expect.poll(() => row(page, 'CRM sync').textContent()).toContain(shown);
    expect(await row(page, 'Search index').textContent()).not.toContain('muted');
  });

  it('records the episode of the muted destination when it fails for real, shows it not told, and emails nobody', async () => {
    crm.server.respond = () => ({ status: 500, body: 'crm down' });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 8 }, (_, i) => ({ type: 'track', userId: `lead-${i}`, event: 'Lead Created', messageId: `mute-ui-${i}` })),
    });
    const opened = await eventually(async () => {
      const open = (await ownerApi(sluice)('GET', `/delivery-alerts?status=open&destinationId=${crm.id}`)).body.alerts as { kind: string; notifiedAt: string | null }[];
      return open.length > 0 ? open : undefined;
    });
    expect(opened).toEqual([expect.objectContaining({ kind: 'failing', notifiedAt: null })]);
    await expect.poll(() => search.server.events().length).toBe(8);

    await page.reload();
    await row(page, 'CRM sync').getByText(/^Failing since /).waitFor();
    await expect.poll(() => row(page, 'CRM sync').textContent()).toContain('Alerts muted until');
    await page.getByRole('link', { name: 'CRM sync' }).click();
    const open = episodes(page).getByRole('row', { name: /failing/ });
    await open.waitFor();
    expect(await open.textContent()).toContain('Still failing');
    expect(await open.textContent()).toContain('Not told: alerts were muted; will be told if still open when the mute ends.');
    expect(await failingEmails()).toEqual([]);
    await shot(page, 'delivery-alerts-muted', card(page));
  });

  it('unmutes: the API has no mute, the card offers Mute alerts again, and the episode still open is emailed then, once', async () => {
    await card(page).getByRole('button', { name: 'Unmute' }).click();
    await muteForm(page).waitFor();
    expect(await card(page).getByRole('status').count()).toBe(0);
    expect(await mutesNow()).toEqual([]);

    const [told] = await eventually(async () => {
      const found = await failingEmails();
      return found.length > 0 ? found : undefined;
    });
    expect(told!.to).toBe(OWNER.email);
    // Told late, saying so: no email went out when it opened while muted.
    expect(told!.text).toMatch(/^This began at .* UTC, while alerts for this destination were muted; the mute has ended and it is still so\./);
    expect(await failingEmails()).toHaveLength(1);
    await page.reload();
    const open = episodes(page).getByRole('row', { name: /failing/ });
    await open.waitFor();
    expect(await open.textContent()).toContain('Still failing');
    expect(await open.textContent()).not.toContain('Not told');

    await page.getByRole('link', { name: '← Destinations' }).click();
    await row(page, 'CRM sync').getByText(/^Failing since /).waitFor();
    expect(await row(page, 'CRM sync').textContent()).not.toContain('muted');
    // Deleted: its open episode ends without a message, so nothing of it reaches the tests below.
    expect((await ownerApi(sluice)('DELETE', `/destinations/${crm.id}`)).status).toBe(204);
  });

  it("refuses an \"until…\" time in the past in the server's words, and mutes until a time typed in the browser's time zone", async () => {
    const kolkata = await memberPage(browser, sluice, OWNER, errors, { timezoneId: 'Asia/Kolkata' });
    await kolkata.getByRole('link', { name: 'Destinations' }).click();
    await kolkata.getByRole('link', { name: 'Search index' }).click();
    await muteForm(kolkata).waitFor();
    await kolkata.getByLabel('How long').selectOption({ label: 'until…' });
    const field = kolkata.getByLabel('Until (your time)');
    // 03:04 in Kolkata (UTC+5:30) is 21:34 UTC the day before.
    await field.fill('2020-01-02T03:04');
    await muteForm(kolkata).getByRole('button', { name: 'Mute alerts' }).click();
    await expect.poll(() => card(kolkata).getByRole('alert').textContent()).toContain('until (2020-01-01T21:34:00.000Z) is not in the future: give a later time for the mute to end');
    expect(await mutesNow()).toEqual([]);
    expect(await muteForm(kolkata).count()).toBe(1);

    // Two days ahead, to the minute, as a clock in Kolkata reads it.
    const target = new Date(Math.floor((Date.now() + 2 * DAY) / 60_000) * 60_000);
    await field.fill(new Date(target.getTime() + 5.5 * 3600_000).toISOString().slice(0, 16));
    await muteForm(kolkata).getByRole('button', { name: 'Mute alerts' }).click();
    await card(kolkata).getByRole('button', { name: 'Unmute' }).waitFor();
    expect(await card(kolkata).getByRole('alert').count()).toBe(0);
    expect(await mutesNow()).toEqual([{ destinationId: search.id, destinationName: 'Search index', until: target.toISOString() }]);
    expect(await card(kolkata).getByRole('status').textContent()).toContain(`Alerts muted until ${await shownUntil(kolkata, target.toISOString())} — `);
    await kolkata.context().close();
  });

  it("sets a destination's own thresholds, shows them as its own after a reload, gives one back to the workspace's, and shows the server's refusal", async () => {
    const form = page.getByRole('form', { name: 'Thresholds for this destination' });
    const failure = form.getByLabel('Failing at (% failed, this destination)');
    const behind = form.getByLabel('Falling behind after (minutes, this destination)');
    const thresholdsNow = async () => (await ownerApi(sluice)('GET', `/delivery-alerts/destinations/${search.id}`)).body;
    await page.getByRole('link', { name: 'Destinations' }).click();
    await page.getByRole('link', { name: 'Search index' }).click();
    await expect.poll(() => failure.inputValue()).toBe('50');
    expect(await behind.inputValue()).toBe('30');
    expect(await page.locator('#dt-failure-hint').textContent()).toBe("The workspace's");
    expect(await page.locator('#dt-behind-hint').textContent()).toBe("The workspace's");
    expect(await form.getByRole('button', { name: /^Use the workspace's/ }).count()).toBe(0);
    expect(await card(page).textContent()).toContain('at least 50% of its delivery attempts');

    await failure.fill('10');
    await behind.fill('5');
    await form.getByRole('button', { name: 'Save thresholds' }).click();
    await expect.poll(() => page.locator('#dt-failure-hint').textContent()).toBe("This destination's own (the workspace's: 50%)");
    expect(await thresholdsNow()).toEqual({ destinationId: search.id, failurePercent: 10, behindMinutes: 5, own: { failurePercent: 10, behindMinutes: 5 } });
    // The workspace's own settings are untouched; the card's intro uses the destination's.
    expect((await ownerApi(sluice)('GET', '/delivery-alerts/settings')).body).toMatchObject({ failurePercent: 50, behindMinutes: 30 });
    await expect.poll(() => card(page).textContent()).toContain('at least 10% of its delivery attempts');
    expect(await card(page).textContent()).toContain('has been waiting 5 minutes; it has caught up when nothing has been waiting 2.5 minutes or longer.');

    await page.reload();
    await expect.poll(() => failure.inputValue()).toBe('10');
    expect(await behind.inputValue()).toBe('5');
    expect(await page.locator('#dt-failure-hint').textContent()).toBe("This destination's own (the workspace's: 50%)");
    expect(await page.locator('#dt-behind-hint').textContent()).toBe("This destination's own (the workspace's: 30 minutes)");

    await form.getByRole('button', { name: "Use the workspace's failure percentage" }).click();
    await expect.poll(() => page.locator('#dt-failure-hint').textContent()).toBe("The workspace's");
    expect(await thresholdsNow()).toEqual({ destinationId: search.id, failurePercent: 50, behindMinutes: 5, own: { behindMinutes: 5 } });
    expect(await failure.inputValue()).toBe('50');
    expect(await form.getByRole('button', { name: "Use the workspace's failure percentage" }).count()).toBe(0);
    expect(await form.getByRole('button', { name: "Use the workspace's falling-behind minutes" }).count()).toBe(1);
    await expect.poll(() => card(page).textContent()).toContain('at least 50% of its delivery attempts');

    // The browser refuses 1441 itself (max 1440); a value it let through and the server refused is shown like this.
    await behind.fill('1441');
    expect(await behind.evaluate((input) => (input as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect(await form.evaluate((f) => (f as HTMLFormElement).checkValidity())).toBe(false);
    await behind.fill('20');
    await page.route('**/api/v1/delivery-alerts/destinations/*', (route) =>
      route.request().method() === 'PUT' ? route.continue({ postData: JSON.stringify({ behindMinutes: 1441 }) }) : route.continue(),
    );
    await form.getByRole('button', { name: 'Save thresholds' }).click();
    await expect.poll(() => card(page).getByRole('alert').textContent()).toContain("behindMinutes must be at most 1440 (a whole number of minutes from 1 to 1440, or null for the workspace's)");
    expect(await card(page).getByRole('alert').textContent()).toContain('validation_failed');
    await page.unroute('**/api/v1/delivery-alerts/destinations/*');
    expect((await thresholdsNow()).own).toEqual({ behindMinutes: 5 });
  });

  it('shows a viewer the muted state on the list and the page, but no Mute or Unmute button', async () => {
    const vera = { email: 'vera@example.com', name: 'Vera Viewer', role: 'viewer', password: 'a long enough password' };
    await addMember(sluice, vera);
    const viewer = await memberPage(browser, sluice, vera, errors);
    await viewer.getByRole('link', { name: 'Destinations' }).click();
    await expect.poll(() => row(viewer, 'Search index').textContent()).toContain('Alerts muted until');
    await viewer.getByRole('link', { name: 'Search index' }).click();
    await expect.poll(() => card(viewer).getByRole('status').textContent()).toMatch(/^Alerts muted until .+ — nobody is emailed or posted to; episodes are still recorded/);
    expect(await viewer.getByRole('button', { name: 'Unmute' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Mute alerts' }).count()).toBe(0);
    expect(await muteForm(viewer).count()).toBe(0);
    // The destination's thresholds (its own falling-behind limit, set above): the values and where they come from, nothing to change them.
    const thresholds = card(viewer).getByRole('group', { name: 'Thresholds for this destination' });
    await expect.poll(() => thresholds.textContent()).toContain("Falling behind after (minutes)5 minutes This destination's own (the workspace's: 30 minutes)");
    expect(await thresholds.textContent()).toContain("Failing at (% failed)50% The workspace's");
    expect(await card(viewer).getByRole('spinbutton').count()).toBe(0);
    expect(await card(viewer).getByRole('button', { name: /Use the workspace's|Save thresholds/ }).count()).toBe(0);
    expect(await viewer.getByRole('alert').count()).toBe(0);
    await viewer.context().close();

    // Done with it (and with the mute).
    expect((await ownerApi(sluice)('DELETE', `/destinations/${search.id}`)).status).toBe(204);
    expect(errors).toEqual([]);
  });
});
