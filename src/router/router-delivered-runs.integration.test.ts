import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/start-test-sluice.js';
import type { DeliveryRecord } from '../core/destination.js';
import type { DestinationType } from '../destinations/destination.js';
import { recorderType, routerHarness, WORKSPACE } from './test-support/router-harness.js';

/**
 * Which outcomes the router marks for a delivered run (decision 0109): a delivery at the first attempt of a job the
 * fan-out queued without a row (`unlogged`), not handed out again. Everything else stays a row of its own.
 */
const h = routerHarness();
const { destination, startRouter } = h;

/** A job as the embedded fan-out queues it (no row, its stored event named), or as a replay does (`unlogged` absent). */
async function queue(destinationId: string, messageId: string, eventSeq: number, unlogged: boolean): Promise<void> {
  const event = { type: 'track', event: 'Paid', userId: `user-${messageId}`, messageId, receivedAt: '2026-11-30T12:00:00.000Z' };
  await h.queue.publishDeliveries([
    { workspaceId: WORKSPACE, destinationId, sourceId: 'src_web', messageId, partitionKey: `user-${messageId}`, json: JSON.stringify(event), receivedAt: Date.now(), eventSeq, ...(unlogged && { unlogged: true as const }) },
  ]);
}

function recorded(): DeliveryRecord[] {
  const all: DeliveryRecord[] = [];
  const record = h.store.deliveries.record.bind(h.store.deliveries);
  h.store.deliveries.record = async (records) => {
    all.push(...records);
    return record(records);
  };
  return all;
}

describe('router: outcomes kept in delivered runs', () => {
  it('marks a first-attempt delivery of a job without a row, and not one with a row, a retried one, or one queued before the router started', async () => {
    const written = recorded();
    let failFirst = true;
    const type = Object.assign(recorderType(), {
      async deliver(items: readonly { messageId: string }[]): Promise<{ kind: 'ok' } | { kind: 'retry'; error: string }> {
        if (items.some((i) => i.messageId === 'retried') && failFirst) {
          failFirst = false;
          return { kind: 'retry', error: 'HTTP 503' };
        }
        return { kind: 'ok' };
      },
    });
    const types = (name: string) => (name === 'recorder' ? (type as unknown as DestinationType<unknown>) : undefined);
    const d = await destination('recorder', {});
    // The retried job alone at its destination: a batch's retry is every job's in it.
    const other = await destination('recorder', {});
    // Queued before the router's consumer opened: it may have been handed out before (a restart), so its outcome may
    // be written already; the queue marks it redelivered.
    await queue(d.id, 'from-before', 10, true);
    startRouter(types);
    const outcome = (messageId: string) => written.filter((r) => r.messageId === messageId).at(-1);
    // Once it is delivered, the lanes' consumers are open: what follows is handed out for the first time.
    await eventually(async () => (outcome('from-before')?.status === 'delivered' ? true : undefined));
    await queue(d.id, 'plain', 11, true);
    await queue(d.id, 'replayed', 12, false);
    await queue(other.id, 'retried', 13, true);
    await eventually(async () => (['from-before', 'plain', 'replayed', 'retried'].every((m) => outcome(m)?.status === 'delivered') ? true : undefined));
    expect(outcome('plain')).toMatchObject({ status: 'delivered', attempts: 1, runEventSeq: 11 });
    for (const [messageId, attempts] of [['from-before', 1], ['replayed', 1], ['retried', 2]] as const) {
      expect(outcome(messageId)).toMatchObject({ status: 'delivered', attempts });
      expect(outcome(messageId)!.runEventSeq).toBeUndefined();
    }
  });
});
