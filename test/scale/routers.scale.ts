import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../support/postgres.js';
import { natsAvailable } from '../support/nats.js';
import { RecordingServer } from '../support/recording-server.js';
import { eventually } from '../support/start-test-sluice.js';
import { CLUSTER_ADMIN_TOKEN, ScaleCluster, type SluiceProcess } from './cluster.js';

const available = (await postgresAvailable()) && (await natsAvailable());

const USERS = 50;
const ROUNDS = 40;
/** Lease time of the routers' partitions (SLUICE_QUEUE_ACK_WAIT_MS): a dead router's share moves after it. */
const ACK_WAIT_MS = 2000;

interface Received {
  messageId: string;
  userId: string;
  i: number;
}

/**
 * Routers as separate processes on JetStream delivery queues: 1 ingest+api, 1 processor, 2 routers, a real
 * webhook receiver on loopback that fails some requests once (retries and the per-user barrier across
 * processes). One router is killed with SIGKILL mid-run. Every event reaches the receiver (deduplicated by
 * messageId: jobs the dead router had delivered but not acknowledged come again, at least once), and each
 * user's events arrive in the order they were sent.
 *
 * One processor on purpose: two processors may store (and so fan out) one user's batches in either order
 * (docs/deploying.md, "Order"), which is the inbox's property, not the routers'.
 */
describe.runIf(available)('scale mode: router processes on JetStream delivery queues, kill -9 of one', () => {
  let cluster: ScaleCluster;
  let front: SluiceProcess;
  let routers: SluiceProcess[];
  let hook: RecordingServer;
  let writeKey: string;
  let destinationId: string;
  const failedOnce = new Set<string>();

  beforeAll(async () => {
    hook = await RecordingServer.start();
    hook.respond = (request) => {
      const batch = ((request.body as { batch?: Received[] }).batch ?? [request.body as Received]).map((e) => e.messageId);
      // Some batches fail once with 503: the router retries them after backoff, holding those users back.
      const victim = batch.find((id) => /-u(0|7|14|21)-r(3|13|23|33)$/.test(id) && !failedOnce.has(id));
      if (victim) {
        failedOnce.add(victim);
        return { status: 503 };
      }
      return { status: 200 };
    };
    cluster = await ScaleCluster.scale({ ackWaitMs: ACK_WAIT_MS, env: { SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' } });
    front = await cluster.start('ingest,api'); // first: bootstraps the installation
    const auth = { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const sources = (await (await fetch(`${front.url}/api/v1/sources`, { headers: auth })).json()) as { sources: { writeKey: string }[] };
    writeKey = sources.sources[0]!.writeKey;
    const created = await fetch(`${front.url}/api/v1/destinations`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Sink', type: 'webhook', config: { url: hook.url, batching: true } }) });
    expect(created.status).toBe(201);
    destinationId = String(((await created.json()) as { id: string }).id);
    routers = await Promise.all([cluster.start('processor'), cluster.start('router'), cluster.start('router')]).then(([, ...r]) => r);
  });

  afterAll(async () => {
    await cluster?.stop();
    await hook?.close();
  });

  function received(): Received[] {
    return hook.events().map((e) => ({ messageId: String(e.messageId), userId: String(e.userId), i: Number((e.properties as { i: number }).i) }));
  }

  async function deliveredInLog(): Promise<number> {
    const client = new pg.Client({ connectionString: cluster.env.SLUICE_DATABASE_URL });
    await client.connect();
    try {
      const result = await client.query<{ n: string }>("select count(*) as n from deliveries where destination_id = $1 and status = 'delivered'", [destinationId]);
      return Number(result.rows[0]!.n);
    } finally {
      await client.end();
    }
  }

  it('delivers every event once per messageId, each user in order, although a router dies mid-run', async () => {
    const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    const sent: string[] = [];
    let killedAt = -1;
    let beforeKill: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      // One event per user per round; a round is sent once the previous one is acknowledged (stored in
      // JetStream), so each user's events enter the inbox in order.
      const batch = Array.from({ length: USERS }, (_, u) => ({ type: 'track', event: 'Routed', userId: `user-${u}`, messageId: `m-u${u}-r${round}`, properties: { i: round } }));
      const response = await fetch(`${front.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
      expect(response.status).toBe(200);
      sent.push(...batch.map((e) => e.messageId));
      if (killedAt < 0 && round >= ROUNDS * 0.4) {
        // Both routers are delivering (each holds part of the partitions) before one dies.
        await eventually(async () => {
          const counts = await Promise.all(routers.map((r) => cluster.deliveryCounts(r)));
          return counts.every((c) => (c.delivered ?? 0) > 0) ? true : undefined;
        }, 60_000, 200);
        beforeKill = await cluster.deliveryCounts(routers[1]!);
        await cluster.kill(routers[0]!);
        killedAt = received().length;
      }
      await new Promise((r) => setTimeout(r, 25));
    }

    const all = await eventually(async () => {
      const ids = new Set(received().map((e) => e.messageId));
      return sent.every((id) => ids.has(id)) ? received() : undefined;
    }, 120_000, 250);

    const unique = new Set(all.map((e) => e.messageId));
    const duplicates = all.length - unique.size;
    const lostLeases = routers.map((r) => (r.stderr().match(/lost the lease/g) ?? []).length);
    process.stdout.write(`  ${sent.length} events sent; ${all.length} received (${duplicates} duplicates: delivered by the killed router, not yet acknowledged), ${failedOnce.size} refused once and retried; router killed after ${killedAt} arrivals; leases lost by live routers (pauses beyond the lease time): ${lostLeases.join(', ')}\n`);
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(sent.length); // the kill happened with work outstanding
    expect([...unique].sort()).toEqual([...sent].sort()); // nothing lost, nothing invented
    // At least once: only jobs the dead router had in hand can come twice.
    expect(duplicates).toBeLessThan(sent.length / 2);
    expect(failedOnce.size).toBeGreaterThan(0);

    // Per user, the first arrival of each event is in the order it was sent (a retried event held back
    // its user's later ones; a redelivered one repeats what came before, never jumps ahead).
    for (let u = 0; u < USERS; u++) {
      const order: number[] = [];
      for (const e of all) if (e.userId === `user-${u}` && !order.includes(e.i)) order.push(e.i);
      expect(order, `user-${u}`).toEqual(Array.from({ length: ROUNDS }, (_, i) => i));
    }

    // The survivor took the dead router's partitions over and delivered the rest.
    const after = await cluster.deliveryCounts(routers[1]!);
    expect((after.delivered ?? 0) - (beforeKill.delivered ?? 0)).toBeGreaterThan(0);
    // The delivery log agrees: one 'delivered' row per event.
    expect(await eventually(async () => ((await deliveredInLog()) === sent.length ? sent.length : undefined), 20_000, 250)).toBe(sent.length);
  });
});
