import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LateReceiver as Receiver } from '../../test/support/late-receiver.js';
import { reopenableStores, type ReopenableStore } from '../../test/support/reopenable-stores.js';
import { Keys } from '../core/crypto/keys.js';
import { createDestinationHttp } from '../destinations/http/destination-http.js';
import { DevelopmentOutbox } from '../mail/development-outbox.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { AlertWebhook, maskAlertWebhookUrl } from './alert-webhook.js';
import { AlertWebhookOutbox } from './alert-webhook-outbox.js';
import { AlertWebhookRetries } from './alert-webhook-retries.js';
import { alertWebhookOf } from './delivery-alert-settings.js';
import { RoleAlerts } from './role-alerts.js';

const MINUTE = 60_000;
const keys = new Keys('alert-webhook-outbox-test-secret-key-0123456789');
const silent = pino({ level: 'silent' });

const stores = await reopenableStores('alert_outbox');

for (const kind of stores) {
  describe.skipIf(kind.skip)(`alert webhook outbox (${kind.name})`, () => {
    let opened: ReopenableStore;
    let store: SqlStore;
    let receiver: Receiver;
    const http = createDestinationHttp({ allowPrivate: ['127.0.0.1'] });
    const t0 = Date.parse('2026-03-02T09:00:00.000Z');

    beforeEach(async () => {
      opened = await kind.open();
      store = await opened.store();
      receiver = await Receiver.down();
      await store.workspaces.create({ id: 'ws_shop', name: 'Shop' });
      await store.members.create({ workspaceId: 'ws_shop', email: 'owner@shop.test', name: 'Owner', role: 'owner', status: 'active' });
      const url = new URL(receiver.url);
      await store.workspaces.updateSettings('ws_shop', { deliveryAlerts: { enabled: true, webhook: { sealedUrl: keys.encrypt(url.toString()), maskedUrl: maskAlertWebhookUrl(url), format: 'json' } } });
    });
    afterEach(async () => {
      await store.close();
      await receiver.close();
      await opened.drop();
    });

    const outboxOn = (on: SqlStore, options: { retryDelaysMs?: number[]; windowMs?: number; now?: () => number } = {}) =>
      new AlertWebhookOutbox({ webhook: new AlertWebhook(http, keys), posts: on.alertWebhookPosts, keys, ...options });

    /** Opens a "jobs role missing" episode through the role alerts, told through `outbox`; the episode's id. */
    async function openEpisode(outbox: AlertWebhookOutbox, mailer = new DevelopmentOutbox('Sluice <sluice@localhost>', silent)): Promise<string> {
      const alerts = new RoleAlerts({ store, mailer, publicUrl: 'https://sluice.example.com', logger: silent, intervalMs: MINUTE, webhook: outbox });
      const beat = (at: number) => store.processes.beat({ id: 'proc_web', roles: ['ingest', 'processor', 'router', 'api'], host: 'box', pid: 1, version: '0.1.0', startedAt: t0 - 60 * MINUTE, seenAt: at });
      await beat(t0);
      await alerts.check(t0);
      await beat(t0 + 5 * MINUTE);
      const [episode] = (await alerts.check(t0 + 5 * MINUTE)).opened;
      expect(episode?.role).toBe('jobs');
      return episode!.id;
    }

    it('keeps a post the receiver refused (connection refused) through a restart, and the new process delivers it once, with its idempotency key', async () => {
      const first = outboxOn(store, { retryDelaysMs: [200] });
      const episodeId = await openEpisode(first);
      const [noted] = await store.alertWebhookPosts.ofAlerts('ws_shop', [episodeId]);
      expect(noted).toMatchObject({ state: 'pending', attempts: 1, noticeKind: 'role_missing', lastStatus: null, lastError: expect.stringContaining('ECONNREFUSED') });

      // The process stops before its retry; the receiver comes up; a new process opens the same store.
      await store.close();
      await receiver.up();
      store = await opened.store();
      const retries = new AlertWebhookRetries(outboxOn(store, { retryDelaysMs: [200] }), silent, (before) => store.alertWebhookPosts.prune(before), 50);
      retries.start();
      try {
        await expect.poll(() => receiver.posts.length, { timeout: 5_000 }).toBe(1);
      } finally {
        await retries.stop();
      }
      expect(receiver.posts[0]!.headers['idempotency-key']).toBe(`${episodeId}:role_missing`);
      expect(receiver.posts[0]!.body).toMatchObject({ type: 'installation.role_missing', idempotencyKey: `${episodeId}:role_missing`, roleAlert: { id: episodeId, role: 'jobs' } });
      const [delivered] = await store.alertWebhookPosts.ofAlerts('ws_shop', [episodeId]);
      expect(delivered).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200, lastError: null, finishedAt: expect.any(Number) });

      // Told again (another process's check, a mute that ended): nothing more is posted, and nothing is left to retry.
      const again = outboxOn(store);
      const workspace = (await store.workspaces.get('ws_shop'))!;
      const webhook = workspace.settings.deliveryAlerts as { webhook: Parameters<AlertWebhookOutbox['send']>[1] };
      const role = (await store.roleAlerts.openNow())[0]!;
      expect(await again.send('ws_shop', webhook.webhook, { kind: 'role_missing', subject: 'again', paragraphs: [] }, { workspace: { id: 'ws_shop', name: 'Shop' }, about: { role }, link: 'https://sluice.example.com/' })).toEqual({ state: 'told_before' });
      expect(await again.retryDue()).toEqual([]);
      expect(receiver.posts).toHaveLength(1);
    });

    it('still emails the alert when its post cannot be stored (the store refused the write)', async () => {
      await receiver.up();
      const add = store.alertWebhookPosts.add.bind(store.alertWebhookPosts);
      store.alertWebhookPosts.add = async () => {
        throw new Error('disk I/O error');
      };
      const mail = new DevelopmentOutbox('Sluice <sluice@localhost>', silent);
      try {
        await openEpisode(outboxOn(store), mail);
      } finally {
        store.alertWebhookPosts.add = add;
      }
      expect(mail.list().map((m) => m.subject)).toEqual(['No Sluice process runs the jobs role']);
      expect(receiver.posts).toEqual([]);
    });

    it('retries a receiver answering 503 with backoff, then gives the post up after the window and records why', async () => {
      await receiver.up();
      receiver.status = () => 503;
      let now = Date.parse('2026-03-02T10:00:00.000Z');
      const outbox = outboxOn(store, { retryDelaysMs: [2_000, 15_000, 60_000, 10 * MINUTE], windowMs: 60 * MINUTE, now: () => now });
      const episodeId = await openEpisode(outbox);
      const started = now;
      const tries = async () => (await store.alertWebhookPosts.ofAlerts('ws_shop', [episodeId]))[0]!;
      expect(await tries()).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 503, nextAttemptAt: started + 2_000 });
      // Not due yet: nothing is tried.
      now = started + 1_000;
      expect(await outbox.retryDue()).toEqual([]);
      const waits: number[] = [];
      for (let round = 0; round < 20 && (await tries()).state === 'pending'; round++) {
        const due = (await tries()).nextAttemptAt;
        waits.push(due - now);
        now = due;
        await outbox.retryDue();
      }
      // 2 s, 15 s, 1 min, then every 10 minutes until the next try would fall after the hour.
      expect(waits.slice(1, 4)).toEqual([15_000, 60_000, 10 * MINUTE]);
      const given = await tries();
      expect(given).toMatchObject({ state: 'given_up', lastStatus: 503, lastError: expect.stringMatching(/HTTP 503.*given up after \d+ attempts \(an alert is posted for 1 hour at most\)/) });
      expect(given.finishedAt! - started).toBeLessThan(60 * MINUTE);
      expect(given.attempts).toBe(waits.length + 1);
      // Nothing is tried after that.
      now += 2 * 60 * MINUTE;
      expect(await outbox.retryDue()).toEqual([]);
      expect(given.attempts).toBe((await tries()).attempts);
    });

    it('gives up unattempted a post nobody retried within the window (no process ran the retries), and at once one refused for good', async () => {
      let now = Date.parse('2026-03-02T10:00:00.000Z');
      const outbox = outboxOn(store, { now: () => now });
      const episodeId = await openEpisode(outbox);
      expect((await store.alertWebhookPosts.ofAlerts('ws_shop', [episodeId]))[0]).toMatchObject({ state: 'pending', attempts: 1 });
      await receiver.up();
      now += 61 * MINUTE;
      const [retried] = await outbox.retryDue();
      expect(retried?.outcome).toMatchObject({ state: 'given_up', attempted: false, error: expect.stringContaining('not delivered within 1 hour of the alert') });
      expect(receiver.posts).toEqual([]);
      expect((await store.alertWebhookPosts.ofAlerts('ws_shop', [episodeId]))[0]).toMatchObject({ state: 'given_up', attempts: 1 });

      // A 404 will not change: given up at the first attempt.
      receiver.status = () => 404;
      const role = (await store.roleAlerts.openNow())[0]!;
      const webhook = { sealedUrl: keys.encrypt(receiver.url), maskedUrl: 'x', format: 'json' as const };
      expect(await outbox.send('ws_shop', webhook, { kind: 'role_running', subject: 'back', paragraphs: [] }, { workspace: { id: 'ws_shop', name: 'Shop' }, about: { role }, link: 'https://sluice.example.com/' })).toMatchObject({ state: 'given_up', status: 404 });
      // Pruned with the alert history, 90 days after it ended.
      expect(await store.alertWebhookPosts.prune(now + 1)).toBe(2);
    });

    it("retries a post at the webhook an admin set since the alert, and gives it up when the webhook was removed or changed format", async () => {
      const webhookOf = async (workspaceId: string) => alertWebhookOf(await store.workspaces.get(workspaceId));
      const outbox = outboxOn(store, { retryDelaysMs: [0] });
      const current = new AlertWebhookOutbox({ webhook: new AlertWebhook(http, keys), posts: store.alertWebhookPosts, keys, retryDelaysMs: [0], webhookOf });
      const episodeId = await openEpisode(outbox);
      expect((await store.alertWebhookPosts.ofAlerts('ws_shop', [episodeId]))[0]).toMatchObject({ state: 'pending', attempts: 1 });

      // The old receiver's URL was revoked; the admin sets a new one (same format). The retry goes there, once.
      const replacement = await Receiver.down();
      try {
        await replacement.up();
        const setWebhook = (url: string, format: 'json' | 'slack') =>
          store.workspaces.updateSettings('ws_shop', { deliveryAlerts: { enabled: true, webhook: { sealedUrl: keys.encrypt(url), maskedUrl: maskAlertWebhookUrl(new URL(url)), format } } });
        await setWebhook(replacement.url, 'json');
        const [retried] = await current.retryDue();
        expect(retried?.outcome).toMatchObject({ state: 'delivered', status: 200 });
        expect(replacement.posts.map((p) => p.body)).toEqual([expect.objectContaining({ type: 'installation.role_missing', roleAlert: expect.objectContaining({ id: episodeId }) })]);
        expect(receiver.posts).toEqual([]);

        // Two more posts wait (the receiver is down): the webhook then takes Slack's format, and then is removed.
        await setWebhook(receiver.url, 'json');
        const role = (await store.roleAlerts.openNow())[0]!;
        const webhook = alertWebhookOf(await store.workspaces.get('ws_shop'))!;
        const tell = (id: string) => outbox.send('ws_shop', webhook, { kind: 'role_missing', subject: 'missing', paragraphs: [] }, { workspace: { id: 'ws_shop', name: 'Shop' }, about: { role: { ...role, id } }, link: 'https://sluice.example.com/' });
        expect(await tell('ral_second')).toMatchObject({ state: 'pending' });
        await setWebhook(replacement.url, 'slack');
        const [changed] = await current.retryDue();
        expect(changed?.outcome).toMatchObject({ state: 'given_up', attempted: false, error: expect.stringContaining('changed to the slack format') });

        await setWebhook(receiver.url, 'json');
        expect(await tell('ral_third')).toMatchObject({ state: 'pending' });
        await store.workspaces.updateSettings('ws_shop', { deliveryAlerts: { enabled: true } });
        const [removed] = await current.retryDue();
        expect(removed?.outcome).toMatchObject({ state: 'given_up', attempted: false, error: expect.stringContaining('alert webhook was removed') });
        expect((await store.alertWebhookPosts.ofAlerts('ws_shop', ['ral_second', 'ral_third'])).map((p) => p.state)).toEqual(['given_up', 'given_up']);
        expect(replacement.posts).toHaveLength(1);
        expect(receiver.posts).toEqual([]);
      } finally {
        await replacement.close();
      }
    });
  });
}
