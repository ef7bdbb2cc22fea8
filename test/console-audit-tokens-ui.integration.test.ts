import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditExport } from '../src/accounts/audit-export-verify.js';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { api } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { addMember, memberPage, ownerPage } from './support/console-tabs.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing();

/** The console's audit log and API tokens pages as an admin reads them after a busy week, in headless Chromium. */
describe.skipIf(skip)('console audit log and tokens pages', { timeout: 90_000 }, () => {
  let sluice: TestSluice;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    sluice = await startTestSluice();
    browser = await launchChromium();
    page = await ownerPage(browser, sluice, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
  });

  it('reaches entries older than the first page with "Load older entries"', async () => {
    // The oldest change of the week, then more than a page (200) of newer ones.
    const first = await api<{ id: string }>(sluice.url, 'POST', '/sources', { token: sluice.token, body: { name: 'Oldest source of the week' } });
    expect(first.status).toBe(201);
    for (let i = 0; i < 210; i++) {
      expect((await api(sluice.url, 'PATCH', `/sources/${first.body.id}`, { token: sluice.token, body: { name: `Renamed ${i}` } })).status).toBe(200);
    }
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const creation = page.getByRole('row', { name: /source\.create .*Oldest source of the week/ });
    await page.getByRole('row', { name: /Renamed 209/ }).waitFor();
    expect(await creation.count()).toBe(0);
    await page.getByRole('button', { name: 'Load older entries' }).click();
    await creation.waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Load older entries' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('exports the whole log as a file that verifies offline', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    const region = page.getByRole('region', { name: 'Export the audit log' });
    expect(await region.textContent()).toContain('sluice audit verify --file');
    const [file] = await Promise.all([page.waitForEvent('download'), region.getByRole('button', { name: 'Export the whole log (NDJSON)' }).click()]);
    expect(file.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.ndjson$/);
    const text = readFileSync((await file.path())!, 'utf8');
    const result = verifyAuditExport(text);
    expect(result).toMatchObject({ ok: true, workspaceId: DEFAULT_WORKSPACE_ID, firstSeq: 1 });
    expect(result.entries).toBeGreaterThan(200);
    expect(errors).toEqual([]);
  });

  it('exports the entries the filters show as a file that verifies offline as far as it goes', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    const region = page.getByRole('region', { name: 'Export the audit log' });
    expect(await region.getByRole('button', { name: 'Export the filtered entries (NDJSON)' }).count()).toBe(0);
    await page.getByLabel('Action starts with').fill('source.create');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const [file] = await Promise.all([page.waitForEvent('download'), region.getByRole('button', { name: 'Export the filtered entries (NDJSON)' }).click()]);
    expect(file.suggestedFilename()).toMatch(/^audit-log-filtered-\d{4}-\d{2}-\d{2}\.ndjson$/);
    const result = verifyAuditExport(readFileSync((await file.path())!, 'utf8'));
    expect(result).toMatchObject({ ok: true, filtered: true, exportedWith: { filters: { action: 'source.create*' } } });
    expect(result.entries).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('answers a mistyped action with what it meant, showing no entries of the previous filters as if they matched', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action starts with').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('main table tbody tr').count()).toBeGreaterThan(0);
    await page.getByLabel('Action starts with').fill('sorce');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByText('Did you mean source.*?', { exact: false }).count()).toBe(1);
    expect(await page.locator('main table').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Load older entries' }).count()).toBe(0);
    await page.getByLabel('Action starts with').fill('source');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('main table tbody tr').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it("finds a member's entries by the member's id typed alone, and shows why an actor that fits no shape matches nothing", async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action starts with').fill('');
    const ownerActor = (await api<{ entries: { actor: string }[] }>(sluice.url, 'GET', '/audit-log?actor=member:*&limit=1', { token: sluice.token })).body.entries[0]?.actor;
    const ownerId = /^member:(\S+) /.exec(ownerActor ?? '')?.[1];
    expect(ownerId).toBeDefined();
    await page.getByLabel('Who').fill(`member:${ownerId}`);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('main table tbody tr').count()).toBeGreaterThan(0);
    expect(new Set(await page.locator('main table tbody tr td:nth-child(2)').allTextContents())).toEqual(new Set([ownerActor]));
    await page.getByLabel('Who').fill('member:not an actor');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByText('is not an actor Sluice records', { exact: false }).count()).toBe(1);
    expect(await page.locator('main table').count()).toBe(0);
    await page.getByLabel('Who').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('main table tbody tr').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('lists an expired token with the expired ones, not among the active tokens', async () => {
    await sluice.store.tokens.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Last quarter export', secret: 'expired-token-secret-0123456789', role: 'viewer', expiresAt: Date.now() - 86_400_000 });
    await sluice.store.tokens.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Nightly sync', secret: 'live-token-secret-0123456789', role: 'viewer', expiresAt: Date.now() + 30 * 86_400_000 });
    expect((await api(sluice.url, 'GET', '/sources', { token: 'expired-token-secret-0123456789' })).status).toBe(401);
    await page.getByRole('link', { name: 'API tokens' }).click();
    const active = page.getByRole('table', { name: 'Active tokens' });
    await active.getByRole('row', { name: /Nightly sync/ }).waitFor();
    expect(await active.getByRole('row', { name: /Last quarter export/ }).count()).toBe(0);
    await page.getByText('1 expired token').click();
    await page.getByText(/Last quarter export \(viewer\), expired/).waitFor();
    expect(errors).toEqual([]);
  });

  it("shows whose each token is and the role it acts with now, lowered with its member's", async () => {
    const grace = { email: 'grace@example.com', name: 'Grace', role: 'admin', password: 'grace admin password' };
    await addMember(sluice, grace);
    const graceId = (await api<{ members: { id: string; email: string }[] }>(sluice.url, 'GET', '/members', { token: sluice.token })).body.members.find((m) => m.email === grace.email)!.id;
    await sluice.store.tokens.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Grace deploy', secret: 'grace-deploy-secret-0123456789', role: 'admin', memberId: graceId });
    await api(sluice.url, 'PATCH', `/members/${graceId}`, { token: sluice.token, body: { role: 'viewer' } });
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'API tokens' }).click();
    const active = page.getByRole('table', { name: 'Active tokens' });
    const row = active.getByRole('row', { name: /Grace deploy/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("grace@example.comadmin (acts as viewer: grace@example.com's role)");
    expect(await active.getByRole('row', { name: /Nightly sync/ }).textContent()).toContain('no member (installation)');
    expect(errors).toEqual([]);
  });

  it("offers an admin only the roles they may grant, and no role change for an owner", async () => {
    const admin = { email: 'ada@example.com', name: 'Ada Admin', role: 'admin', password: 'ada admin password' };
    await addMember(sluice, admin);
    const tab = await memberPage(browser, sluice, admin, errors);
    await tab.getByRole('link', { name: 'API tokens' }).click();
    const tokenRoles = await tab.getByLabel('Role').locator('option').allTextContents();
    expect(tokenRoles).toEqual(['admin', 'privacy', 'engineer', 'viewer']);
    await tab.getByRole('link', { name: 'Members' }).click();
    const inviteRoles = await tab.locator('#invite-role option').allTextContents();
    expect(inviteRoles.map((r) => r.split(' ')[0])).toEqual(['admin', 'privacy', 'engineer', 'viewer']);
    // The owner's row shows the role without a select: an admin may not change an owner.
    await tab.getByLabel('Role of ada@example.com').waitFor();
    expect(await tab.getByLabel('Role of owner@example.com').count()).toBe(0);
    expect(await tab.getByRole('row', { name: /owner@example\.com/ }).getByText('owner', { exact: true }).count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
