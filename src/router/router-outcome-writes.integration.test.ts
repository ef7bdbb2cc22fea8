import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/start-test-sluice.js';
import { Router } from './router.js';
import type { DestinationType } from '../destinations/destination.js';
import { fastRetries, keys, logger, recorderType, routerHarness } from './test-support/router-harness.js';

/**
 * How the router writes outcomes to the delivery log: together through a fast destination's backlog, after each batch
 * of a slow one, and again after a failed write, without delivering anything twice.
 */
const h = routerHarness();
const { destination, publish, startRouter, delivery } = h;

describe('router: writing outcomes to the delivery log', () => {
  it("writes the outcomes of a fast destination's backlog together, and a slow destination's after each batch", async () => {
    const writes: number[] = [];
    const record = h.store.deliveries.record.bind(h.store.deliveries);
    h.store.deliveries.record = async (records) => {
      writes.push(records.length);
      return record(records);
    };
    const fast = recorderType();
    const slow = Object.assign(recorderType(), { type: 'slow-recorder' });
    const deliverSlowly = slow.deliver.bind(slow);
    slow.deliver = async (...args: Parameters<typeof slow.deliver>) => {
      await new Promise((r) => setTimeout(r, 120));
      return deliverSlowly(...args);
    };
    const f = await destination('recorder', {});
    for (let i = 0; i < 35; i++) await publish(f.id, `fast-${i}`);
    writes.length = 0; // the 'queued' rows written by publish()
    startRouter((name) => (name === 'recorder' ? (fast as unknown as DestinationType<unknown>) : undefined));
    await eventually(async () => ((await delivery(f.id, 'fast-34'))?.status === 'delivered' ? true : undefined));
    // Four batches of at most 10 (the type's maxBatchSize), their 35 outcomes in fewer writes (one, unless the
    // machine is so loaded that the four batches took more than 100 ms).
    expect(fast.received.map((i) => i.messageId)).toEqual(Array.from({ length: 35 }, (_, i) => `fast-${i}`));
    expect(writes.reduce((a, b) => a + b, 0)).toBe(35);
    expect(writes.length).toBeLessThan(4);
    await h.router!.stop();
    h.router = undefined;

    const s = await destination('slow-recorder', {});
    for (let i = 0; i < 25; i++) await publish(s.id, `slow-${i}`);
    writes.length = 0;
    startRouter((name) => (name === 'slow-recorder' ? (slow as unknown as DestinationType<unknown>) : undefined));
    await eventually(async () => ((await delivery(s.id, 'slow-24'))?.status === 'delivered' ? true : undefined));
    expect(writes).toEqual([10, 10, 5]);
  });

  it('reports each failed write of outcomes to the delivery log, tries again, and delivers nothing twice', async () => {
    const record = h.store.deliveries.record.bind(h.store.deliveries);
    let failuresLeft = 2;
    h.store.deliveries.record = async (records) => {
      if (records.some((r) => r.status === 'delivered') && failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('disk full');
      }
      return record(records);
    };
    const failures: string[] = [];
    const recorder = recorderType();
    const d = await destination('recorder', {});
    await publish(d.id, 'logged-1');
    h.router = new Router({
      store: h.store, queue: h.queue, keys, http: h.http, logger, policy: fastRetries,
      types: (name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined),
      observer: { onRecordFailure: (destination, error) => failures.push(`${destination.id}: ${(error as Error).message}`) },
    });
    await h.router.reload();
    await eventually(async () => ((await delivery(d.id, 'logged-1'))?.status === 'delivered' ? true : undefined));
    expect(failures).toEqual([`${d.id}: disk full`, `${d.id}: disk full`]);
    expect(recorder.received.map((i) => i.messageId)).toEqual(['logged-1']);
  });
});
