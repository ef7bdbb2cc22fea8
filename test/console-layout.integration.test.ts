import { Analytics } from '@segment/analytics-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ownerApi } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, setUpOwner } from './support/browser.js';
import { RecordingServer } from './support/recording-server.js';
import { shot as docsShot } from './support/console-tabs.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();
const PHONE = { width: 375, height: 740 };
// `UPDATE_SCREENSHOTS=1 npx vitest run test/console-layout.integration.test.ts` refreshes docs/screenshots/phone-*.png.
const OWNER = { name: 'Olivia Owner-Longname', email: 'olivia.owner@example.com', password: 'correct horse battery' };

/**
 * The console on a phone-sized screen (375 x 740) with real data in every list, and the navigation of each
 * role: only the pages the role may use.
 */
describe.skipIf(skip)('console on a phone and per role, in headless Chromium', { timeout: 120_000 }, () => {
  let sluice: TestSluice;
  let hook: RecordingServer;
  let browser: Browser;
  let page: Page;
  let sourceId = '';
  let destinationId = '';
  const errors: string[] = [];

  /** Someone who joins from an invitation in their own browser, with the role given. */
  const joinAs = async (role: string, name: string, viewport = { width: 1366, height: 800 }) => {
    const invited = await api<{ inviteUrl: string }>(sluice.url, 'POST', '/members', { token: sluice.token, body: { email: `${role}@example.com`, name, role } });
    expect(invited.status, invited.text).toBe(201);
    const context = await browser.newContext({ viewport });
    const tab = await context.newPage();
    tab.setDefaultTimeout(15_000);
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(invited.body.inviteUrl.replace(/^https?:\/\/[^/]+/, sluice.url));
    await tab.getByLabel('Password', { exact: true }).fill('a long enough password');
    await tab.getByLabel('Repeat the password').fill('a long enough password');
    await tab.getByRole('button', { name: 'Join' }).click();
    await tab.getByRole('heading', { name: 'Overview' }).waitFor();
    return tab;
  };
  const shot = (name: string) => docsShot(page, name, 'viewport');
  const navLinks = (tab: Page) => tab.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();

  beforeAll(async () => {
    hook = await RecordingServer.start();
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    const owner = ownerApi(sluice);
    // Lists with long values in them, as a real workspace has.
    const source = await owner('POST', '/sources', { name: 'Marketing website (www.example.com, EU visitors)' });
    expect(source.status, source.text).toBe(201);
    sourceId = String(source.body.id);
    const destination = await owner('POST', '/destinations', { name: 'Order webhook for the fulfilment partner', type: 'webhook', config: { url: `${hook.url}/hooks/orders?tenant=acme-fulfilment-europe` } });
    expect(destination.status, destination.text).toBe(201);
    destinationId = String(destination.body.id);
    const analytics = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 1 });
    analytics.identify({ userId: 'ada-lovelace-0001', traits: { email: 'ada.lovelace@analytical-engines.example.com', plan: 'pro' } });
    analytics.track({ userId: 'ada-lovelace-0001', event: 'Order Completed With A Rather Long Event Name', properties: { total: 42 } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect((await owner('POST', '/privacy-requests', { type: 'access', subject: { email: 'ada.lovelace@analytical-engines.example.com' } })).status).toBe(201);
    expect((await owner('POST', '/members', { email: 'someone.with.a.long.address@subsidiary.example.com', name: 'Someone With A Long Name', role: 'engineer' })).status).toBe(201);
    expect((await owner('POST', '/tokens', { name: 'Continuous deployment (production cluster)', role: 'engineer' })).status).toBe(201);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: PHONE });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => errors.push(error.message));
    await setUpOwner(page, sluice.url, sluice.bootstrap.setupToken!, OWNER);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
    await hook?.close();
    expect(errors).toEqual([]);
  });

  it('fits every page into a 375 px wide screen: the page never scrolls sideways, a wide table scrolls in its own box', async () => {
    // Each page, and what shows that its data has been drawn.
    const pages: [string, () => Promise<void>][] = [
      ['/', () => page.getByRole('heading', { name: 'Events received per minute' }).waitFor()],
      ['/sources', () => page.getByRole('link', { name: /Marketing website/ }).waitFor()],
      [`/sources/${sourceId}`, () => page.getByRole('heading', { name: /Marketing website/ }).waitFor()],
      ['/destinations', () => page.getByRole('link', { name: /Order webhook/ }).first().waitFor()],
      [`/destinations/${destinationId}`, () => page.getByRole('heading', { name: /Order webhook/ }).waitFor()],
      ['/destinations/new', () => page.getByRole('link', { name: /Webhook/ }).first().waitFor()],
      ['/live', () => page.getByRole('heading', { level: 1 }).waitFor()],
      ['/events', () => page.getByRole('button', { name: /Order Completed/ }).first().waitFor()],
      ['/profiles/ada-lovelace-0001', () => page.getByRole('heading', { name: 'Consent' }).waitFor()],
      ['/privacy-requests', () => page.locator('tbody tr').first().waitFor()],
      ['/consent', () => page.getByRole('button', { name: 'Save categories' }).waitFor()],
      ['/reports', () => page.getByRole('heading', { name: 'Data flow' }).waitFor()],
      ['/policy', () => page.getByRole('heading', { level: 1 }).waitFor()],
      ['/members', () => page.getByRole('row', { name: /someone.with.a.long.address/ }).waitFor()],
      ['/tokens', () => page.getByRole('row', { name: /Continuous deployment/ }).waitFor()],
      ['/audit-log', () => page.getByRole('row', { name: /token.create/ }).first().waitFor()],
      ['/account', () => page.getByRole('heading', { name: 'Change password' }).waitFor()],
    ];
    const tooWide: string[] = [];
    for (const [path, drawn] of pages) {
      await page.goto(`${sluice.url}${path}`);
      await drawn();
      await page.waitForTimeout(300); // charts and late lists
      const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => {
        // For the failure message: the innermost elements reaching past the screen's right edge.
        const past = Array.from(document.body.querySelectorAll('*')).filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1);
        const innermost = past.filter((e) => !past.some((other) => other !== e && e.contains(other)));
        const describe = (e: Element) => `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).replace(/ /g, '.')}` : ''}`;
        return {
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          culprits: innermost.slice(0, 4).map((e) => `${e.parentElement ? describe(e.parentElement) : ''} > ${describe(e)} (${Math.round(e.getBoundingClientRect().right)}px)`),
        };
      });
      if (scrollWidth > innerWidth + 1) tooWide.push(`${path}: ${scrollWidth}px: ${culprits.join(', ')}`);
    }
    expect(tooWide).toEqual([]);

    // The members table is wider than the screen: it scrolls inside its box, and is still a table.
    await page.goto(`${sluice.url}/members`);
    const table = page.getByRole('table').filter({ hasText: 'someone.with.a.long.address' });
    await table.waitFor();
    const box = await table.evaluate((t) => ({ scrollWidth: t.scrollWidth, clientWidth: t.clientWidth, overflowX: getComputedStyle(t).overflowX }));
    expect(box.overflowX).toBe('auto');
    expect(box.scrollWidth).toBeGreaterThan(box.clientWidth);
    await shot('phone-members');
  });

  it('folds the navigation behind a Menu button, which opens it, closes on choosing a page, and works by keyboard', async () => {
    await page.goto(sluice.url);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const menu = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await nav.isVisible()).toBe(false);

    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    const members = nav.getByRole('link', { name: 'Members' });
    await members.waitFor();
    await shot('phone-menu');
    // Every item in full: none is cut off at the screen's edge.
    for (const link of await nav.getByRole('link').all()) {
      const box = (await link.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(await link.evaluate((a) => a.scrollWidth <= a.clientWidth)).toBe(true);
    }
    await members.click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await nav.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // Keyboard: Enter opens, Tab goes straight into the menu, Escape closes it and returns to the button.
    await menu.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Overview');
    await page.keyboard.press('Escape');
    expect(await nav.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Menu');
  });

  it('keeps the sidebar on a wide screen, with no Menu button', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    const wide = await context.newPage();
    await wide.goto(sluice.url);
    await wide.evaluate((token) => sessionStorage.setItem('sluice.token', token), sluice.token);
    await wide.reload();
    await wide.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await wide.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).isVisible()).toBe(true);
    expect(await wide.getByRole('button', { name: 'Menu' }).isVisible()).toBe(false);
    await context.close();
  });

  it('lets a member turn delivery-alert and product emails off for themselves, kept after a reload', async () => {
    await page.goto(`${sluice.url}/account`);
    const alerts = page.getByLabel(/Delivery alerts: email me/);
    expect(await alerts.isChecked()).toBe(true);
    expect(await page.getByLabel('Product emails').isChecked()).toBe(true);
    await alerts.uncheck();
    await page.getByRole('button', { name: 'Save notifications' }).click();
    await page.getByText('Email notifications saved.').waitFor();
    await page.reload();
    await page.getByLabel('Product emails').waitFor();
    expect(await page.getByLabel(/Delivery alerts: email me/).isChecked()).toBe(false);
    expect(await page.getByLabel('Product emails').isChecked()).toBe(true);
    // The owner's member record says so (what the delivery alerts read).
    const members = await ownerApi(sluice)('GET', '/members');
    const owner = (members.body.members as { email: string; deliveryAlertEmailsOptOut: boolean; productEmailsOptOut: boolean }[]).find((m) => m.email === OWNER.email);
    expect(owner).toMatchObject({ deliveryAlertEmailsOptOut: true, productEmailsOptOut: false });
  });

  it('shows a viewer only the pages their role can open', async () => {
    const viewer = await joinAs('viewer', 'Vera Viewer');
    expect(await navLinks(viewer)).toEqual(['Overview', 'Sources', 'Destinations', 'Live events', 'Events', 'Profiles', 'Privacy policy']);
    // A group with no page left is not shown.
    expect(await viewer.getByRole('navigation', { name: 'Main' }).getByRole('heading').allTextContents()).toEqual(['Data', 'Privacy']);
    // Delivery alerts are not emailed to viewers: their account page does not offer them.
    await viewer.goto(`${sluice.url}/account`);
    await viewer.getByLabel('Product emails').waitFor();
    expect(await viewer.getByLabel(/Delivery alerts/).count()).toBe(0);
    await viewer.context().close();
  });

  it('shows the privacy role the privacy pages, members and the audit log, but not API tokens', async () => {
    const dpo = await joinAs('privacy', 'Dana Privacy');
    expect(await navLinks(dpo)).toEqual(['Overview', 'Sources', 'Destinations', 'Live events', 'Events', 'Profiles', 'Privacy requests', 'Consent', 'Reports', 'Privacy policy', 'Members', 'Audit log']);
    await dpo.context().close();
  });
});
