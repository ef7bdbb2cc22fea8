import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { startSluice, type Sluice } from '../src/main.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { LateReceiver } from './support/late-receiver.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, TEST_ADMIN_TOKEN } from './support/start-test-sluice.js';

/**
 * The alert webhook's receiver is down when a destination starts failing, and Sluice is restarted (a deploy) before it
 * is back: the new Sluice, on the same data dir, posts the alert the first one could not (decision 0106, session 30).
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-alert-restart-'));
const servers: RecordingServer[] = [];
const receiver = await LateReceiver.down();
let running: Sluice | undefined;
afterAll(async () => {
  await running?.close();
  await receiver.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

const start = () =>
  startSluice(loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, SLUICE_LOG_LEVEL: 'silent', SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_DELIVERY_ALERT_CHECK_SECONDS: '1' }));

describe('alert webhook across a restart', () => {
  it('keeps the alert the receiver refused, and the restarted Sluice posts it once the receiver is up', { timeout: 90_000 }, async () => {
    const first = await start();
    running = first;
    const api = ownerApi({ url: first.url, token: TEST_ADMIN_TOKEN });
    await first.store.members.create({ workspaceId: DEFAULT_WORKSPACE_ID, email: 'dev@shop.test', name: 'Dev', role: 'engineer', status: 'active' });
    expect((await api('PUT', '/delivery-alerts/settings', { webhook: { url: receiver.url, format: 'json' } })).status).toBe(200);
    const { id, server } = await createWebhook({ url: first.url, token: TEST_ADMIN_TOKEN }, servers, 'Fulfilment');
    server.respond = () => ({ status: 503 });
    await sendTracking(first.url, first.bootstrap.defaultWriteKey!, 'batch', { batch: Array.from({ length: 8 }, (_, i) => ({ type: 'track', userId: `buyer-${i}`, event: 'Order Completed', messageId: `restart-${i}` })) });

    // The episode opens; its post is refused (nothing listens) and kept for a retry.
    type Listed = { id: string; webhookPosts: { notice: string; state: string; attempts: number; lastError: string | null }[] };
    const listed = async () => ((await ownerApi({ url: running!.url, token: TEST_ADMIN_TOKEN })('GET', `/delivery-alerts?destinationId=${id}`)).body.alerts as Listed[])[0];
    const pending = await eventually(async () => {
      const alert = await listed();
      // Pending after its first attempt (a post is pending from when it is written, before it is tried).
      const post = alert?.webhookPosts[0];
      return post?.state === 'pending' && post.attempts > 0 ? alert : undefined;
    }, 30_000);
    expect(pending.webhookPosts).toEqual([expect.objectContaining({ notice: 'failing', attempts: 1, lastError: expect.stringContaining('ECONNREFUSED') })]);

    // A deploy: this Sluice stops before its retry; the receiver comes back; a new Sluice starts on the same data dir.
    await first.close();
    running = undefined;
    await receiver.up();
    running = await start();
    await eventually(async () => (receiver.posts.length > 0 ? true : undefined), 30_000);
    expect(receiver.posts[0]!.body).toMatchObject({ type: 'destination.failing', idempotencyKey: `${pending.id}:failing`, alert: { id: pending.id } });
    expect(receiver.posts[0]!.headers['idempotency-key']).toBe(`${pending.id}:failing`);
    expect((await listed())?.webhookPosts).toEqual([expect.objectContaining({ notice: 'failing', state: 'delivered', attempts: 2, lastError: null })]);
    // Posted once: the new Sluice's checks find the episode open and told, and tell nothing again.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(receiver.posts).toHaveLength(1);
  });
});
