import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../support/postgres.js';
import { natsAvailable } from '../support/nats.js';
import { eventually } from '../support/start-test-sluice.js';
import { ScaleCluster, type SluiceProcess } from './cluster.js';
import { orderViolations, WebhookSink } from './webhook-sink.js';

const available = (await postgresAvailable()) && (await natsAvailable());

const USERS = 40;
const ROUNDS = 50;
/** The round during which one process of each role is killed (its requests in flight). */
const KILL_ROUND = 20;
/**
 * SLUICE_QUEUE_ACK_WAIT_MS, which is also the lease time of the inbox and delivery partitions: a dead
 * processor's or router's partitions move to the survivor after at most this long.
 */
const ACK_WAIT_MS = 2000;

/**
 * The whole pipeline as separate OS processes on loopback, PostgreSQL + JetStream: 1 api, 2 ingest,
 * 2 processor and 2 router processes, a real webhook receiver that refuses some requests once (retries and
 * the per-user barrier across processes) and answers 30 ms late. Load comes through @segment/analytics-node;
 * during one round one process of each role is killed with SIGKILL: an ingest with requests in flight, then
 * a processor and a router as soon as the round's first webhook request comes in.
 *
 * What docs/deploying.md promises, checked here:
 * - every acknowledged event reaches the webhook (at least once: repeats only of events the dead router
 *   had delivered without acknowledging, or the dead processor had fanned out without acknowledging);
 * - per user, the first arrivals come in the order the events were sent (each user's next event is sent
 *   only after the previous one was answered, so send order = acknowledgement order);
 * - every acknowledged event is stored exactly once, and the delivery log has one `delivered` row per
 *   event that arrived.
 */
describe.runIf(available)('scale mode: 2 ingest, 2 processor, 2 router processes, kill -9 one of each; then a jobs process', () => {
  let cluster: ScaleCluster;
  let sink: WebhookSink;
  let api: SluiceProcess;
  let ingest: SluiceProcess[];
  let processors: SluiceProcess[];
  let routers: SluiceProcess[];
  let source: { id: string; writeKey: string };
  let destinationId: string;

  beforeAll(async () => {
    // Refused once: a few users' events at a few points, so their later events wait behind a retry.
    // Answers after 30 ms, like a remote API: the router killed mid-run has requests in flight.
    sink = await WebhookSink.start((id) => /^m-u(0|7|14|21)-s(3|13|23|33|43)$/.test(id), 30);
    cluster = await ScaleCluster.scale({ ackWaitMs: ACK_WAIT_MS, env: { SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' } });
    api = await cluster.start('api'); // first: bootstraps the installation
    source = await cluster.firstSource(api);
    destinationId = await cluster.createWebhook(api, sink.url);
    const start = (role: string, n: number) => Promise.all(Array.from({ length: n }, () => cluster.start(role)));
    [ingest, processors, routers] = await Promise.all([start('ingest', 2), start('processor', 2), start('router', 2)]);
  });

  afterAll(async () => {
    await cluster?.stop();
    await sink?.close();
  });

  it('delivers every acknowledged event in per-user order and stores it once although one process of each role dies', async () => {
    const clients = ingest.map((p) => new Analytics({ writeKey: source.writeKey, host: p.url, flushAt: USERS / 2, flushInterval: 20, maxRetries: 1, httpRequestTimeout: 5000 }));
    for (const c of clients) c.on('error', () => undefined); // failures are counted through the callbacks
    const acknowledged = new Set<string>();
    const failed = new Set<string>();
    let before = { processed: 0, delivered: 0 };
    let arrivalsAtKill = -1;
    const started = Date.now();

    for (let round = 0; round < ROUNDS; round++) {
      if (round === KILL_ROUND) {
        // Both processors and both routers have worked before one of each dies.
        await eventually(async () => {
          const processed = await Promise.all(processors.map((p) => cluster.processedCount(p)));
          const delivered = await Promise.all(routers.map(async (r) => (await cluster.deliveryCounts(r)).delivered ?? 0));
          return [...processed, ...delivered].every((n) => n > 0) ? true : undefined;
        }, 60_000, 100);
        before = { processed: await cluster.processedCount(processors[1]!), delivered: (await cluster.deliveryCounts(routers[1]!)).delivered ?? 0 };
      }
      // Each user's next event goes out once its previous one was answered: per user, send order is
      // acknowledgement order. A user sticks to one ingest process while it lives.
      const live = clients.filter((_, i) => !ingest[i]!.exited);
      const answered = Array.from({ length: USERS }, (_, u) => {
        const messageId = `m-u${u}-s${round}`;
        return new Promise<void>((resolve) => {
          live[u % live.length]!.track({ userId: `user-${u}`, event: 'Scaled', messageId, properties: { seq: round } }, (error) => {
            (error ? failed : acknowledged).add(messageId);
            resolve();
          });
        });
      });
      if (round === KILL_ROUND) {
        // This round's requests are on their way (analytics-node sends a full queue at once) when an ingest
        // dies: its share of the round fails (or was acknowledged just before). A processor and a router
        // die as soon as the first webhook request of this round comes in (answered 30 ms later): the
        // routers are delivering, the processors are storing what the surviving ingest acknowledged.
        arrivalsAtKill = sink.received().length;
        await cluster.kill(ingest[0]!);
        await eventually(async () => (sink.arriving.has(round) ? true : undefined), 30_000, 2);
        await Promise.all([cluster.kill(processors[0]!), cluster.kill(routers[0]!)]);
      }
      await Promise.all(answered);
    }
    await Promise.all(clients.filter((_, i) => !ingest[i]!.exited).map((c) => c.closeAndFlush({ timeout: 30_000 })));
    const sentIn = Date.now() - started;

    const all = await eventually(async () => {
      const ids = new Set(sink.received().map((e) => e.messageId));
      return [...acknowledged].every((id) => ids.has(id)) ? sink.received() : undefined;
    }, 120_000, 250);
    const distinct = new Set(all.map((e) => e.messageId));
    const lostLeases = [...processors, ...routers].map((p) => `${p.role} ${(p.stderr().match(/lost the lease/g) ?? []).length}`);
    process.stdout.write(
      `  ${USERS * ROUNDS} events sent in ${sentIn} ms: ${acknowledged.size} acknowledged, ${failed.size} failed (the killed ingest's round); ` +
        `${all.length} webhook arrivals, ${distinct.size} distinct (${all.length - distinct.size} repeats), ${sink.refusedOnce.size} refused once and retried; ` +
        `kill after ${arrivalsAtKill} arrivals; all delivered ${Date.now() - started} ms after the start; leases lost by live processes: ${lostLeases.join(', ')}\n`,
    );

    expect(acknowledged.size + failed.size).toBe(USERS * ROUNDS);
    expect(failed.size).toBeLessThan(USERS); // only requests in flight to the killed ingest
    expect(arrivalsAtKill).toBeGreaterThan(0);
    expect(arrivalsAtKill).toBeLessThan(acknowledged.size); // the kill happened with work outstanding
    expect(sink.refusedOnce.size).toBeGreaterThan(0);

    // Nothing acknowledged is missing (checked above by waiting), nothing arrived that was never sent.
    expect([...distinct].filter((id) => !acknowledged.has(id) && !failed.has(id))).toEqual([]);
    // At least once, not at random: repeats only of what the dead processes had in hand.
    expect(all.length - distinct.size).toBeLessThan(distinct.size / 4);
    // Per user, first arrivals in send order.
    expect(orderViolations(all, acknowledged)).toEqual([]);

    // The survivors took the dead processes' partitions over and did the rest.
    expect(await cluster.processedCount(processors[1]!)).toBeGreaterThan(before.processed);
    expect((await cluster.deliveryCounts(routers[1]!)).delivered ?? 0).toBeGreaterThan(before.delivered);

    // Stored once: one row per messageId, every acknowledged event among them.
    const stored = await cluster.query<{ message_id: string }>('select message_id from events where source_id = $1', [source.id]);
    const storedIds = new Set(stored.map((r) => r.message_id));
    expect(stored.length).toBe(storedIds.size);
    expect([...acknowledged].filter((id) => !storedIds.has(id))).toEqual([]);
    // The delivery log agrees with the receiver: one 'delivered' row per event that arrived.
    const logged = await eventually(async () => {
      const rows = await cluster.query<{ n: string }>("select count(*) as n from deliveries where destination_id = $1 and status = 'delivered'", [destinationId]);
      return Number(rows[0]!.n) === distinct.size ? distinct.size : undefined;
    }, 20_000, 250);
    expect(logged).toBe(distinct.size);
  });

  it('runs a replay asked for through the api process in a jobs process, through the routers to the destination', async () => {
    const jobs = await cluster.start('jobs');
    const ingestProcess = cluster.running('ingest')[0]!;
    const auth = `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`;
    const bearer = { authorization: `Bearer ${cluster.env.SLUICE_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const from = new Date(Date.now() - 1000).toISOString();
    const ids = ['replay-probe-0', 'replay-probe-1', 'replay-probe-2'];
    const sent = await fetch(`${ingestProcess.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: ids.map((messageId, i) => ({ type: 'track', userId: `replay-user-${i}`, event: 'Replay Probe', messageId, properties: { seq: i } })) }),
    });
    expect(sent.status).toBe(200);
    const arrivals = (id: string) => sink.received().filter((e) => e.messageId === id).length;
    await eventually(async () => (ids.every((id) => arrivals(id) >= 1) ? true : undefined), 30_000, 100);

    const asked = await fetch(`${api.url}/api/v1/destinations/${destinationId}/replay`, { method: 'POST', headers: bearer, body: JSON.stringify({ from, to: new Date(Date.now() + 1000).toISOString(), event: 'Replay Probe' }) });
    expect([200, 202]).toContain(asked.status);
    const replayId = ((await asked.json()) as { id: string }).id;
    const done = await eventually(async () => {
      const replay = (await (await fetch(`${api.url}/api/v1/destinations/${destinationId}/replays/${replayId}`, { headers: bearer })).json()) as { status: string };
      return replay.status === 'completed' ? replay : undefined;
    }, 30_000, 100);
    expect(done).toMatchObject({ kind: 'range', total: 3, read: 3, queued: 3, dropped: 0 });
    await eventually(async () => (ids.every((id) => arrivals(id) >= 2) ? true : undefined), 30_000, 100);
    expect(jobs.stderr()).not.toMatch(/replay runner failed/);
  });

  it('a source disabled through the api process is refused by the other ingest processes within a second', async () => {
    const survivors = cluster.running('ingest');
    expect(survivors.length).toBeGreaterThan(0);
    const auth = `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`;
    const track = (p: SluiceProcess) => fetch(`${p.url}/v1/track`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u', event: 'Probe' }) });
    for (const p of survivors) expect((await track(p)).status).toBe(200); // the cache now holds the enabled source
    const patch = await fetch(`${api.url}/api/v1/sources/${source.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${cluster.env.SLUICE_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) });
    expect(patch.status).toBe(200);
    const disabledAt = Date.now();
    for (const p of survivors) {
      await eventually(async () => ((await track(p)).status === 401 ? true : undefined), 1000, 10);
    }
    const elapsed = Date.now() - disabledAt;
    process.stdout.write(`  change reached ${survivors.length} ingest process(es) in ${elapsed} ms\n`);
    expect(elapsed).toBeLessThan(1000);
  });
});
