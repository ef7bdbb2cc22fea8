import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { addMember, memberPage, ownerPage } from './support/console-tabs.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const skip = chromiumMissing() || consoleBuildMissing() || !(await postgresAvailable()) || !(await natsAvailable());
/** The processing alert's limit here: short, but long enough that the episode cannot open before the test looks. */
const LIMIT_MS = 5_000;
const VIEWER = { email: 'vic@example.com', name: 'Vic Viewer', role: 'viewer', password: 'a long enough password' };

interface PipelineAlertRow {
  status: string;
  backlog: number;
  waitingSince: string;
  resolution: string | null;
}

/**
 * Processing falling behind, end to end, in scale mode (PostgreSQL and JetStream): a real Sluice runs the ingest, api
 * and jobs roles, and no process runs the processor role (as when a deployment forgets to start one), so accepted
 * events stay in the inbox. Its jobs role checks every second, with the limit set to a few seconds through the
 * configuration object (SLUICE_PROCESSING_ALERT_MINUTES takes whole minutes, and waiting a real minute made this the
 * slowest file of the suite): the test waits that limit out for real, then finds the email, the API's episode and the
 * console's banner and history card (headless Chromium), as the owner and as a viewer. Then it starts the missing processor, a second Sluice on the
 * same database and queue: the inbox drains, the episode ends, and the open overview shows it ended without a reload.
 * Beside it, the overview's Role alerts card: a role alert episode of the missing processor (put in the store, since
 * waiting out the 5 minutes is too long here) listed open, then ended by this Sluice's own check once the processor runs.
 */
describe.skipIf(skip)('processing falling behind, with no processor running', { timeout: 150_000 }, () => {
  let schema: TestSchema;
  const prefix = uniqueQueuePrefix('palert_ui');
  let env: Record<string, string>;
  let sluice: TestSluice;
  let processor: TestSluice | undefined;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const banner = (tab: Page) => tab.getByRole('alert', { name: 'Processing is behind' });
  const card = (tab: Page) => tab.getByRole('region', { name: 'Processing alerts' });
  const rolesBanner = (tab: Page) => tab.getByRole('alert', { name: 'Roles not running' });
  const processRows = (tab: Page) => tab.getByRole('table', { name: 'Running processes' }).locator('tbody tr');
  const episodes = (tab: Page) => card(tab).getByRole('table', { name: 'Processing alert episodes' });
  const roleEpisodeRows = (tab: Page) => tab.getByRole('region', { name: 'Role alerts' }).getByRole('table', { name: 'Role alert episodes' }).locator('tbody tr');
  const episodesNow = async () => (await ownerApi(sluice)('GET', '/pipeline-alerts?status=all')).body.alerts as PipelineAlertRow[];

  beforeAll(async () => {
    schema = await createTestSchema('palert_ui');
    env = { SLUICE_DATABASE_URL: schemaUrl(schema), SLUICE_QUEUE_URL: TEST_QUEUE_URL, SLUICE_QUEUE_PREFIX: prefix, SLUICE_SECRET_KEY: 'pipeline-alert-ui-secret-key-0123456789' };
    sluice = await startTestSluice({ ...env, SLUICE_ROLES: 'ingest,api,jobs', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '1' }, { processingAlertMs: LIMIT_MS });
    await sluice.store.members.create({ workspaceId: DEFAULT_WORKSPACE_ID, email: 'dev@shop.test', name: 'Dev', role: 'engineer', status: 'active' });
    await addMember(sluice, VIEWER);
    browser = await launchChromium();
    page = await ownerPage(browser, sluice, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await processor?.stop();
    await sluice?.stop();
    await schema?.drop();
    await deleteStreams(prefix);
  });

  it('emails the workspace, lists the episode, and shows a banner and the open episode on the overview once accepted events wait past the limit', async () => {
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await expect.poll(() => card(page).textContent()).toContain('No episode of processing falling behind in the last 90 days.');
    expect(await banner(page).count()).toBe(0);
    // No process runs the processor or the router: said at once, with what stops without them.
    await expect.poll(() => rolesBanner(page).textContent()).toContain('No Sluice process runs the processor, router roles.');
    expect(await rolesBanner(page).textContent()).toContain('processor: processing: accepted events wait in the inbox');
    expect(await rolesBanner(page).textContent()).not.toContain('jobs:');
    // The Processes card: this one process, with its roles.
    await expect.poll(() => processRows(page).count()).toBe(1);
    expect(await processRows(page).first().textContent()).toContain('ingest, jobs, api');
    // A role alert episode for the missing processor, as if the processor had been gone for minutes (waiting out the
    // 5 minutes for real is too long here): this Sluice's own check (api and jobs roles) keeps it open while it is missing.
    expect(await page.getByRole('region', { name: 'Role alerts' }).textContent()).toContain('No role has been missing in the last 90 days.');
    await sluice.store.roleAlerts.open({ id: 'ralert_ui', role: 'processor', missingSince: Date.now() - 6 * 60_000, openedAt: Date.now() - 60_000 });
    await sendTracking(sluice.url, sluice.writeKey, 'batch', {
      batch: Array.from({ length: 12 }, (_, i) => ({ type: 'track', userId: `u-${i}`, event: 'Signed Up', messageId: `stuck-${i}` })),
    });
    const sentAt = Date.now();

    const [episode] = await eventually(async () => {
      const open = (await ownerApi(sluice)('GET', '/pipeline-alerts?status=open')).body.alerts as PipelineAlertRow[];
      return open.length > 0 ? open : undefined;
    }, 60_000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(LIMIT_MS - 1_000);
    expect(episode).toMatchObject({ status: 'open', backlog: 12 });
    const messages = (await ownerApi(sluice)('GET', '/outbox')).body.messages as { to: string; subject: string; text: string }[];
    const told = messages.filter((m) => m.subject === 'Sluice is not keeping up with incoming events');
    expect(told.map((m) => m.to).sort()).toEqual(['dev@shop.test', 'owner@example.com']);
    expect(told[0]!.text).toContain('and 12 events wait in the inbox');

    await page.reload();
    await banner(page).waitFor();
    expect(await banner(page).textContent()).toMatch(/Sluice is not keeping up with incoming events\. Events accepted before .+ were still not processed at .+ \(12 waiting then\)/);
    const open = episodes(page).getByRole('row', { name: /behind/ });
    await open.waitFor();
    expect(await open.textContent()).toContain('12 events');
    expect(await open.textContent()).toContain('Still behind');
    expect(await open.textContent()).toMatch(/so far$/);
    expect(await episodes(page).getByRole('row').count()).toBe(2); // header + the open episode
    await expect.poll(() => roleEpisodeRows(page).allTextContents()).toEqual([expect.stringMatching(/^missingprocessor.+Still missing\d+ minutes so far$/)]);
    expect(errors).toEqual([]);
  });

  it('shows a viewer the banner and the open episode, and no error', async () => {
    const viewer = await memberPage(browser, sluice, VIEWER, errors);
    await banner(viewer).waitFor();
    await expect.poll(() => episodes(viewer).getByRole('row', { name: /behind/ }).textContent()).toContain('12 events');
    // The two banners are the page's only alerts: no error box, on the page or in the card.
    await rolesBanner(viewer).waitFor();
    expect(await viewer.getByRole('alert').count()).toBe(2);
    await viewer.context().close();
    expect(errors).toEqual([]);
  });

  it('once a processor runs, ends the episode as caught up: the open overview drops the banner and lists it resolved, without a reload', async () => {
    processor = await startTestSluice({ ...env, SLUICE_ROLES: 'processor,router' });
    const [resolved] = await eventually(async () => {
      const ended = (await episodesNow()).filter((a) => a.status === 'resolved');
      return ended.length > 0 ? ended : undefined;
    }, 30_000);
    expect(resolved).toMatchObject({ resolution: 'caught_up', backlog: 12 });
    const messages = (await ownerApi(sluice)('GET', '/outbox')).body.messages as { to: string; subject: string }[];
    expect(messages.filter((m) => m.subject === 'Sluice has caught up with incoming events').map((m) => m.to).sort()).toEqual(['dev@shop.test', 'owner@example.com']);

    // The banner and the card read one poll (every 15 s): both change at its next answer.
    const ended = episodes(page).getByRole('row', { name: /resolved/ });
    await expect.poll(() => ended.count(), { timeout: 20_000 }).toBe(1);
    expect(await banner(page).count()).toBe(0);
    expect(await ended.textContent()).toContain('12 events');
    expect(await ended.textContent()).toContain('Caught up');
    expect(await ended.textContent()).not.toContain('Still behind');
    expect(await ended.textContent()).toMatch(/(under a minute|\d+ minutes?)$/); // how long it lasted
    expect(await episodes(page).getByRole('row').count()).toBe(2); // header + the one episode, now ended
    // Every role runs somewhere now: the roles banner goes at its next answer (every 30 s), and no alert is left.
    await expect.poll(() => rolesBanner(page).count(), { timeout: 40_000 }).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    // The processor's role alert ends (this Sluice's check, every second), told by email, and is listed as ended.
    await expect.poll(() => roleEpisodeRows(page).allTextContents(), { timeout: 40_000 }).toEqual([expect.stringMatching(/^resolvedprocessor.+A process runs it again\d+ minutes$/)]);
    const roleMessages = (await ownerApi(sluice)('GET', '/outbox')).body.messages as { to: string; subject: string }[];
    expect(roleMessages.filter((m) => m.subject === 'The processor role runs again').map((m) => m.to).sort()).toEqual(['dev@shop.test', 'owner@example.com']);
    expect(await processRows(page).count()).toBe(2);
    expect((await processRows(page).allTextContents()).join(' | ')).toContain('processor, router');
    // A process of another version beside them (a rolling upgrade left half done): said on the card.
    await sluice.store.processes.beat({ id: 'proc_old', roles: ['router'], host: 'old-box', pid: 7, version: '0.0.1', startedAt: Date.now() - 3600_000, seenAt: Date.now() });
    await page.reload();
    await expect.poll(() => page.getByRole('region', { name: 'Processes' }).getByRole('status').textContent()).toContain('Processes run different versions');
    expect(errors).toEqual([]);
  });
});
