import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DevelopmentOutbox } from '../mail/development-outbox.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from '../../test/support/nats.js';
import { JetStreamQueue } from '../queue/nats/jetstream-queue.js';
import type { InboxRecord, Queue } from '../queue/queue.js';
import { SqliteQueue } from '../queue/sqlite/sqlite-queue.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { ProcessingAlerts } from './processing-alerts.js';
import { Keys } from '../core/crypto/keys.js';
import { createDestinationHttp } from '../destinations/http/destination-http.js';
import { RecordingServer } from '../../test/support/recording-server.js';
import { AlertWebhook, maskAlertWebhookUrl } from './alert-webhook.js';
import { AlertWebhookOutbox } from './alert-webhook-outbox.js';

const MINUTE = 60_000;
const LIMIT = 10 * MINUTE;
let dir: string;
let store: SqlStore;
let queue: Queue;
let closeQueue: () => Promise<void>;
let outbox: DevelopmentOutbox;
let t0: number;

const newAlerts = () =>
  new ProcessingAlerts({ store, queue, mailer: outbox, publicUrl: 'https://sluice.example.com', logger: pino({ level: 'silent' }), intervalMs: MINUTE, limitMs: LIMIT });

/** `count` events accepted into the inbox (what the Tracking API publishes). */
async function accept(count: number, from = 0): Promise<void> {
  const records: InboxRecord[] = Array.from({ length: count }, (_, i) => ({ workspaceId: 'ws_shop', sourceId: 'src_web', json: JSON.stringify({ type: 'track', event: 'Viewed', userId: 'u1', messageId: `m-${from + i}` }) }));
  await queue.publishInbox(records);
}

/** The processor's part: takes `count` events off the inbox and acknowledges them. */
async function process(count: number): Promise<void> {
  const controller = new AbortController();
  let seen = 0;
  await queue.consumeInbox(
    async (batch) => {
      seen += batch.length;
      if (seen >= count) controller.abort();
    },
    { batchSize: count, signal: controller.signal },
  );
}

const subjects = () => outbox.list().map((m) => `${m.to}: ${m.subject}`).sort();

/** The inboxes the alerts are judged on: the embedded one, and JetStream's (skipped loudly without NATS, failing with CI=true). */
const natsUp = await natsAvailable();
const BACKENDS: readonly { name: string; available: boolean; open: (dir: string) => Promise<{ queue: Queue; close: () => Promise<void> }> }[] = [
  { name: 'sqlite', available: true, open: async (dir) => { const q = new SqliteQueue(path.join(dir, 'queue.db')); return { queue: q, close: () => q.close() }; } },
  {
    name: 'jetstream',
    available: natsUp,
    open: async () => {
      const prefix = uniqueQueuePrefix('palerts');
      const q = await JetStreamQueue.open({ url: TEST_QUEUE_URL, prefix, replicas: 1, ackWaitMs: 1000 });
      return { queue: q, close: async () => { await q.close(); await deleteStreams(prefix); } };
    },
  },
];

for (const backend of BACKENDS) describe.runIf(backend.available)(`${backend.name}`, () => {
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-processing-alerts-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    ({ queue, close: closeQueue } = await backend.open(dir));
    for (const [id, name] of [['ws_shop', 'Shop'], ['ws_blog', 'Blog'], ['ws_quiet', 'Quiet']] as const) {
      await store.workspaces.create({ id, name });
      await store.members.create({ workspaceId: id, email: `owner@${id}.test`, name: 'Owner', role: 'owner', status: 'active' });
      await store.members.create({ workspaceId: id, email: `viewer@${id}.test`, name: 'Viewer', role: 'viewer', status: 'active' });
    }
    // A workspace that turned delivery alerts off is not told.
    await store.workspaces.updateSettings('ws_quiet', { deliveryAlerts: { enabled: false } });
    outbox = new DevelopmentOutbox('Sluice <sluice@localhost>', pino({ level: 'silent' }));
    t0 = Date.parse('2026-03-02T09:00:00.000Z');
  });

  afterEach(async () => {
    await closeQueue();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe(`processing alerts (${backend.name} inbox)`, () => {
    it('opens when events accepted the limit ago are still not processed, tells every workspace with alerts on once, and tells them again once processing caught up', async () => {
      const alerts = newAlerts();
      const other = newAlerts(); // a second jobs process
      await accept(30);
      await Promise.all([alerts.check(t0), other.check(t0)]);
      // Checks run every minute; the one at 6 minutes is the first to see the next 20.
      await accept(20, 30);
      expect(await alerts.check(t0 + 6 * MINUTE)).toEqual({});
      expect(await alerts.check(t0 + 9 * MINUTE)).toEqual({});
      const both = await Promise.all([alerts.check(t0 + 10 * MINUTE), other.check(t0 + 10 * MINUTE)]);
      const opened = both.map((c) => c.opened).filter((a) => a !== undefined);
      expect(opened).toEqual([expect.objectContaining({ kind: 'processing_behind', waitingSince: t0, backlog: 50, openedAt: t0 + 10 * MINUTE })]);
      expect(subjects()).toEqual(['owner@ws_blog.test: Sluice is not keeping up with incoming events', 'owner@ws_shop.test: Sluice is not keeping up with incoming events']);
      const email = outbox.list().find((m) => m.to === 'owner@ws_shop.test')!;
      expect(email.text).toContain('events accepted 10 minutes ago (the limit is 10 minutes) are not processed yet, and 50 events wait in the inbox');
      expect(email.text).toContain('including those of "Shop"');
      expect(email.text).toContain('no process runs the processor role');
      expect(email.text).toContain('https://sluice.example.com/');

      // Still behind: nothing new. The first 30 are processed: the 20 accepted later are 6 minutes old, over half the limit.
      expect(await alerts.check(t0 + 11 * MINUTE)).toEqual({});
      await process(30);
      expect(await alerts.check(t0 + 12 * MINUTE)).toEqual({});
      // All processed: caught up, told once.
      await process(20);
      const back = await Promise.all([alerts.check(t0 + 13 * MINUTE), other.check(t0 + 13 * MINUTE)]);
      expect(back.map((c) => c.resolved).filter((a) => a !== undefined)).toEqual([expect.objectContaining({ resolution: 'caught_up', resolvedAt: t0 + 13 * MINUTE })]);
      const caughtUp = outbox.list().filter((m) => m.subject === 'Sluice has caught up with incoming events');
      expect(caughtUp.map((m) => m.to).sort()).toEqual(['owner@ws_blog.test', 'owner@ws_shop.test']);
      expect(caughtUp[0]!.text).toContain('nothing waits in the inbox');
      expect(caughtUp[0]!.text).toContain('It had been behind since 2026-03-02 09:10 UTC (3 minutes)');
      expect((await store.pipelineAlerts.list(10)).map((a) => a.resolution)).toEqual(['caught_up']);
    });

    it("triggers a PagerDuty incident for a workspace that posts alerts there, and resolves it when the episode closes silently (alerts turned off)", async () => {
      const pagerDuty = await RecordingServer.start();
      const http = createDestinationHttp({ allowPrivate: ['127.0.0.1'] });
      try {
        pagerDuty.respond = () => ({ status: 202 });
        const keys = new Keys('processing-alerts-test-secret-key-0123456789');
        const url = new URL(`${pagerDuty.url}/v2/enqueue`);
        const webhook = { sealedUrl: keys.encrypt(url.toString()), maskedUrl: maskAlertWebhookUrl(url), format: 'pagerduty', sealedRoutingKey: keys.encrypt('routing-key-of-the-shop-0123') };
        await store.workspaces.updateSettings('ws_shop', { deliveryAlerts: { enabled: true, webhook } });
        const alerts = new ProcessingAlerts({ store, queue, mailer: outbox, publicUrl: 'https://sluice.example.com', logger: pino({ level: 'silent' }), intervalMs: MINUTE, limitMs: LIMIT, webhook: new AlertWebhookOutbox({ webhook: new AlertWebhook(http, keys), posts: store.alertWebhookPosts, keys }) });
        await accept(5);
        await alerts.check(t0);
        const opened = (await alerts.check(t0 + 10 * MINUTE)).opened!;
        expect(pagerDuty.requests.map((r) => r.body)).toEqual([
          expect.objectContaining({ routing_key: 'routing-key-of-the-shop-0123', event_action: 'trigger', dedup_key: `sluice:${opened.id}`, payload: expect.objectContaining({ severity: 'critical', component: 'processing', class: 'processing_behind', source: 'sluice.example.com' }) }),
        ]);
        for (const id of ['ws_shop', 'ws_blog']) await store.workspaces.changeSettings(id, (settings) => ({ ...settings, deliveryAlerts: { ...(settings.deliveryAlerts as object), enabled: false } }));
        expect((await alerts.check(t0 + 11 * MINUTE)).resolved).toMatchObject({ resolution: 'alerts_off' });
        expect(pagerDuty.requests.map((r) => r.body)[1]).toEqual({ routing_key: 'routing-key-of-the-shop-0123', event_action: 'resolve', dedup_key: `sluice:${opened.id}` });
        expect(pagerDuty.requests).toHaveLength(2);
      } finally {
        await http.close();
        await pagerDuty.close();
      }
    });

    it('does not alert while the processor keeps up, however much traffic comes in', async () => {
      const alerts = newAlerts();
      for (let minute = 0; minute <= 30; minute += 5) {
        await accept(100, minute * 100);
        expect(await alerts.check(t0 + minute * MINUTE)).toEqual({});
        await process(100);
      }
      expect(await alerts.check(t0 + 31 * MINUTE)).toEqual({});
      expect(outbox.list()).toEqual([]);
    });

    it('goes on from the marks taken before a restart: a jobs process restarted within the limit opens on time', async () => {
      await accept(5);
      const first = newAlerts();
      expect(await first.check(t0)).toEqual({});
      expect(await first.check(t0 + 5 * MINUTE)).toEqual({});
      // The jobs process is redeployed: the new one finds the marks in the store.
      const restarted = newAlerts();
      const { opened } = await restarted.check(t0 + 10 * MINUTE);
      expect(opened).toMatchObject({ waitingSince: t0, backlog: 5 });
      expect(subjects()).toContain('owner@ws_shop.test: Sluice is not keeping up with incoming events');
    });

    it('after a gap in the checks, a young mark does not end an episode early: events accepted during the gap may be older', async () => {
      await accept(5);
      const alerts = newAlerts();
      await alerts.check(t0);
      expect((await alerts.check(t0 + 10 * MINUTE)).opened).toBeDefined();
      // No jobs process from 10 to 30 minutes; meanwhile the first 5 are processed, 3 accepted at about 12 minutes wait.
      await process(5);
      await accept(3, 5);
      const restarted = newAlerts();
      expect(await restarted.check(t0 + 30 * MINUTE)).toEqual({});
      expect(await restarted.check(t0 + 34 * MINUTE)).toEqual({});
      expect(await store.pipelineAlerts.openNow()).toHaveLength(1);
      // Processed at last: caught up.
      await process(3);
      expect((await restarted.check(t0 + 35 * MINUTE)).resolved).toMatchObject({ resolution: 'caught_up' });
    });

    it('forgets the marks of an inbox that went back (its queue recreated) instead of alerting on them', async () => {
      // Marks left by an earlier queue, far ahead of this one.
      await store.processingMarks.note({ mark: 1_000_000, at: t0 - 60 * MINUTE, checkedAt: t0 - MINUTE, markingSince: t0 - 120 * MINUTE });
      await accept(5);
      expect(await newAlerts().check(t0)).toEqual({});
      expect((await store.processingMarks.list()).map((m) => [m.at, m.markingSince])).toEqual([[t0, t0]]);
    });

    it('does not resolve early in a jobs process that started after the episode opened, and closes it silently when no workspace wants alerts', async () => {
      await accept(5);
      const first = newAlerts();
      await first.check(t0);
      expect((await first.check(t0 + 10 * MINUTE)).opened).toBeDefined();
      // A restarted jobs process: its first mark is young, but events older than it still wait.
      const restarted = newAlerts();
      expect(await restarted.check(t0 + 11 * MINUTE)).toEqual({});
      expect(await restarted.check(t0 + 14 * MINUTE)).toEqual({});
      expect(await store.pipelineAlerts.openNow()).toHaveLength(1);

      const emails = outbox.list().length;
      for (const id of ['ws_shop', 'ws_blog']) await store.workspaces.updateSettings(id, { deliveryAlerts: { enabled: false } });
      expect((await restarted.check(t0 + 15 * MINUTE)).resolved).toMatchObject({ resolution: 'alerts_off' });
      expect(outbox.list().length).toBe(emails);
      // Still behind, but nobody wants to hear it: no episode.
      expect(await restarted.check(t0 + 40 * MINUTE)).toEqual({});
    });
  });
});
