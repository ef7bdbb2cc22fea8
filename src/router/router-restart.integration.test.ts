import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/start-test-sluice.js';
import type { DeliveryItem, DestinationType } from '../destinations/destination.js';
import { fastRetries, recorderType, routerHarness, WORKSPACE } from './test-support/router-harness.js';

/**
 * A job handed out again after a restart reads its retry state back from the delivery log: its own event's.
 */
const h = routerHarness();
const { destination, publish, startRouter, delivery } = h;

describe('router: retry state across a restart', () => {
  it("carries a retrying job's state over a restart: it waits for its next attempt and keeps its attempts and retry window", async () => {
    const attemptsAt: number[] = [];
    let answer: 'slow-down' | 'busy' | 'ok' = 'slow-down';
    const flaky = Object.assign(recorderType(), {
      async deliver(): Promise<{ kind: 'ok' } | { kind: 'retry'; error: string; afterMs?: number }> {
        attemptsAt.push(Date.now());
        if (answer === 'slow-down') return { kind: 'retry', error: 'HTTP 429', afterMs: 1500 };
        if (answer === 'busy') return { kind: 'retry', error: 'HTTP 503' };
        return { kind: 'ok' };
      },
    });
    const types = (name: string) => (name === 'recorder' ? (flaky as unknown as DestinationType<unknown>) : undefined);
    const policy = { ...fastRetries, maxDelayMs: 5000 }; // lets the 1.5 s Retry-After through
    const d = await destination('recorder', {});
    await publish(d.id, 'restarted-1');
    startRouter(types, policy);
    const first = await eventually(async () => {
      const r = await delivery(d.id, 'restarted-1');
      return r?.status === 'retrying' ? r : undefined;
    });
    expect(first.attempts).toBe(1);
    // Timed from when the attempt started (just before the destination was called).
    expect(first.firstAttemptAt).toBeLessThanOrEqual(attemptsAt[0]!);
    expect(attemptsAt[0]! - first.firstAttemptAt!).toBeLessThan(100);
    expect(first.nextAttemptAt! - attemptsAt[0]!).toBeGreaterThanOrEqual(1500);

    // Restart: a new router (new lanes, new queue consumers) over the same store and queue.
    await h.router!.stop();
    answer = 'busy';
    // A slower backoff from here: the second attempt's `retrying` row stays at least 1 s (equal jitter of 2 s) before
    // the third attempt, so the check below sees it even on a loaded machine (at 50 ms it could be overtaken).
    startRouter(types, { ...policy, baseDelayMs: 1000 });
    await eventually(async () => (attemptsAt.length >= 2 ? true : undefined));
    // Not at once (an earlier version retried every retrying job the moment it started): at its next attempt.
    expect(attemptsAt[1]).toBeGreaterThanOrEqual(first.nextAttemptAt!);
    const second = await eventually(async () => {
      const r = await delivery(d.id, 'restarted-1');
      return r?.status === 'retrying' && r.attempts === 2 ? r : undefined;
    });
    expect(second.firstAttemptAt).toBe(first.firstAttemptAt); // the retry window still starts at the first attempt
    answer = 'ok';
    const done = await eventually(async () => {
      const r = await delivery(d.id, 'restarted-1');
      return r?.status === 'delivered' ? r : undefined;
    });
    expect(done.attempts).toBe(3);
  });

  it("reads back the retry state of a restarted job's own event, not of another source's event with the same messageId", async () => {
    const receivedAt: { sourceId: string | undefined; at: number }[] = [];
    const recorder = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<{ kind: 'ok' }> {
        for (const item of items) receivedAt.push({ sourceId: item.sourceId, at: Date.now() });
        return { kind: 'ok' };
      },
    });
    const d = await destination('recorder', {});
    // Queued before the router starts (handed out as `redelivered`): web's delivery was retrying, app's never tried.
    await publish(d.id, 'shared-1', 'src_web', 'user-web');
    await publish(d.id, 'shared-1', 'src_app', 'user-app');
    const now = Date.now();
    await h.store.deliveries.record([{ workspaceId: WORKSPACE, destinationId: d.id, messageId: 'shared-1', sourceId: 'src_web', status: 'retrying', attempts: 3, reason: null, lastError: 'HTTP 503', updatedAt: now, nextAttemptAt: now + 1500, firstAttemptAt: now - 1000 }]);
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    const of = async (sourceId: string) => (await h.store.deliveries.list({ workspaceId: WORKSPACE, destinationId: d.id, messageId: 'shared-1', sourceId, limit: 1 }))[0];
    const app = await eventually(async () => ((await of('src_app'))?.status === 'delivered' ? of('src_app') : undefined));
    const web = await eventually(async () => ((await of('src_web'))?.status === 'delivered' ? of('src_web') : undefined));
    expect(app?.attempts).toBe(1);
    expect(web?.attempts).toBe(4);
    expect(receivedAt.find((r) => r.sourceId === 'src_app')!.at).toBeLessThan(now + 1500);
    expect(receivedAt.find((r) => r.sourceId === 'src_web')!.at).toBeGreaterThanOrEqual(now + 1500);
  });
});
