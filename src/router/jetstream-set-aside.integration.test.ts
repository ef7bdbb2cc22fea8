import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { jetStreamRouters } from '../../test/support/jetstream-routers.js';
import { natsAvailable } from '../../test/support/nats.js';
import { eventually } from '../../test/support/start-test-sluice.js';
import type { DeliveryItem, DeliveryOutcome, DestinationType } from '../destinations/destination.js';
import type { JetStreamDeliveryQueue } from '../queue/nats/jetstream-delivery-queue.js';

const available = await natsAvailable();
const WORKSPACE = 'ws_set_aside_js';
const LEASE_MS = 1500;
/** Jobs a test lane holds in memory (production: 10,000). */
const LANE_MAX = 100;
const HEAVY = 300;
const policy = { baseDelayMs: 50, maxDelayMs: 100, windowMs: 120_000 };

/**
 * A destination that refuses the heavy user's first event while `heavyFails` is set and, as the webhook does, holds
 * back that user's later events of the same batch; everything else it takes, noting the order and which router sent it.
 */
function flakyDestination() {
  const state = { heavyFails: true, sent: [] as { messageId: string; router: string }[] };
  const typeFor = (router: string): DestinationType<unknown> =>
    ({
      type: 'flaky',
      displayName: 'Flaky',
      configSchema: Type.Object({}),
      secretFields: [],
      maxBatchSize: 10,
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        let heavyBlocked = false;
        return {
          kind: 'per_item',
          results: items.map((item) => {
            if (item.messageId === 'heavy-0' && state.heavyFails) {
              heavyBlocked = true;
              return { kind: 'retry' as const, reason: 'http_503', error: 'HTTP 503' };
            }
            if (heavyBlocked && item.messageId.startsWith('heavy-')) return { kind: 'retry' as const, reason: 'held_for_user', error: 'waiting for heavy-0' };
            state.sent.push({ messageId: item.messageId, router });
            return { kind: 'ok' as const };
          }),
        };
      },
    }) as unknown as DestinationType<unknown>;
  return { state, typeFor };
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  const flaky = flakyDestination();
  const { store, startRouter } = await jetStreamRouters({ name: 'set-aside', type: 'flaky', typeFor: flaky.typeFor, policy, leaseMs: LEASE_MS, laneMaxPending: LANE_MAX, cleanups });
  const destination = await store.destinations.create({ workspaceId: WORKSPACE, name: 'flaky', type: 'flaky', publicConfig: {}, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
  const publish = async (queue: JetStreamDeliveryQueue, messageId: string, userId: string) => {
    const event = { type: 'track', event: 'Order Completed', userId, messageId, properties: {}, context: {}, integrations: {}, timestamp: '2026-12-03T12:00:00.000Z', receivedAt: '2026-12-03T12:00:00.000Z' };
    await store.deliveries.record([{ workspaceId: WORKSPACE, destinationId: destination.id, messageId, sourceId: 'src', status: 'queued', attempts: 0, reason: null, lastError: null, updatedAt: Date.now() }]);
    await queue.publishDeliveries([{ workspaceId: WORKSPACE, destinationId: destination.id, sourceId: 'src', messageId, partitionKey: userId, json: JSON.stringify(event), receivedAt: Date.now() }]);
  };
  const status = async (messageId: string) => (await store.deliveries.list({ workspaceId: WORKSPACE, destinationId: destination.id, messageId, limit: 1 }))[0]?.status;
  return { flaky, destination, startRouter, publish, status };
}

const heavySent = (sent: readonly { messageId: string }[]) => sent.map((s) => s.messageId).filter((m) => m.startsWith('heavy-'));
const heavyInOrder = Array.from({ length: HEAVY }, (_, i) => `heavy-${i}`);

describe.runIf(available)('on JetStream, a user whose backlog behind a retrying event is larger than the lane holds', () => {
  it('does not hold up the other users, and that backlog is sent in order once the event goes through', async () => {
    const { flaky, destination, startRouter, publish, status } = await setUp();
    const a = await startRouter('a');
    for (let i = 0; i < HEAVY; i++) await publish(a.queue, `heavy-${i}`, 'heavy');
    for (const user of ['user-a', 'user-b', 'user-c']) await publish(a.queue, `light-${user}`, user);

    // Before, the lane filled with the heavy user's waiting jobs and fetched nothing more until heavy-0 went through.
    await eventually(async () => (flaky.state.sent.filter((s) => s.messageId.startsWith('light-')).length === 3 ? true : undefined), 20_000);
    expect(flaky.state.heavyFails).toBe(true);
    expect(heavySent(flaky.state.sent)).toEqual([]);
    expect(await status('heavy-0')).toBe('retrying');
    expect(a.router.lane(destination.id)!.state.setAside).toBe(1);
    expect(a.router.lane(destination.id)!.state.pending).toBeLessThan(LANE_MAX);

    flaky.state.heavyFails = false;
    await eventually(async () => (heavySent(flaky.state.sent).length >= HEAVY ? true : undefined), 30_000);
    expect(heavySent(flaky.state.sent)).toEqual(heavyInOrder);
    await eventually(async () => ((await status(`heavy-${HEAVY - 1}`)) === 'delivered' ? true : undefined));
    await eventually(async () => ((await a.queue.waiting(destination.id)) === 0 ? true : undefined));
    expect(a.router.lane(destination.id)!.state).toMatchObject({ setAside: 0, pending: 0, retrying: 0 });
  });

  it('hands the set-aside backlog over when its partition moves to a router that joins, which sends it in order', async () => {
    const { flaky, destination, startRouter, publish, status } = await setUp();
    const a = await startRouter('a');
    for (let i = 0; i < HEAVY; i++) await publish(a.queue, `heavy-${i}`, 'heavy');
    await eventually(async () => (a.router.lane(destination.id)?.state.setAside === 1 ? true : undefined), 20_000);

    // Router b joins: a gives back half of its partitions. Had a set-aside job stayed unacknowledged in a, a partition
    // being given back would never drain. Then a stops, so every partition, the heavy user's among them, moves to b.
    const b = await startRouter('b');
    await eventually(async () => (b.router.lane(destination.id) !== undefined ? true : undefined));
    await a.stop();
    flaky.state.heavyFails = false;
    await eventually(async () => ((await status(`heavy-${HEAVY - 1}`)) === 'delivered' ? true : undefined), 40_000);
    // Each job in order; a job a sent and could not acknowledge before stopping may be sent again (at least once).
    const firstSeen = [...new Set(heavySent(flaky.state.sent))];
    expect(firstSeen).toEqual(heavyInOrder);
    expect(flaky.state.sent.some((s) => s.router === 'b' && s.messageId.startsWith('heavy-'))).toBe(true);
    await eventually(async () => ((await b.queue.waiting(destination.id)) === 0 ? true : undefined), 20_000);
  });
});
