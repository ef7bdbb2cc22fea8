import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { addMember, memberPage, OWNER, ownerPage, shot } from './support/console-tabs.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
// `UPDATE_SCREENSHOTS=1 npx vitest run test/console-delivery-alert-mutes-ui.integration.test.ts` refreshes docs/screenshots/delivery-alerts-muted.png.

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

  it('stops saying "muted" on the open list and page once a mute ends, without a reload', async () => {
    const ending = await createWebhook(sluice, servers, 'Short mute');
    const until = new Date(Date.now() + 4_000).toISOString();
    expect((await ownerApi(sluice)('PUT', `/delivery-alerts/mutes/${ending.id}`, { until })).status).toBe(200);
    await page.goto(`${sluice.url}/destinations`);
    await expect.poll(() => row(page, 'Short mute').textContent()).toContain('Alerts muted until');
    // The mute ends about 4 s after it was set; the list reads the mutes again a second later, by itself.
    await expect.poll(() => row(page, 'Short mute').textContent(), { timeout: 10_000 }).not.toContain('muted');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(until));

    expect((await ownerApi(sluice)('PUT', `/delivery-alerts/mutes/${ending.id}`, { until: new Date(Date.now() + 4_000).toISOString() })).status).toBe(200);
    await page.getByRole('link', { name: 'Short mute' }).click();
    await expect.poll(() => card(page).getByRole('status').textContent()).toMatch(/^Alerts muted until/);
    await muteForm(page).waitFor({ timeout: 10_000 });
    expect(await card(page).getByRole('button', { name: 'Unmute' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
