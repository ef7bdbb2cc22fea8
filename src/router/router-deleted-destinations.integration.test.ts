import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/start-test-sluice.js';
import { Router } from './router.js';
import type { DeliveryItem, DestinationType } from '../destinations/destination.js';
import { fastRetries, keys, logger, recorderType, routerHarness, WORKSPACE } from './test-support/router-harness.js';

/**
 * A deleted destination's lane stops and its jobs are discarded: while the router runs, from a processor batch in
 * flight, and when it starts after the deletion.
 */
const h = routerHarness();
const { destination, publish, startRouter, delivery } = h;

describe('router: deleted destinations', () => {
  it("stops a deleted destination's lane, discards its jobs and drops the deliveries it left retrying", async () => {
    const recorder = recorderType();
    const throttled = Object.assign(recorder, { deliver: async (items: readonly DeliveryItem[]) => (recorder.received.push(...items), { kind: 'retry' as const, error: 'HTTP 503', afterMs: 60_000 }) });
    const d = await destination('recorder', {});
    startRouter((name) => (name === 'recorder' ? (throttled as unknown as DestinationType<unknown>) : undefined));
    await publish(d.id, 'left-retrying');
    await eventually(async () => ((await delivery(d.id, 'left-retrying'))?.status === 'retrying' ? true : undefined));
    // Deleted as the API deletes it, after the lane wrote its state (the API's own drop came too early for it).
    await h.store.destinations.delete(WORKSPACE, d.id, { by: 'test', at: Date.now() });
    await h.router!.reload();
    expect(h.router!.lane(d.id)).toBeUndefined();
    expect(await delivery(d.id, 'left-retrying')).toMatchObject({ status: 'dropped', reason: 'destination_deleted' });
    expect(await h.queue.waiting(d.id)).toBe(0);
  });

  it('discards what a processor batch in flight queued for a deleted destination after its lane stopped, and the jobs of one deleted while disabled', async () => {
    const recorder = recorderType();
    const live = await destination('recorder', {});
    const disabled = await destination('recorder', {});
    await h.store.destinations.update(WORKSPACE, disabled.id, { enabled: false });
    await publish(disabled.id, 'waited-while-disabled');
    h.router = new Router({ store: h.store, queue: h.queue, keys, http: h.http, logger, policy: fastRetries, deletedSweepsMs: [100, 300], types: (name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined) });
    await h.router.reload();
    expect(h.router.lane(live.id)).toBeDefined();
    expect(h.router.lane(disabled.id)).toBeUndefined();

    for (const d of [live, disabled]) await h.store.destinations.delete(WORKSPACE, d.id, { by: 'test', at: Date.now() });
    await h.router.reload();
    expect(h.router.lane(live.id)).toBeUndefined();
    // The disabled one had no lane: its jobs are discarded all the same.
    expect(await h.queue.waiting(disabled.id)).toBe(0);
    expect(await delivery(disabled.id, 'waited-while-disabled')).toMatchObject({ status: 'dropped', reason: 'destination_deleted' });

    // A processor batch that read the destinations before the deletion queues a job (and its `queued` row) now.
    await publish(live.id, 'queued-after-deletion');
    expect(await h.queue.waiting(live.id)).toBe(1);
    await eventually(async () => ((await h.queue.waiting(live.id)) === 0 ? true : undefined), 5_000, 20);
    expect(await delivery(live.id, 'queued-after-deletion')).toMatchObject({ status: 'dropped', reason: 'destination_deleted' });
    expect(recorder.received).toEqual([]);
  });

  it('discards, when it starts, the jobs of a destination deleted while no router ran', async () => {
    await h.store.workspaces.create({ id: WORKSPACE, name: 'Router test' });
    const d = await destination('recorder', {});
    await publish(d.id, 'queued-before-deletion');
    await h.store.destinations.delete(WORKSPACE, d.id, { by: 'test', at: Date.now() });
    expect(await h.queue.waiting(d.id)).toBe(1);
    startRouter();
    await eventually(async () => ((await h.queue.waiting(d.id)) === 0 ? true : undefined), 5_000, 20);
    expect(await delivery(d.id, 'queued-before-deletion')).toMatchObject({ status: 'dropped', reason: 'destination_deleted' });
  });
});
