import { Analytics } from '@segment/analytics-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, consoleBuildMissing, holdRequests, launchChromium } from './support/browser.js';
import { shot as docsShot } from './support/console-tabs.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
// `UPDATE_SCREENSHOTS=1 npx vitest run test/console-ui.integration.test.ts` refreshes docs/screenshots/.

describe.skipIf(skip)('console in headless Chromium against a real Sluice', { timeout: 90_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const shot = (name: string) => docsShot(page, name, 'viewport');

  beforeAll(async () => {
    sluice = await startTestSluice();
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => errors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('creates the owner account from the setup link, refuses a wrong password where it was typed, and logs in', async () => {
    await page.goto(`${sluice.url}/setup?token=${sluice.bootstrap.setupToken}`);
    await page.getByLabel('Your name').fill('Olivia Owner');
    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByLabel('Repeat the password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('link', { name: 'Olivia Owner' }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();

    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password').fill('wrong password!!');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Unknown email or wrong password');
    await shot('login');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.keyboard.press('Enter'); // keyboard-usable: Enter submits
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('heading', { name: 'Events received per minute' }).waitFor();
  });

  it('still logs in with a pasted API token, and refuses a wrong one', async () => {
    const other = await page.context().browser()!.newContext();
    const tab = await other.newPage();
    await tab.goto(sluice.url);
    await tab.getByRole('button', { name: 'Log in with an API token instead' }).click();
    await tab.getByLabel('API token').fill('not-a-token');
    await tab.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => tab.getByRole('alert').textContent()).toContain('unauthorized');
    await tab.getByLabel('API token').fill(sluice.token);
    await tab.getByRole('button', { name: 'Log in', exact: true }).click();
    await tab.getByRole('heading', { name: 'Overview' }).waitFor();
    await other.close();
  });

  let source: { id: string; writeKey: string };
  it('creates a source and shows its snippets', async () => {
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByLabel('New source name').fill('Web shop');
    await page.getByRole('button', { name: 'Create source' }).click();
    await page.getByRole('heading', { name: /Web shop/ }).waitFor();
    const writeKey = (await page.getByTestId('write-key').textContent())!;
    const id = new URL(page.url()).pathname.split('/').pop()!;
    source = { id, writeKey };
    const snippet = await page.locator('pre[aria-labelledby="snippet-js"]').textContent();
    expect(snippet).toContain(`"${sluice.url}/analytics.js/v1/"`);
    expect(snippet).toContain(`analytics.load("${writeKey}")`);
    expect(await page.locator('pre[aria-labelledby="snippet-node"]').textContent()).toContain(`host: "${sluice.url}"`);
    await shot('source');

    // Rename, and the list shows the new name.
    await page.getByLabel('Name', { exact: true }).fill('Web shop EU');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { name: /Web shop EU/ }).waitFor();
    await page.getByRole('link', { name: '← Sources' }).click();
    await page.getByRole('link', { name: 'Web shop EU' }).waitFor();
    await shot('sources');
  });

  it('streams events sent with analytics-node into the live debugger, and shows one event\'s JSON', async () => {
    await page.goto(`${sluice.url}/live/${source.id}`);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('live');
    const analytics = new Analytics({ writeKey: source.writeKey, host: sluice.url, flushAt: 1 });
    analytics.identify({ userId: 'ada', traits: { plan: 'pro' } });
    analytics.track({ userId: 'ada', event: 'Order Completed', properties: { total: 42 } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    const row = page.getByRole('button', { name: /Order Completed/ });
    await row.waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: /identify/ }).waitFor();
    await row.click();
    const json = await page.getByLabel('Raw event JSON').textContent();
    expect(JSON.parse(json!)).toMatchObject({ event: 'Order Completed', userId: 'ada', properties: { total: 42 }, sourceId: source.id });
    await shot('live');
    // An event the Tracking API rejects shows in the stream too, with why and the shape the app sent.
    const careless = new Analytics({ writeKey: source.writeKey, host: sluice.url, flushAt: 1, maxRetries: 0 });
    careless.track({ userId: 'ada', event: 'Refund Issued', timestamp: 'last tuesday' as unknown as Date, properties: { amount: 10 } });
    await careless.closeAndFlush({ timeout: 10_000 });
    const rejected = page.getByRole('button', { name: /rejected Refund Issued invalid_timestamp/ });
    await rejected.waitFor({ timeout: 15_000 });
    await rejected.click();
    const detail = page.getByLabel('Rejected: invalid_timestamp');
    expect(await detail.textContent()).toContain('is not an ISO-8601 date');
    // The messageId the library gave it, to find the call in the app's logs.
    expect(await detail.textContent()).toMatch(/Its messageId: node-next-\d+-[0-9a-f-]+ \(to find the call/);
    expect(JSON.parse((await detail.locator('pre').textContent()) ?? '')).toMatchObject({ event: 'string', timestamp: 'string', properties: { amount: 'number' } });
  });

  it('finds stored events with filters in the events browser', async () => {
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByLabel('Type').selectOption('track');
    await page.getByLabel('userId').fill('ada');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('button', { name: /Order Completed/ }).waitFor();
    // The unfiltered list may still be on screen for a moment: wait for the filtered one to replace it.
    await page.getByRole('button', { name: /identify/ }).first().waitFor({ state: 'detached', timeout: 15_000 });
    expect(await page.getByRole('button', { name: /identify/ }).count()).toBe(0);
    await page.getByRole('button', { name: /Order Completed/ }).click();
    await page.getByLabel('Raw event JSON').waitFor();
    await shot('events');
  });

  it('looks up a profile with its traits, consent and events', async () => {
    await page.getByRole('link', { name: 'Profiles' }).click();
    await page.getByLabel('userId, anonymousId or email').fill('ada');
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.getByLabel('Traits').textContent(), { timeout: 15_000 }).toContain('"plan": "pro"');
    await page.getByRole('heading', { name: 'Consent' }).waitFor();
    // The recorded consent is not all there is: it says what an event's own choice does.
    expect(await page.locator('#consent-per-event').textContent()).toContain('context.consent.categoryPreferences');
    await shot('profile');
  });

  it('edits consent categories, and the banner of every source shows the change', async () => {
    await page.getByRole('link', { name: 'Consent', exact: true }).click();
    await page.getByLabel('Category 3 description').fill('Counts visits so we can improve the shop.');
    await page.getByRole('button', { name: 'Save categories' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Categories saved');
    const body = (await (await fetch(`${sluice.url}/v1/consent/${source.writeKey}/categories`)).json()) as { categories: { id: string; description?: string }[] };
    expect(body.categories.find((c) => c.id === 'analytics')?.description).toBe('Counts visits so we can improve the shop.');
    // The categories' translations (the defaults come in every language the banner speaks) are kept by the save.
    expect(await page.getByLabel('Category 3 translations').textContent()).toBe('defresitnlpt');
    const german = (await (await fetch(`${sluice.url}/v1/consent/${source.writeKey}/categories?lang=de`)).json()) as { categories: { id: string; name: string }[] };
    expect(german.categories.find((c) => c.id === 'analytics')?.name).toBe('Statistik');
    // A bad edit is refused by the API and shown next to the categories.
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.getByRole('button', { name: 'Save categories' }).click();
    await page.getByRole('alert').first().waitFor();
    await shot('consent');
  });

  it('edits a category\'s translations: the banner shows the new wording in that language, and a cleared language falls back', async () => {
    await page.reload();
    const categories = async (lang: string) =>
      ((await (await fetch(`${sluice.url}/v1/consent/${source.writeKey}/categories?lang=${lang}`)).json()) as { categories: { id: string; name: string; description?: string }[] }).categories.find((c) => c.id === 'analytics')!;
    const english = await categories('en');
    await page.getByRole('button', { name: 'Edit the translations of category 3' }).click();
    await page.getByLabel('Category 3 name in German').fill('Besucherstatistik');
    await page.getByLabel('Category 3 description in German').fill('Zählt Besuche, damit wir den Shop verbessern können.');
    await page.getByLabel('Category 3 name in French').fill('');
    await page.getByLabel('Category 3 description in French').fill('');
    // A description with no name is pointed at in the language's row before anything is sent.
    await page.getByLabel('Category 3 description in Dutch').fill('Telt bezoeken.');
    await page.getByLabel('Category 3 name in Dutch').fill('');
    await page.getByRole('button', { name: 'Save categories' }).click();
    await expect.poll(() => page.locator('#category-problems').textContent()).toContain('Category 3, Dutch: enter the name too');
    expect(await page.getByLabel('Category 3 name in Dutch').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Category 3 name in Dutch').fill('Statistieken');
    await page.getByRole('button', { name: 'Save categories' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Categories saved');
    expect(await categories('de')).toMatchObject({ name: 'Besucherstatistik', description: 'Zählt Besuche, damit wir den Shop verbessern können.' });
    expect(await categories('nl')).toMatchObject({ name: 'Statistieken', description: 'Telt bezoeken.' });
    // French was cleared: the banner shows the category as written in the table.
    expect(await categories('fr')).toMatchObject({ name: english.name, description: english.description });
    await page.getByLabel('Category 3 name in German').scrollIntoViewIfNeeded();
    await shot('consent-translations');
    await page.getByRole('button', { name: 'Close the translations of category 3' }).click();
    expect(await page.getByLabel('Category 3 translations').textContent()).toBe('deesitnlpt');
  });

  it('points at the wrong category row and field before sending, in the table\'s own numbering', async () => {
    await page.reload();
    await page.getByLabel('Category 4 name').waitFor();
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.getByRole('button', { name: 'Save categories' }).click();
    const problems = page.locator('#category-problems');
    await expect.poll(() => problems.textContent()).toContain('Category 5: enter an id');
    expect(await problems.textContent()).toContain('Category 5: enter a name');
    expect(await problems.textContent()).not.toMatch(/body\/|anyOf|must NOT/);
    expect(await page.getByLabel('Category 5 id').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.getByLabel('Category 5 id').evaluate((el) => el === document.activeElement)).toBe(true);
    await page.getByLabel('Category 5 id').fill('has space');
    await page.getByLabel('Category 5 name').fill('Analytics');
    await page.getByRole('button', { name: 'Save categories' }).click();
    await expect.poll(() => problems.textContent()).toContain('Category 5: the id "has space" may hold only letters');
    expect(await problems.textContent()).toContain('"analytics" is already the id or name of category 3');
    await page.getByRole('button', { name: 'Remove category Analytics' }).nth(1).click();
    await page.getByRole('button', { name: 'Save categories' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Categories saved');

    // An age threshold outside 13-16 is refused next to the field, before anything is sent.
    await page.getByLabel('Children are under').fill('10');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('#age-hint').textContent()).toContain('enter a whole number from 13 to 16');
    expect(await page.getByLabel('Children are under').getAttribute('aria-invalid')).toBe('true');
    expect(await page.content()).not.toContain('body/ageThreshold');
    await page.getByLabel('Children are under').fill('16');
  });

  it('asks before lowering event retention or switching opt-in to opt-out, saying what happens', async () => {
    const settings = async () => (await (await fetch(`${sluice.url}/api/v1/privacy/settings`, { headers: { authorization: `Bearer ${sluice.token}` } })).json()) as { consentModel: string; eventRetentionDays: number | null };
    expect(await settings()).toMatchObject({ consentModel: 'opt-in', eventRetentionDays: 365 });
    await page.getByLabel('Keep events').selectOption('30');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm the privacy settings change' });
    await expect.poll(() => confirm.textContent()).toContain('365 days → 30 days');
    expect(await confirm.textContent()).toContain('deleted for good');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await settings()).toMatchObject({ eventRetentionDays: 365 });

    await page.getByLabel('Consent model').selectOption('opt-out');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => confirm.textContent()).toContain('opt-in → opt-out');
    expect(await confirm.textContent()).toContain('consenting to every optional category');
    expect(await confirm.textContent()).toContain('deleted for good');
    await page.keyboard.press('Enter'); // the confirm button has focus
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Privacy settings saved');
    expect(await settings()).toMatchObject({ consentModel: 'opt-out', eventRetentionDays: 30 });

    // Back: raising retention and opt-out -> opt-in lose nothing, so they save at once.
    await page.getByLabel('Consent model').selectOption('opt-in');
    await page.getByLabel('Keep events').selectOption('365');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(async () => (await settings()).consentModel).toBe('opt-in');
    expect(await settings()).toMatchObject({ eventRetentionDays: 365 });
    expect(await confirm.count()).toBe(0);

    // Where deletions go: every destination by default, or only those that received the person's data.
    expect(await page.getByLabel('Forward deletions to').inputValue()).toBe('all');
    await page.getByLabel('Forward deletions to').selectOption('recipients');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(async () => ((await settings()) as { deletionForwarding?: string }).deletionForwarding).toBe('recipients');
    await page.getByLabel('Forward deletions to').selectOption('all');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(async () => ((await settings()) as { deletionForwarding?: string }).deletionForwarding).toBe('all');

    // While a save is out the form is locked: its answer replaces the form, which would undo an edit made meanwhile.
    const hold = await holdRequests(page, '**/api/v1/privacy/settings', 'PATCH');
    try {
      await expect.poll(() => page.getByLabel('Forward deletions to').isEnabled()).toBe(true);
      await page.getByLabel('Forward deletions to').selectOption('recipients');
      await page.locator('#save-settings').click();
      await expect.poll(() => page.getByLabel('Forward deletions to').isDisabled()).toBe(true);
      expect(await page.locator('#save-settings').isDisabled()).toBe(true);
    } finally {
      hold.release();
    }
    await expect.poll(() => page.getByLabel('Forward deletions to').isEnabled()).toBe(true);
    await hold.stop();
    expect(await page.getByLabel('Forward deletions to').inputValue()).toBe('recipients');
    expect(((await settings()) as { deletionForwarding?: string }).deletionForwarding).toBe('recipients');
  });

  it('opens a privacy request and shows it in the queue with its deadline', async () => {
    await page.getByRole('link', { name: 'Privacy requests' }).click();
    await page.getByLabel('Type').selectOption('access');
    await page.getByLabel('Subject', { exact: true }).selectOption('userId');
    await page.getByLabel('Subject identifier').fill('ada');
    await page.getByRole('button', { name: 'Open request' }).click();
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(await page.locator('tbody').textContent()).toContain('userId: ada');
    await shot('privacy-requests');
  });

  it('shows the audit log of what was done', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => page.locator('tbody').textContent(), { timeout: 15_000 }).toContain('source.create');
    await shot('audit-log');
  });

  it('filters the audit log by the start of the action and by the member\'s email', async () => {
    await page.getByLabel('Action starts with').fill('privacy');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const actions = () => page.locator('tbody tr td:nth-child(3)').allTextContents();
    // The unfiltered list holds privacy_settings.update too: wait until the filtered answer replaced it.
    await expect.poll(async () => {
      const shown = await actions();
      return shown.includes('privacy_settings.update') && shown.every((a) => a.startsWith('privacy'));
    }).toBe(true);
    await page.getByLabel('Action starts with').fill('source');
    await page.getByLabel('Who').fill('OWNER@example.com');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(actions).toEqual(['source.update', 'source.create']);
    await page.getByLabel('Who').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No entries match.').waitFor();
  });

  it('draws the overview charts from real traffic', async () => {
    // One event the Tracking API rejects (no event name), so "Rejected by reason" has something to show.
    const bad = await fetch(`${sluice.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ batch: [{ type: 'track', userId: 'ada' }] }),
    });
    expect(bad.status).toBeGreaterThanOrEqual(200);
    await page.getByRole('link', { name: 'Overview' }).click();
    const chart = page.getByRole('img', { name: /Events received per minute/ });
    await chart.waitFor();
    await expect.poll(async () => Number(await page.locator('.stat-value').nth(1).textContent())).toBeGreaterThanOrEqual(2);
    expect(await chart.locator('rect.bar').count()).toBe(30);
    await page.getByRole('img', { name: /Rejected events/ }).waitFor({ timeout: 15_000 });
    // Events by source, last hour: the 2 analytics-node events and the 2 rejected ones of this source (live debugger test, and here).
    const row = page.getByTestId('events-by-source').getByRole('row', { name: /Web shop EU/ });
    await expect.poll(async () => (await row.getByRole('cell').allTextContents()).join(' '), { timeout: 20_000 }).toBe('2 2 0 0');
    await shot('overview');
    expect(errors).toEqual([]);
  });

  it("charts a source's events over time (received, rejected by reason) for the last hour and the last day", async () => {
    await page.goto(`${sluice.url}/sources/${source.id}`);
    const counters = page.getByTestId('source-counters');
    // The live-debugger test sent 2 events with analytics-node and 1 the Tracking API rejected; the overview test 1 more rejected.
    await expect.poll(() => counters.getByTestId('source-totals').textContent(), { timeout: 30_000 }).toBe(' 2 received 2 stored 2 rejected 0 dropped 0 withheld from a destination');
    const chart = counters.getByRole('img', { name: /per minute, last hour/ });
    await chart.waitFor();
    expect(await counters.getByRole('table', { name: 'Rejected by the Tracking API' }).textContent()).toContain('event_not_string1');
    // Why: what the client was told, and the rejected event's shape (its keys and their types, not its values).
    const why = page.getByTestId('source-rejections').getByLabel('Rejected: event_not_string');
    await why.waitFor({ timeout: 15_000 });
    expect(await why.getByRole('heading').textContent()).toContain('1 in 24 hours');
    expect(await why.textContent()).toContain('"event"');
    const shape = JSON.parse((await why.locator('pre').textContent()) ?? '') as unknown;
    expect(shape).toEqual({ type: 'string', userId: 'string' });
    await counters.getByRole('button', { name: 'Last 24 hours' }).click();
    const day = counters.getByRole('img', { name: /per 15 minutes, last 24 hours/ });
    await day.waitFor();
    // 96 quarter-hours; only the last one or two have events (one bar segment per kind with a count).
    const segments = await day.locator('rect').count();
    expect(segments).toBeGreaterThanOrEqual(2);
    expect(segments).toBeLessThanOrEqual(4);
    await shot('source-counters');
    expect(errors).toEqual([]);
  });

  it('asks before disabling a source, saying live traffic is refused, and then refuses it', async () => {
    const track = () =>
      fetch(`${sluice.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}` },
        body: JSON.stringify({ userId: 'ada', event: 'Still Here' }),
      });
    await page.goto(`${sluice.url}/sources/${source.id}`);
    await page.getByRole('button', { name: 'Disable source…' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm disabling Web shop EU' });
    expect(await confirm.textContent()).toContain('401 source_disabled');
    await page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    await expect.poll(() => page.getByRole('button', { name: 'Disable source…' }).evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await track()).status).toBe(200);

    await page.getByRole('button', { name: 'Disable source…' }).click();
    await confirm.getByRole('button', { name: 'Disable now' }).click();
    await page.getByRole('button', { name: 'Enable source' }).waitFor();
    const refused = await track();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('source_disabled');
    await page.getByRole('button', { name: 'Enable source' }).click();
    await page.getByRole('button', { name: 'Disable source…' }).waitFor();
    expect(errors).toEqual([]);
  });
});
