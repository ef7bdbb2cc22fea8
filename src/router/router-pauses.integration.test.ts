import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/start-test-sluice.js';
import type { DeliveryItem, DeliveryOutcome, DestinationType } from '../destinations/destination.js';
import { fastRetries, recorderType, routerHarness, WORKSPACE } from './test-support/router-harness.js';

/**
 * A batch refused with Retry-After pauses the whole destination (kept across a restart); one throttled item only its user.
 */
const h = routerHarness();
const { destination, publish, startRouter, delivery } = h;

describe('router: pauses asked for with Retry-After', () => {
  it('pauses the whole destination when it refuses a batch with Retry-After, and only the user when one item is throttled', async () => {
    const calls: { at: number; ids: string[] }[] = [];
    let answer: 'slow-down' | 'throttle-one' | 'ok' = 'slow-down';
    const limited = Object.assign(recorderType(), {
      async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome> {
        calls.push({ at: Date.now(), ids: items.map((i) => i.messageId) });
        if (answer === 'slow-down') {
          answer = 'ok';
          return { kind: 'retry', error: 'HTTP 429', afterMs: 1000 };
        }
        if (answer === 'throttle-one') {
          answer = 'ok';
          // A per-item answer (Amplitude's throttled users): only that user's item is to wait.
          return { kind: 'per_item', results: items.map((i) => (i.messageId === 'throttled-1' ? { kind: 'retry', error: 'throttled user', afterMs: 5000 } : { kind: 'ok' })) };
        }
        return { kind: 'ok' };
      },
    });
    const types = (name: string) => (name === 'recorder' ? (limited as unknown as DestinationType<unknown>) : undefined);
    const d = await destination('recorder', {});
    await publish(d.id, 'limited-1', 'src_web', 'user-a');
    // What the delivery log says at the moment the pause is written: the backlog API reads both.
    const statusWhenPaused: (string | undefined)[] = [];
    const recordPause = h.store.deliveries.pause.bind(h.store.deliveries);
    h.store.deliveries.pause = async (...args: Parameters<typeof recordPause>) => {
      statusWhenPaused.push((await delivery(d.id, 'limited-1'))?.status);
      return recordPause(...args);
    };
    startRouter(types, { ...fastRetries, maxDelayMs: 5000 });
    await eventually(async () => (calls.length >= 1 ? true : undefined));
    // The pause is recorded (the backlog API shows it; a lane started meanwhile keeps it).
    const pause = await eventually(() => h.store.deliveries.pauseOf(WORKSPACE, d.id));
    expect(pause.reason).toBe('HTTP 429');
    expect(pause.until - calls[0]!.at).toBeGreaterThanOrEqual(990);
    expect(pause.until - calls[0]!.at).toBeLessThan(1500);
    // Never a pause without the delivery it holds back: the outcome is written first.
    expect(statusWhenPaused).toEqual(['retrying']);
    // Another user's event, queued while the destination asked to wait: not sent before the second is up.
    await publish(d.id, 'other-user-1', 'src_web', 'user-b');
    await eventually(async () => ((await delivery(d.id, 'other-user-1'))?.status === 'delivered' ? true : undefined));
    const sentOther = calls.find((c) => c.ids.includes('other-user-1'))!;
    expect(sentOther.at - calls[0]!.at).toBeGreaterThanOrEqual(990);
    await eventually(async () => ((await delivery(d.id, 'limited-1'))?.status === 'delivered' ? true : undefined));

    // One throttled item of a per-item answer holds back its user only.
    answer = 'throttle-one';
    await publish(d.id, 'throttled-1', 'src_web', 'user-c');
    await eventually(async () => ((await delivery(d.id, 'throttled-1'))?.status === 'retrying' ? true : undefined));
    const throttledAt = Date.now();
    await publish(d.id, 'unthrottled-1', 'src_web', 'user-d');
    await eventually(async () => ((await delivery(d.id, 'unthrottled-1'))?.status === 'delivered' ? true : undefined));
    expect(calls.find((c) => c.ids.includes('unthrottled-1'))!.at - throttledAt).toBeLessThan(2000);
  });

  it('keeps a pause the destination asked for before the router started (a restart)', async () => {
    const recorder = recorderType();
    const d = await destination('recorder', {});
    const until = Date.now() + 1500;
    await h.store.deliveries.pause(WORKSPACE, d.id, until, 'HTTP 429');
    await publish(d.id, 'after-restart-1');
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined), fastRetries);
    await eventually(async () => ((await delivery(d.id, 'after-restart-1'))?.status === 'delivered' ? true : undefined));
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect(recorder.received.map((i) => i.messageId)).toEqual(['after-restart-1']);
  });
});
