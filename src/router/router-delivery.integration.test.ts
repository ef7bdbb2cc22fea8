import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../test/support/mock-server.js';
import { eventually } from '../../test/support/start-test-sluice.js';
import { truncateIp } from '../core/privacy/truncate-ip.js';
import type { DeliveryOutcome, DestinationType } from '../destinations/destination.js';
import { keys, recorderType, routerHarness, WORKSPACE } from './test-support/router-harness.js';

/**
 * What the router hands to destination types and logs of their answers: sources, partial deliveries, events queued by
 * reference, refusals by the address guard, and closing the types.
 */
const h = routerHarness();
const { destination, publish, startRouter, delivery } = h;

describe('router: what it hands each destination type, and what it logs', () => {
  it("passes each job's sourceId to deliver()", async () => {
    const recorder = recorderType();
    const d = await destination('recorder', {});
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await publish(d.id, 'src-1', 'src_web');
    await publish(d.id, 'src-2', 'src_server');
    await eventually(async () => (recorder.received.length === 2 ? true : undefined));
    expect(recorder.received.map((i) => [i.messageId, i.sourceId])).toEqual([['src-1', 'src_web'], ['src-2', 'src_server']]);
    await eventually(async () => ((await delivery(d.id, 'src-2'))?.status === 'delivered' ? true : undefined));
  });

  it('logs a delivery the destination took only in part as delivered, with the reason and the note saying what was left out', async () => {
    const partial = Object.assign(recorderType(), {
      async deliver(): Promise<DeliveryOutcome> {
        return { kind: 'ok', reason: 'properties_left_out', note: 'sent without "shoe_size": create it and replay' };
      },
    });
    const d = await destination('recorder', {});
    startRouter((name) => (name === 'recorder' ? (partial as unknown as DestinationType<unknown>) : undefined));
    await publish(d.id, 'partial-1');
    const row = await eventually(async () => {
      const r = await delivery(d.id, 'partial-1');
      return r?.status === 'delivered' ? r : undefined;
    });
    expect(row).toMatchObject({ status: 'delivered', reason: 'properties_left_out', lastError: 'sent without "shoe_size": create it and replay' });
  });

  it('reads the event of a job queued by reference just before sending it: as stored then, and not at all once it is gone', async () => {
    const recorder = recorderType();
    const d = await destination('recorder', {});
    const at = '2026-11-30T12:00:00.000Z';
    const event = (messageId: string, userId: string) =>
      ({ type: 'track', event: 'Order Completed', userId, messageId, properties: { total: 1 }, context: { ip: '203.0.113.77' }, integrations: {}, timestamp: at, originalTimestamp: at, receivedAt: at, version: 2 }) as const;
    const [kept, erased] = await h.store.events.insertMany([
      { workspaceId: WORKSPACE, sourceId: 'src_web', event: event('ref-kept', 'user-a') },
      { workspaceId: WORKSPACE, sourceId: 'src_web', event: event('ref-erased', 'user-b') },
    ]);
    // As the processor queues them: the stored event named, its JSON handed over too (the embedded queue keeps only the reference).
    for (const stored of [kept!, erased!]) {
      await h.store.deliveries.record([{ workspaceId: WORKSPACE, destinationId: d.id, messageId: stored.event.messageId, sourceId: 'src_web', status: 'queued', attempts: 0, reason: null, lastError: null, updatedAt: Date.now() }]);
      await h.queue.publishDeliveries([{ workspaceId: WORKSPACE, destinationId: d.id, sourceId: 'src_web', messageId: stored.event.messageId, partitionKey: stored.event.userId!, json: JSON.stringify(stored.event), storedSeq: stored.seq, receivedAt: Date.now() }]);
    }
    // While they wait: retention truncates the stored IPs, and the second person's events are erased.
    await h.store.retention.truncateIpsBefore(WORKSPACE, Date.now(), 100, truncateIp);
    await h.store.subjectData.deleteEventBatch(WORKSPACE, { userIds: ['user-b'], anonymousIds: [] }, 100);

    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await eventually(async () => ((await delivery(d.id, 'ref-kept'))?.status === 'delivered' ? true : undefined));
    expect(recorder.received.map((i) => i.messageId)).toEqual(['ref-kept']);
    expect(JSON.parse(recorder.received[0]!.json!)).toMatchObject({ messageId: 'ref-kept', context: { ip: '203.0.113.0' } });
    await eventually(async () => ((await h.queue.waiting(d.id)) === 0 ? true : undefined));
    // The erased event's job is finished without a row coming back (its rows went with the person's events).
    expect(await delivery(d.id, 'ref-erased')).toBeUndefined();
    expect(recorder.received).toHaveLength(1);
  });

  it('sends nothing of a batch whose referenced events cannot be read, and retries it like a failed delivery', async () => {
    const storedPayloads = h.store.events.storedPayloads.bind(h.store.events);
    let failuresLeft = 1;
    h.store.events.storedPayloads = async (refs) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('database is locked');
      }
      return storedPayloads(refs);
    };
    const recorder = recorderType();
    const d = await destination('recorder', {});
    const at = '2026-11-30T12:00:00.000Z';
    const event = { type: 'track', event: 'Order Completed', userId: 'user-r', messageId: 'ref-unreadable', properties: {}, context: {}, integrations: {}, timestamp: at, originalTimestamp: at, receivedAt: at, version: 2 } as const;
    const [stored] = await h.store.events.insertMany([{ workspaceId: WORKSPACE, sourceId: 'src_web', event }]);
    await h.queue.publishDeliveries([{ workspaceId: WORKSPACE, destinationId: d.id, sourceId: 'src_web', messageId: event.messageId, partitionKey: 'user-r', json: JSON.stringify(event), storedSeq: stored!.seq, receivedAt: Date.now() }]);
    const record = h.store.deliveries.record.bind(h.store.deliveries);
    const written: { status: string; attempts: number; lastError: string | null }[] = [];
    h.store.deliveries.record = async (records) => {
      written.push(...records.map(({ status, attempts, lastError }) => ({ status, attempts, lastError })));
      return record(records);
    };
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await eventually(async () => ((await delivery(d.id, 'ref-unreadable'))?.status === 'delivered' ? true : undefined));
    // The first attempt could not read the event: nothing sent, the delivery retrying with the reason; the second sent it.
    expect(written).toEqual([
      { status: 'retrying', attempts: 1, lastError: 'reading the events or the privacy check before delivery failed: database is locked' },
      { status: 'delivered', attempts: 2, lastError: null },
    ]);
    expect(recorder.received.map((i) => i.messageId)).toEqual(['ref-unreadable']);
  });

  it('fails a delivery refused by the address guard at once, without retrying (thrown by the type)', async () => {
    h.mock = await startMockServer(() => ({ status: 200 }));
    const recorder = recorderType();
    const d = await destination('recorder', { mode: 'http', url: `${h.mock.url}/hook` });
    startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await publish(d.id, 'refused-1');
    const row = await eventually(async () => {
      const r = await delivery(d.id, 'refused-1');
      return r?.status === 'failed' ? r : undefined;
    });
    expect(row).toMatchObject({ status: 'failed', attempts: 1, reason: 'destination_address_refused' });
    expect(row.lastError).toMatch(/127\.0\.0\.1/);
    await new Promise((r) => setTimeout(r, 400)); // several retry delays of this policy
    expect(recorder.received).toHaveLength(1);
    expect(h.mock.received).toHaveLength(0);
  });

  it('fails a catalog delivery refused by the address guard at once, without retrying (HTTP mapping)', async () => {
    h.mock = await startMockServer(() => ({ status: 200, body: { code: 200 } }));
    const d = await destination('amplitude', { baseUrl: h.mock.url }, keys.encrypt(JSON.stringify({ apiKey: 'KEY123' })));
    startRouter();
    await publish(d.id, 'refused-amp');
    const row = await eventually(async () => {
      const r = await delivery(d.id, 'refused-amp');
      return r?.status === 'failed' ? r : undefined;
    });
    expect(row).toMatchObject({ status: 'failed', attempts: 1, reason: 'destination_address_refused' });
    await new Promise((r) => setTimeout(r, 400));
    expect((await delivery(d.id, 'refused-amp'))?.attempts).toBe(1);
    expect(h.mock.received).toHaveLength(0);
  });

  it('closes each destination type once when it stops', async () => {
    const recorder = recorderType();
    const a = await destination('recorder', {});
    const b = await destination('recorder', {});
    const r = startRouter((name) => (name === 'recorder' ? (recorder as unknown as DestinationType<unknown>) : undefined));
    await r.reload();
    expect(r.lane(a.id)).toBeDefined();
    expect(r.lane(b.id)).toBeDefined();
    expect(recorder.closed).toBe(0);
    await r.stop();
    h.router = undefined;
    expect(recorder.closed).toBe(1);
  });
});
