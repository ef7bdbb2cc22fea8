import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium } from './support/browser.js';
import { ownerPage } from './support/console-tabs.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

interface Recipient {
  name: string;
  type: string;
  status: string;
  reason: string | null;
}

/**
 * A correction (GDPR 16) told to every recipient (GDPR 19), end to end: webhooks (real local HTTP servers) are
 * connected, one accepting (fed by both sources), one refusing with 400, one whose filter drops identify calls, and
 * one fed only by a second source. The request completes only once each delivery of the corrected identify has
 * ended, each destination gets it once, and its result, its view and the console name each destination with what
 * came of it.
 */
describe('a correction and its recipients', () => {
  let sluice: TestSluice;
  let browser: Browser | undefined;
  let requestId = '';
  let refusingHook: Awaited<ReturnType<typeof createWebhook>> | undefined;
  const servers: RecordingServer[] = [];

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  });
  afterAll(async () => {
    await browser?.close();
    await sluice?.stop();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('completes once each destination has the corrected identify or has ended trying, and names each with its outcome', async () => {
    const api = ownerApi(sluice);
    const mobile = await api('POST', '/sources', { name: 'Mobile app' });
    expect(mobile.status, mobile.text).toBe(201);
    const sources = (await api('GET', '/sources')).body.sources as { id: string }[];
    const good = await createWebhook(sluice, servers, 'Good hook', {}, { sourceIds: sources.map((s) => s.id) });
    // Connected to the second source only: the person's correction reaches it all the same.
    const mobileOnly = await createWebhook(sluice, servers, 'Mobile hook', {}, { sourceIds: [mobile.body.id] });
    const refusing = await createWebhook(sluice, servers, 'Refusing hook');
    refusing.server.respond = () => ({ status: 400, body: '{"error":"no"}' });
    refusingHook = refusing;
    await createWebhook(sluice, servers, 'No identifies', {}, { filters: [{ if: "type = 'identify'", action: 'drop' }] });
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'cor-ada', traits: { email: 'ada@example.com', name: 'Ada Byron' } });
    await eventually(async () => ((await api('GET', '/profiles/cor-ada')).status === 200 ? true : undefined));

    const created = await api('POST', '/privacy-requests', { type: 'correct', subject: { email: 'ada@example.com' }, traits: { name: 'Ada Lovelace' }, verified: true });
    expect(created.status, created.text).toBe(201);
    const id = String(created.body.id);
    requestId = id;
    const done = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}?history=true`)).body;
      return ['completed', 'failed'].includes(String(shown.status)) ? shown : undefined;
    }, 60_000);
    expect(done.status, String(done.failure)).toBe('completed');

    // Completed after the accepting destinations had it, not before; once each, though one is fed by both sources.
    for (const hook of [good, mobileOnly]) {
      const received = hook.server.events().filter((e) => e.messageId === `dsr-correct-${id}`);
      expect(received).toEqual([expect.objectContaining({ type: 'identify', userId: 'cor-ada', traits: { name: 'Ada Lovelace' } })]);
    }
    const byName = (list: Recipient[]) => Object.fromEntries(list.map((r) => [r.name, r]));
    const expected = {
      'Good hook': expect.objectContaining({ type: 'webhook', status: 'delivered' }),
      'Mobile hook': expect.objectContaining({ type: 'webhook', status: 'delivered' }),
      'Refusing hook': expect.objectContaining({ status: 'failed', reason: expect.stringContaining('400') }),
      'No identifies': expect.objectContaining({ status: 'dropped', reason: 'filter' }),
    };
    const result = (await api('GET', `/privacy-requests/${id}/result`)).body as { kind: string; recipients: Recipient[]; traits: string[] };
    expect(result).toMatchObject({ kind: 'correct', traits: ['name'] });
    expect(byName(result.recipients)).toEqual(expected);
    expect(result.recipients).toHaveLength(4);
    expect(byName(done.correctionRecipients as Recipient[])).toEqual(expected);
    // It waited for the pipeline (a postponed attempt says what for) rather than completing when the identify was queued.
    const history = done.history as { action: string; note?: string }[];
    expect(history.some((h) => h.action === 'attempt_postponed' && /corrected identify/.test(h.note ?? ''))).toBe(true);
  });

  it.skipIf(chromiumMissing() || consoleBuildMissing())("lists the correction's recipients on its row in the console", async () => {
    expect(requestId).not.toBe('');
    browser = await launchChromium();
    const errors: string[] = [];
    const page = await ownerPage(browser, sluice, errors);
    await page.goto(`${sluice.url}/privacy-requests`);
    const list = page.getByRole('list', { name: `Where the correction of request ${requestId} was sent` });
    await expect.poll(async () => (await list.getByRole('listitem').allTextContents()).sort()).toEqual([
      'Good hook: correction delivered',
      'Mobile hook: correction delivered',
      'No identifies: not sent (filter)',
      expect.stringMatching(/^Refusing hook: correction failed to arrive \(.*400.*\)$/),
    ]);

    // Marked for follow-up, on its own tab; once the destination accepts, the team sends the correction again from the row.
    await page.getByRole('tab', { name: 'Corrections to follow up' }).click();
    await expect.poll(() => page.getByText(/^Refusing hook did not accept the correction \(.*400.*\) on .+: send it again once it can, or confirm it was told another way$/).count()).toBe(1);
    refusingHook!.server.respond = () => ({ status: 200 });
    await page.getByRole('button', { name: `Send the correction of request ${requestId} again to Refusing hook` }).click();
    await page.getByRole('tab', { name: 'All' }).click();
    await expect.poll(async () => (await list.getByRole('listitem').allTextContents()).find((t) => t.startsWith('Refusing hook')), { timeout: 30_000 }).toMatch(/^Refusing hook: correction delivered, sent again by /);
    expect(refusingHook!.server.events().filter((e) => e.messageId === `dsr-correct-${requestId}`)).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
