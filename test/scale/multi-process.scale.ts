import { Analytics } from '@segment/analytics-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../support/postgres.js';
import { natsAvailable } from '../support/nats.js';
import { eventually } from '../support/start-test-sluice.js';
import { CLUSTER_ADMIN_TOKEN, ScaleCluster, type SluiceProcess } from './cluster.js';

const available = (await postgresAvailable()) && (await natsAvailable());

const EVENTS = 3000;
const USERS = 40;
const ACK_WAIT_MS = 2000;

/**
 * Separate Sluice processes (2 ingest, 2 processor, 1 api) on loopback with real PostgreSQL and JetStream.
 * Load comes through @segment/analytics-node; one process of each pipeline role is killed with SIGKILL
 * mid-run. Every event an ingest acknowledged must end up stored, once.
 */
describe.runIf(available)('scale mode: separate processes per role, kill -9 mid-run', () => {
  let cluster: ScaleCluster;
  let api: SluiceProcess;
  let ingest: SluiceProcess[];
  let processors: SluiceProcess[];
  let writeKey: string;
  let sourceId: string;

  beforeAll(async () => {
    cluster = await ScaleCluster.scale({ ackWaitMs: ACK_WAIT_MS });
    api = await cluster.start('api'); // first: bootstraps the installation
    [ingest, processors] = await Promise.all([Promise.all([cluster.start('ingest'), cluster.start('ingest')]), Promise.all([cluster.start('processor'), cluster.start('processor')])]);
    const response = await fetch(`${api.url}/api/v1/sources`, { headers: { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}` } });
    const { sources } = (await response.json()) as { sources: { id: string; writeKey: string }[] };
    writeKey = sources[0]!.writeKey;
    sourceId = sources[0]!.id;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function storedMessageIds(): Promise<{ ids: Set<string>; rows: number }> {
    const client = new pg.Client({ connectionString: cluster.env.SLUICE_DATABASE_URL });
    await client.connect();
    try {
      const result = await client.query<{ message_id: string }>('select message_id from events where source_id = $1', [sourceId]);
      return { ids: new Set(result.rows.map((r) => r.message_id)), rows: result.rowCount ?? 0 };
    } finally {
      await client.end();
    }
  }

  it('stores every acknowledged event exactly once although an ingest and a processor die', async () => {
    const clients = ingest.map((p) => new Analytics({ writeKey, host: p.url, flushAt: 20, flushInterval: 50, maxRetries: 1, httpRequestTimeout: 5000 }));
    for (const c of clients) c.on('error', () => undefined); // failures are counted through the callbacks
    const acknowledged = new Set<string>();
    const failed = new Set<string>();
    const callbacks: Promise<void>[] = [];
    let killed = false;

    for (let i = 0; i < EVENTS; i++) {
      const client = clients[i % clients.length]!;
      const messageId = `scale-${i}`;
      callbacks.push(
        new Promise<void>((resolve) => {
          client.track({ userId: `user-${i % USERS}`, event: 'Scaled', messageId, properties: { i } }, (error) => {
            (error ? failed : acknowledged).add(messageId);
            resolve();
          });
        }),
      );
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
      if (!killed && i >= EVENTS * 0.4) {
        killed = true;
        await Promise.all([cluster.kill(ingest[0]!), cluster.kill(processors[0]!)]);
      }
    }
    await Promise.all(callbacks);
    await Promise.all(clients.map((c) => c.closeAndFlush({ timeout: 30_000 })));

    process.stdout.write(`  ${acknowledged.size} events acknowledged, ${failed.size} refused or failed (the killed ingest's in-flight share)\n`);
    expect(killed).toBe(true);
    expect(acknowledged.size + failed.size).toBe(EVENTS);
    // The surviving ingest took its half; the killed one acknowledged some before it died.
    expect(acknowledged.size).toBeGreaterThan(EVENTS / 2);

    const stored = await eventually(async () => {
      const s = await storedMessageIds();
      return [...acknowledged].every((id) => s.ids.has(id)) ? s : undefined;
    }, 120_000, 500);
    const missing = [...acknowledged].filter((id) => !stored.ids.has(id));
    expect(missing).toEqual([]);
    expect(stored.rows).toBe(stored.ids.size); // no duplicates
    // Nothing stored that no client ever sent.
    expect([...stored.ids].every((id) => acknowledged.has(id) || failed.has(id))).toBe(true);
  });

  it('a source disabled through the api process is refused by the other ingest processes within a second', async () => {
    const survivors = cluster.running('ingest');
    expect(survivors.length).toBeGreaterThan(0);
    const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    const track = (p: SluiceProcess) => fetch(`${p.url}/v1/track`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u', event: 'Probe' }) });
    for (const p of survivors) expect((await track(p)).status).toBe(200); // the cache now holds the enabled source
    const patch = await fetch(`${api.url}/api/v1/sources/${sourceId}`, { method: 'PATCH', headers: { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) });
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
