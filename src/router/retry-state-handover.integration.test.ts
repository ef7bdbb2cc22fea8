import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { jetStreamRouters } from '../../test/support/jetstream-routers.js';
import { natsAvailable } from '../../test/support/nats.js';
import { eventually } from '../../test/support/start-test-sluice.js';
import { sleep } from '../core/sleep.js';
import type { DeliveryResult, DestinationType } from '../destinations/destination.js';

const available = await natsAvailable();
const WORKSPACE = 'ws_handover_test';
/** Lease time of the test routers: a stopped router's partitions move on within about this long. */
const LEASE_MS = 1500;
/** The destination's first answer: 429 with Retry-After, long enough for the partition to move meanwhile. */
const RETRY_AFTER_MS = 6000;

/** Attempts at the destination: which router made each, and when. */
const attempts: { router: string; at: number }[] = [];

/** The destination type as one router process sees it: slows down once (429 + Retry-After), then accepts. */
function flakyType(router: string): DestinationType<Record<string, never>> {
  return {
    type: 'flaky',
    displayName: 'Flaky',
    configSchema: Type.Object({}),
    secretFields: [],
    maxBatchSize: 10,
    async deliver(): Promise<DeliveryResult> {
      attempts.push({ router, at: Date.now() });
      return attempts.length === 1 ? { kind: 'retry', error: 'HTTP 429', afterMs: RETRY_AFTER_MS } : { kind: 'ok' };
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  attempts.length = 0;
});

describe.runIf(available)('a retrying job whose partition moves to a router process that is already running', () => {
  it('waits there for its next attempt, and keeps counting attempts and its retry window', async () => {
    const policy = { baseDelayMs: 50, maxDelayMs: 10_000, windowMs: 60_000 };
    const typeFor = (router: string) => flakyType(router) as unknown as DestinationType<unknown>;
    const { store, startRouter } = await jetStreamRouters({ name: 'handover', type: 'flaky', typeFor, policy, leaseMs: LEASE_MS, cleanups });
    const delivery = async (messageId: string) => (await store.deliveries.list({ workspaceId: WORKSPACE, destinationId: destination.id, messageId, limit: 1 }))[0];

    const destination = await store.destinations.create({ workspaceId: WORKSPACE, name: 'flaky', type: 'flaky', publicConfig: {}, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
    const a = await startRouter('a');
    const event = { type: 'track', event: 'Order Completed', userId: 'user-1', messageId: 'moved-1', properties: {}, context: {}, integrations: {}, timestamp: '2026-12-01T12:00:00.000Z', receivedAt: '2026-12-01T12:00:00.000Z' };
    await store.deliveries.record([{ workspaceId: WORKSPACE, destinationId: destination.id, messageId: 'moved-1', sourceId: 'src', status: 'queued', attempts: 0, reason: null, lastError: null, updatedAt: Date.now() }]);
    await a.queue.publishDeliveries([{ workspaceId: WORKSPACE, destinationId: destination.id, sourceId: 'src', messageId: 'moved-1', partitionKey: 'user-1', json: JSON.stringify(event), receivedAt: Date.now() }]);
    const first = await eventually(async () => {
      const row = await delivery('moved-1');
      return row?.status === 'retrying' ? row : undefined;
    });
    expect(attempts.map((x) => x.router)).toEqual(['a']);
    expect(first.nextAttemptAt! - attempts[0]!.at).toBeGreaterThanOrEqual(RETRY_AFTER_MS);

    // Router b starts and its lane runs (finding nothing of this job yet); then a stops and b takes its partitions.
    await startRouter('b');
    await sleep(1000);
    await a.stop();
    await eventually(async () => (attempts.length >= 2 ? true : undefined), RETRY_AFTER_MS + LEASE_MS * 4 + 10_000);
    expect(attempts[1]!.router).toBe('b');
    // Not at once on arrival (an earlier version retried a moved job immediately, counting from one): at its next attempt.
    expect(attempts[1]!.at).toBeGreaterThanOrEqual(first.nextAttemptAt!);
    const done = await eventually(async () => {
      const row = await delivery('moved-1');
      return row?.status === 'delivered' ? row : undefined;
    });
    expect(done.attempts).toBe(2);
    expect(attempts).toHaveLength(2);
  });
});
