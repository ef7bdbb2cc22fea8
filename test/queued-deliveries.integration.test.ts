import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Analytics } from '@segment/analytics-node';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Deliveries waiting in the embedded queue, end to end (decision 0108): the fan-out writes no `queued` row per event
 * and destination, and every view of the delivery log still says which events are queued, from the queue's jobs.
 */
let sluice: TestSluice;
const servers: RecordingServer[] = [];
const api = (method: string, url: string, body?: unknown) => ownerApi(sluice)(method, url, body);

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

/** The statuses of the delivery log's own rows (deliveries.db), by messageId. */
function rowsOf(messageIds: readonly string[]): Map<string, string> {
  const raw = new BetterSqlite3(path.join(sluice.dataDir, 'deliveries.db'), { readonly: true });
  try {
    const rows = raw.prepare(`SELECT message_id, status FROM deliveries WHERE message_id IN (${messageIds.map(() => '?').join(', ')})`).all(...messageIds) as { message_id: string; status: string }[];
    return new Map(rows.map((r) => [r.message_id, r.status]));
  } finally {
    raw.close();
  }
}

/** The messageIds the delivered runs (deliveries.db, decision 0109) keep for a destination. */
function runEntriesOf(destinationId: string): string[] {
  const raw = new BetterSqlite3(path.join(sluice.dataDir, 'deliveries.db'), { readonly: true });
  try {
    const runs = raw.prepare('SELECT entries FROM delivered_runs WHERE destination_id = ?').pluck().all(destinationId) as string[];
    return runs.flatMap((entries) => (JSON.parse(entries) as ([string, string | null, number] | null)[]).flatMap((entry) => (entry === null ? [] : [entry[0]])));
  } finally {
    raw.close();
  }
}

describe('deliveries waiting in the embedded queue', () => {
  it('are shown queued by the event lookup, the deliveries list and the backlog, with no queued row written, and then delivered', async () => {
    const hook = await createWebhook(sluice, servers, 'Down for a while');
    let down = true;
    hook.server.respond = () => (down ? { status: 503 } : { status: 200 });
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    // The library's own client: Ada's first event fails and waits for its retry; her next two wait behind it (her order).
    const analytics = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 1 });
    analytics.track({ userId: 'ada', event: 'First', messageId: first });
    await analytics.closeAndFlush({ timeout: 10_000 });
    const retrying = async () => ((await api('GET', `/events/${first}`)).body.deliveries as { status: string }[] | undefined)?.find((d) => d.status === 'retrying');
    await eventually(retrying, 20_000);
    const more = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 1 });
    more.track({ userId: 'ada', event: 'Second', messageId: second });
    more.track({ userId: 'ada', event: 'Third', messageId: third });
    await more.closeAndFlush({ timeout: 10_000 });

    const lookedUp = await eventually(async () => {
      const body = (await api('GET', `/events/${third}`)).body as { deliveries?: { destinationId: string; status: string }[] };
      return body.deliveries?.length ? body.deliveries : undefined;
    }, 20_000);
    expect(lookedUp).toEqual([expect.objectContaining({ destinationId: hook.id, status: 'queued' })]);
    // No row stands for them: the queue's jobs do.
    expect(rowsOf([first, second, third])).toEqual(new Map([[first, 'retrying']]));

    const queued = (await api('GET', `/destinations/${hook.id}/deliveries?status=queued`)).body.deliveries as { messageId: string; status: string }[];
    expect(queued.map((d) => d.messageId).sort()).toEqual([second, third].sort());
    const all = (await api('GET', `/destinations/${hook.id}/deliveries`)).body.deliveries as { messageId: string; status: string }[];
    expect(new Map(all.map((d) => [d.messageId, d.status]))).toEqual(new Map([[first, 'retrying'], [second, 'queued'], [third, 'queued']]));
    const backlog = (await api('GET', `/destinations/${hook.id}/backlog`)).body as { waiting: number; retrying: number; oldestQueuedAt?: string };
    expect(backlog).toMatchObject({ waiting: 3, retrying: 1 });
    expect(Date.parse(backlog.oldestQueuedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);

    down = false;
    await eventually(async () => (hook.server.events().length === 3 ? true : undefined), 30_000);
    expect(hook.server.events().map((e) => e.messageId)).toEqual([first, second, third]);
    // The retried one's outcome is its row; the two delivered at their first attempt are kept in a delivered run
    // (decision 0109), and read as delivered everywhere.
    await eventually(async () => (rowsOf([first]).get(first) === 'delivered' && runEntriesOf(hook.id).length === 2 ? true : undefined), 20_000);
    expect(rowsOf([first, second, third])).toEqual(new Map([[first, 'delivered']]));
    expect(runEntriesOf(hook.id).sort()).toEqual([second, third].sort());
    for (const messageId of [second, third]) {
      expect((await api('GET', `/events/${messageId}`)).body.deliveries).toEqual([expect.objectContaining({ destinationId: hook.id, status: 'delivered', attempts: 1 })]);
    }
    expect((await api('GET', `/destinations/${hook.id}/deliveries?status=queued`)).body.deliveries).toEqual([]);
    const delivered = (await api('GET', `/destinations/${hook.id}/deliveries?status=delivered`)).body.deliveries as { messageId: string; status: string }[];
    expect(delivered.map((d) => d.messageId).sort()).toEqual([first, second, third].sort());
    const after = (await api('GET', `/destinations/${hook.id}/deliveries`)).body.deliveries as { messageId: string; status: string }[];
    expect(new Map(after.map((d) => [d.messageId, d.status]))).toEqual(new Map([[first, 'delivered'], [second, 'delivered'], [third, 'delivered']]));
  });
});
