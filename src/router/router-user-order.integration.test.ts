import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/start-test-sluice.js';
import type { DeliveryRecord } from '../core/destination.js';
import type { DeliveryItem, DeliveryOutcome, DestinationType } from '../destinations/destination.js';
import { fastRetries, recorderType, routerHarness } from './test-support/router-harness.js';

/**
 * The per-user barrier: a user's later events wait behind an earlier one that retries (set aside when they fill the
 * lane), are logged as held, and back off by their own failed attempts only.
 */
const h = routerHarness();
const { destination, publish, startRouter, delivery } = h;

describe("router: each user's events in order behind a retrying one", () => {
  it("lets other users flow while one user's backlog waits behind its retrying event, more than the lane holds in memory, and then sends that backlog in order", async () => {
    let heavyFails = true;
    const sent: string[] = []; // messageIds the destination took, in order
    const attemptsOfFirst: number[] = [];
    const flaky = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        // As the webhook does: after a user's event failed, that user's later events of the batch are held, not sent.
        let heavyBlocked = false;
        return {
          kind: 'per_item' as const,
          results: items.map((item) => {
            if (item.messageId === 'heavy-0') attemptsOfFirst.push(Date.now());
            if (item.messageId === 'heavy-0' && heavyFails) {
              heavyBlocked = true;
              return { kind: 'retry' as const, reason: 'http_503', error: 'HTTP 503' };
            }
            if (heavyBlocked && item.messageId.startsWith('heavy-')) return { kind: 'retry' as const, reason: 'held_for_user', error: 'waiting for heavy-0' };
            sent.push(item.messageId);
            return { kind: 'ok' as const };
          }),
        };
      },
    });
    const d = await destination('recorder', {});
    // 300 events of one user behind its first, which fails; the lane holds 100 jobs. Then two other users' events.
    for (let i = 0; i < 300; i++) await publish(d.id, `heavy-${i}`, 'src_web', 'heavy');
    await publish(d.id, 'light-a', 'src_web', 'user-a');
    await publish(d.id, 'light-b', 'src_web', 'user-b');
    const r = startRouter((name) => (name === 'recorder' ? (flaky as unknown as DestinationType<unknown>) : undefined), { ...fastRetries, maxDelayMs: 100 }, 100);
    await eventually(async () => (sent.includes('light-a') && sent.includes('light-b') ? true : undefined));
    // Delivered while the heavy user's first event still fails: its backlog was set aside instead of filling the lane.
    expect(heavyFails).toBe(true);
    expect(sent.filter((m) => m.startsWith('heavy-'))).toEqual([]);
    expect(r.lane(d.id)!.state.setAside).toBe(1);
    expect(r.lane(d.id)!.state.pending).toBeLessThan(100);
    expect((await delivery(d.id, 'heavy-0'))?.status).toBe('retrying');

    heavyFails = false;
    await eventually(async () => (sent.filter((m) => m.startsWith('heavy-')).length === 300 ? true : undefined));
    // Each once, in the order they were sent, and the lane is back to normal.
    expect(sent.filter((m) => m.startsWith('heavy-'))).toEqual(Array.from({ length: 300 }, (_, i) => `heavy-${i}`));
    expect(attemptsOfFirst.length).toBeGreaterThan(1);
    await eventually(async () => ((await delivery(d.id, 'heavy-299'))?.status === 'delivered' ? true : undefined));
    expect(r.lane(d.id)!.state).toMatchObject({ setAside: 0, pending: 0, retrying: 0 });
    expect(await h.queue.deliveryConsumer(d.id).backlog()).toBe(0);
  });

  it("logs a job held behind its user's earlier retrying job without a next-attempt time of its own, and sends it once that one is delivered", async () => {
    const calls: string[][] = [];
    let failFirst = 2;
    const flaky = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        calls.push(items.map((i) => i.messageId));
        if (items[0]?.messageId !== 'held-1' || failFirst === 0) return { kind: 'ok' };
        failFirst -= 1;
        // The first event of the user is refused; the second, in the same request, is held back unsent behind it.
        return { kind: 'per_item', results: items.map((i) => (i.messageId === 'held-1' ? { kind: 'retry', reason: 'http_503', error: 'HTTP 503' } : { kind: 'retry', reason: 'held_for_user', error: 'not sent: an earlier event of the user failed' })) };
      },
    });
    const types = (name: string) => (name === 'recorder' ? (flaky as unknown as DestinationType<unknown>) : undefined);
    const d = await destination('recorder', {});
    await publish(d.id, 'held-1', 'src_web', 'user-h');
    await publish(d.id, 'held-2', 'src_web', 'user-h');
    startRouter(types, { ...fastRetries, baseDelayMs: 400, maxDelayMs: 1000 });
    await eventually(async () => ((await delivery(d.id, 'held-2'))?.status === 'retrying' ? true : undefined));
    const [first, second] = [await delivery(d.id, 'held-1'), await delivery(d.id, 'held-2')];
    expect(first).toMatchObject({ status: 'retrying', reason: 'http_503' });
    expect(first!.nextAttemptAt).toBeGreaterThan(first!.updatedAt);
    expect(second).toMatchObject({ status: 'retrying', reason: 'held_for_user' });
    expect(second).not.toHaveProperty('nextAttemptAt');
    // Once the first is delivered, the second goes: after it, never before.
    await eventually(async () => ((await delivery(d.id, 'held-2'))?.status === 'delivered' ? true : undefined), 10_000);
    expect(await delivery(d.id, 'held-1')).toMatchObject({ status: 'delivered' });
    const lastWithFirst = calls.map((ids) => ids.includes('held-1')).lastIndexOf(true);
    const resentSecond = calls.map((ids, i) => (ids.includes('held-2') ? i : -1)).filter((i) => i > 0);
    expect(resentSecond).toHaveLength(1);
    expect(resentSecond[0]).toBeGreaterThan(lastWithFirst);
  });

  it("backs off each event by its own failed attempts, not by the times it was held back behind its user's earlier failures", async () => {
    // Every event of the user is refused once, the first time it is really sent; the user's later events in the
    // same call are held back unsent. Each event failed once, so each waits the first backoff step (at most base).
    const refusedOnce = new Set<string>();
    const flaky = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        const first = items[0]!.messageId;
        if (refusedOnce.has(first)) return { kind: 'ok' };
        refusedOnce.add(first);
        return { kind: 'per_item', results: items.map((i) => (i.messageId === first ? { kind: 'retry', reason: 'http_503', error: 'HTTP 503' } : { kind: 'retry', reason: 'held_for_user', error: 'not sent: an earlier event of the user failed' })) };
      },
    });
    const written: DeliveryRecord[] = [];
    const record = h.store.deliveries.record.bind(h.store.deliveries);
    h.store.deliveries.record = async (records) => {
      written.push(...records);
      return record(records);
    };
    const types = (name: string) => (name === 'recorder' ? (flaky as unknown as DestinationType<unknown>) : undefined);
    const d = await destination('recorder', {});
    const ids = ['bo-1', 'bo-2', 'bo-3', 'bo-4', 'bo-5'];
    for (const id of ids) await publish(d.id, id, 'src_web', 'user-bo');
    const policy = { ...fastRetries, baseDelayMs: 50, maxDelayMs: 10_000 };
    startRouter(types, policy);
    await eventually(async () => ((await delivery(d.id, 'bo-5'))?.status === 'delivered' ? true : undefined), 30_000);
    const failures = written.filter((r) => r.status === 'retrying' && r.reason === 'http_503');
    expect(failures.map((r) => r.messageId)).toEqual(ids);
    for (const failure of failures) expect(failure.nextAttemptAt! - failure.updatedAt, failure.messageId).toBeLessThanOrEqual(policy.baseDelayMs);
    // The log still counts the requests each event was part of, held back ones included (docs/destinations.md).
    expect((await delivery(d.id, 'bo-5'))!.attempts).toBe(6);
  });
});
