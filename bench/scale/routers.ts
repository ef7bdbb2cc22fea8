/**
 * Router throughput in scale mode: 1 router process, then 2, draining the same backlog of delivery jobs
 * (JetStream delivery queues) to a real webhook sink on loopback, in one run so the ratio compares like with
 * like on the same (shared, loaded) machine.
 *
 * Each phase: routers stopped, N events ingested and fanned out (the jobs wait in JetStream), then R router
 * processes start; the clock runs from when they are all up until the sink has received every event
 * (deduplicated by messageId). The sink answers each request after BENCH_SINK_DELAY_MS, like a remote API.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { RecordingServer } from '../../test/support/recording-server.js';
import { CLUSTER_ADMIN_TOKEN, ScaleCluster, type SluiceProcess } from '../../test/scale/cluster.js';
import { jetStreamNames } from '../../src/queue/nats/jetstream-names.js';

const EVENTS = Number(process.env.BENCH_ROUTER_EVENTS ?? 4000);
const SINK_DELAY_MS = Number(process.env.BENCH_SINK_DELAY_MS ?? 50);
const USERS = 200;

export interface RouterRow {
  routers: number;
  events: number;
  seconds: number;
  perSecond: number;
  duplicates: number;
  /** Webhook requests (batches) the sink answered in the phase. */
  requests: number;
  /** Delivery jobs in JetStream when the routers started (more than events: the processor fanned out a redelivered inbox batch again). */
  jobs: number;
  /** Events each router process delivered (its /metrics). */
  perRouter: number[];
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function queuedJobs(url: string, prefix: string, destinationId: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const names = jetStreamNames(prefix);
    const info = await (await jetstreamManager(nc)).streams.info(names.deliveriesStream, { subjects_filter: names.destinationSubjects(destinationId) });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  } finally {
    await nc.close();
  }
}

export async function benchRouters(): Promise<{ rows: RouterRow[]; sinkDelayMs: number }> {
  const sink = await RecordingServer.start();
  sink.respond = () => ({ status: 200, ...(SINK_DELAY_MS > 0 ? { delayMs: SINK_DELAY_MS } : {}) });
  const cluster = await ScaleCluster.scale({ ackWaitMs: 5000, env: { SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' } });
  const client = new pg.Client({ connectionString: cluster.env.SLUICE_DATABASE_URL });
  try {
    const front = await cluster.start('ingest,api');
    await cluster.start('processor');
    const headers = { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const sources = (await (await fetch(`${front.url}/api/v1/sources`, { headers })).json()) as { sources: { writeKey: string }[] };
    const auth = `Basic ${Buffer.from(`${sources.sources[0]!.writeKey}:`).toString('base64')}`;
    const created = await fetch(`${front.url}/api/v1/destinations`, { method: 'POST', headers, body: JSON.stringify({ name: 'Sink', type: 'webhook', config: { url: sink.url, batching: true } }) });
    if (created.status !== 201) throw new Error(`creating the sink destination failed: ${created.status} ${await created.text()}`);
    const destinationId = String(((await created.json()) as { id: string }).id);
    await client.connect();
    const queued = async () => Number((await client.query<{ n: string }>('select count(*) as n from deliveries where destination_id = $1', [destinationId])).rows[0]!.n);
    await new Promise((r) => setTimeout(r, 1500)); // the processor hears of the new destination

    const rows: RouterRow[] = [];
    let sent = 0;
    for (const routers of [1, 2]) {
      // Backlog: EVENTS events ingested and fanned out while no router runs.
      const target = sent + EVENTS;
      while (sent < target) {
        const batch = Array.from({ length: Math.min(100, target - sent) }, () => {
          const n = sent++;
          return { type: 'track', event: 'Bench', userId: `user-${n % USERS}`, messageId: `bench-${n}`, properties: { n, plan: 'pro' } };
        });
        const response = await fetch(`${front.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
        if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
      }
      await until(async () => (await queued()) >= target, 'fan-out of the backlog');
      await new Promise((r) => setTimeout(r, 1000)); // the last publishes after the delivery-log write
      const jobs = await queuedJobs(cluster.env.SLUICE_QUEUE_URL!, cluster.env.SLUICE_QUEUE_PREFIX!, destinationId);
      const before = sink.events().length;
      const requestsBefore = sink.requests.length;
      const procs: SluiceProcess[] = await Promise.all(Array.from({ length: routers }, () => cluster.start('router')));
      const started = Date.now();
      await until(async () => {
        const ids = new Set(sink.events().map((e) => String(e.messageId)));
        return ids.size >= target;
      }, `delivery with ${routers} router(s)`);
      const seconds = (Date.now() - started) / 1000;
      const received = sink.events().length - before;
      const perRouter = await Promise.all(procs.map(async (p) => (await cluster.deliveryCounts(p)).delivered ?? 0));
      rows.push({ routers, events: EVENTS, seconds, perSecond: EVENTS / seconds, duplicates: received - EVENTS, jobs, requests: sink.requests.length - requestsBefore, perRouter });
      for (const p of procs) {
        const exited = new Promise((resolve) => p.child.once('exit', resolve));
        p.child.kill('SIGTERM'); // gives the leases back
        await exited;
      }
    }
    return { rows, sinkDelayMs: SINK_DELAY_MS };
  } finally {
    await client.end().catch(() => undefined);
    await cluster.stop();
    await sink.close();
  }
}
