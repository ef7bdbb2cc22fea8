import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, openConsoleAsOwner } from './support/browser.js';
import { ConsoleClient } from './support/console-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const OWNER = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };
const PASSWORD = 'a long enough password';

interface StoredDestination {
  name: string;
  consentCategories?: string[];
  filters: { if: string; action: string; percent?: number; properties?: string[] }[];
}

/**
 * A destination's settings form, in headless Chromium against a real Sluice: what the form sends is what the
 * user set, and nothing they did not touch or cannot see stops it from saving.
 */
describe.skipIf(skip)('console: a destination\'s settings form', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let owner: Page;
  const errors: string[] = [];

  const create = async (body: Record<string, unknown>): Promise<string> => {
    const created = await api<{ id: string }>(sluice.url, 'POST', '/destinations', { token: sluice.token, body: { type: 'webhook', config: { url: 'http://127.0.0.1:9/hook' }, ...body } });
    expect(created.status, created.text).toBe(201);
    return created.body.id;
  };
  const stored = async (id: string) => (await api<StoredDestination>(sluice.url, 'GET', `/destinations/${id}`, { token: sluice.token })).body;
  const open = async (page: Page, id: string) => {
    await page.goto(`${sluice.url}/destinations/${id}`);
    await page.getByRole('form', { name: 'Webhook destination settings' }).waitFor();
  };
  const save = async (page: Page) => {
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
  };

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    browser = await launchChromium();
    owner = await openConsoleAsOwner(browser, sluice, OWNER, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('lets an engineer rename a destination whose consent categories were set to none, and keeps them set to none', async () => {
    const id = await create({ name: 'No consent needed', consentCategories: [] });
    const invited = await api<{ inviteToken: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: 'eve@example.com', name: 'Eve Engineer', role: 'engineer' } });
    expect(invited.status, invited.text).toBe(201);
    expect((await new ConsoleClient(sluice.url).call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: PASSWORD })).status).toBe(200);
    const engineer = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    engineer.setDefaultTimeout(15_000);
    engineer.on('pageerror', (error) => errors.push(error.message));
    await engineer.goto(sluice.url);
    await engineer.getByLabel('Email').fill('eve@example.com');
    await engineer.getByLabel('Password').fill(PASSWORD);
    await engineer.getByRole('button', { name: 'Log in', exact: true }).click();
    await engineer.getByRole('heading', { name: 'Overview' }).waitFor();

    await open(engineer, id);
    await engineer.getByLabel('Destination name').fill('Renamed by Eve');
    await save(engineer);
    const after = await stored(id);
    expect(after.name).toBe('Renamed by Eve');
    expect(after.consentCategories).toEqual([]);
    await engineer.context().close();
  });

  it('forgets a sample filter\'s percent when its action becomes "drop the event", so it saves', async () => {
    const id = await create({ name: 'Sampled hook' });
    await open(owner, id);
    await owner.getByRole('button', { name: 'Add filter' }).click();
    await owner.getByLabel('Filter 1 condition').fill('type = "page"');
    await owner.getByLabel('Filter 1 action').selectOption('sample');
    await owner.getByLabel('Percent kept').fill('10');
    await owner.getByLabel('Filter 1 action').selectOption('drop');
    await save(owner);
    expect((await stored(id)).filters).toEqual([{ if: 'type = "page"', action: 'drop' }]);
  });

  it('names a filter and keeps it switched off, then on again, as saved', async () => {
    const id = await create({ name: 'Labelled hook' });
    await open(owner, id);
    await owner.getByRole('button', { name: 'Add filter' }).click();
    await owner.getByLabel('Filter 1 condition').fill('event = "Debug"');
    await owner.getByLabel('Filter 1 name (optional)').fill('No debug events');
    await owner.getByLabel(/Filter 1 applied/).uncheck();
    await owner.getByLabel('Filter 1 action').selectOption('sample');
    await owner.getByLabel('Percent kept').fill('10');
    await save(owner);
    expect((await stored(id)).filters).toEqual([{ if: 'event = "Debug"', action: 'sample', percent: 10, name: 'No debug events', enabled: false }]);
    await open(owner, id);
    expect(await owner.getByLabel('Filter 1 name (optional)').inputValue()).toBe('No debug events');
    expect(await owner.getByLabel(/Filter 1 applied/).isChecked()).toBe(false);
    await owner.getByLabel(/Filter 1 applied/).check();
    await owner.getByLabel('Filter 1 name (optional)').fill('');
    await save(owner);
    expect((await stored(id)).filters).toEqual([{ if: 'event = "Debug"', action: 'sample', percent: 10 }]);
  });

  it('takes several fields typed one key at a time in "remove these fields"', async () => {
    const id = await create({ name: 'Trimmed hook' });
    await open(owner, id);
    await owner.getByRole('button', { name: 'Add filter' }).click();
    await owner.getByLabel('Filter 1 condition').fill('event = "Signed Up"');
    await owner.getByLabel('Filter 1 action').selectOption('drop_properties');
    const fields = owner.getByLabel('Fields (comma-separated)');
    await fields.pressSequentially('properties.email, traits.phone');
    expect(await fields.inputValue()).toBe('properties.email, traits.phone');
    await save(owner);
    expect((await stored(id)).filters).toEqual([{ if: 'event = "Signed Up"', action: 'drop_properties', properties: ['properties.email', 'traits.phone'] }]);
  });

  it('keeps what is being typed in the settings when the destination is disabled and enabled meanwhile', async () => {
    const id = await create({ name: 'Toggled hook' });
    await open(owner, id);
    await owner.getByLabel('Destination name').fill('Typed, not saved yet');
    await owner.getByRole('button', { name: 'Add filter' }).click();
    await owner.getByLabel('Filter 1 condition').fill('event = "Typed"');
    await owner.getByRole('button', { name: 'Disable', exact: true }).click();
    await expect.poll(() => owner.getByRole('heading', { name: /Toggled hook/ }).textContent()).toContain('disabled');
    expect(await owner.getByLabel('Destination name').inputValue()).toBe('Typed, not saved yet');
    expect(await owner.getByLabel('Filter 1 condition').inputValue()).toBe('event = "Typed"');
    await owner.getByRole('button', { name: 'Enable', exact: true }).click();
    await expect.poll(() => owner.getByRole('heading', { name: /Toggled hook/ }).textContent()).toContain('enabled');
    expect(await owner.getByLabel('Destination name').inputValue()).toBe('Typed, not saved yet');
    // Saving still shows what was saved.
    await save(owner);
    expect((await stored(id)).name).toBe('Typed, not saved yet');
    await expect.poll(() => owner.getByRole('heading', { level: 1 }).textContent()).toContain('Typed, not saved yet');
    expect(await owner.getByLabel('Filter 1 condition').inputValue()).toBe('event = "Typed"');
  });

  it('removes a stored optional secret when asked, and keeps the other secrets', async () => {
    const id = await create({ name: 'Signed hook', config: { url: 'http://127.0.0.1:9/hook', signingSecret: 'old-signing-secret', headers: { 'X-Api-Key': 'header-key-1' } } });
    await open(owner, id);
    // A required secret cannot be removed, only replaced; the URL is not a secret of the webhook.
    expect(await owner.getByLabel('Remove the stored url when saving').count()).toBe(0);
    await owner.getByLabel('Remove the stored signingSecret when saving').check();
    expect(await owner.getByLabel(/^signingSecret/).isDisabled()).toBe(true);
    await save(owner);
    const after = await api<{ config: Record<string, unknown> }>(sluice.url, 'GET', `/destinations/${id}`, { token: sluice.token });
    expect(after.body.config).toEqual({ url: 'http://127.0.0.1:9/hook', headers: '********' });
    await expect.poll(() => owner.getByLabel('Remove the stored signingSecret when saving').count()).toBe(0);
    expect(await owner.getByLabel('Remove the stored headers when saving').isChecked()).toBe(false);
  });

  it('shows the consent categories a destination was given by name or in another case as checked, and unchecks them', async () => {
    const id = await create({ name: 'Gated hook', consentCategories: ['Analytics', 'ADVERTISING'] });
    await open(owner, id);
    const analytics = owner.locator('#consent-analytics');
    await expect.poll(() => analytics.isChecked()).toBe(true);
    expect(await owner.locator('#consent-advertising').isChecked()).toBe(true);
    expect(await owner.locator('#consent-functional').isChecked()).toBe(false);
    await analytics.uncheck();
    await save(owner);
    expect((await stored(id)).consentCategories).toEqual(['ADVERTISING']);
  });

  it('says so when no source is checked, since the destination would then receive nothing', async () => {
    const id = await create({ name: 'Sourced hook' });
    await open(owner, id);
    const warning = owner.getByText('No source is checked: this destination will receive no events.');
    expect(await warning.count()).toBe(0);
    await owner.getByLabel('Every source of the workspace (now and later)').uncheck();
    await warning.waitFor();
    await owner.getByLabel('Default source').check();
    await expect.poll(() => warning.count()).toBe(0);
  });

  it('keeps the replay range ending now while the page stays open, until an end is picked', async () => {
    const id = await create({ name: 'Replayed hook' });
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => errors.push(error.message));
    await page.clock.install();
    await page.goto(sluice.url);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await open(page, id);
    const to = page.getByLabel('To', { exact: true });
    const first = Date.parse(await to.inputValue());
    await page.clock.fastForward('20:00');
    await expect.poll(async () => Date.parse(await to.inputValue()) - first).toBeGreaterThanOrEqual(19 * 60_000);
    // A picked end stays.
    await to.fill('2026-01-02T03:04');
    await page.clock.fastForward('01:00');
    expect(await to.inputValue()).toBe('2026-01-02T03:04');
    await context.close();
  });

  it('pages the delivery log: the 100 newest first, then "Load older deliveries" for the rest', async () => {
    const receiver: Server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200).end('{}'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      const id = await create({ name: 'Busy hook', config: { url: `http://127.0.0.1:${port}/in` } });
      await sendTracking(sluice.url, sluice.writeKey, 'batch', { batch: Array.from({ length: 105 }, (_, i) => ({ type: 'track', userId: 'pager', event: 'Paged', messageId: `paged-${i}` })) });
      await eventually(async () => {
        const log = await api<{ deliveries: { status: string }[] }>(sluice.url, 'GET', `/destinations/${id}/deliveries?status=delivered&limit=1000`, { token: sluice.token });
        return log.body.deliveries.length === 105 ? true : undefined;
      });
      await owner.goto(`${sluice.url}/destinations/${id}`);
      const rows = owner.getByRole('table', { name: 'Delivery log' }).getByRole('row');
      await expect.poll(() => rows.count()).toBe(101); // the header and the 100 newest
      await owner.getByRole('button', { name: 'Load older deliveries' }).click();
      await expect.poll(() => rows.count()).toBe(106);
      const shown = await owner.getByRole('table', { name: 'Delivery log' }).locator('tbody code').allTextContents();
      expect(new Set(shown.filter((t) => t.startsWith('paged-'))).size).toBe(105);
      expect(await owner.getByRole('button', { name: 'Load older deliveries' }).count()).toBe(0);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
    expect(errors).toEqual([]);
  });
});
