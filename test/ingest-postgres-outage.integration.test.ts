import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from './support/api-client.js';
import { natsAvailable } from './support/nats.js';
import { postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { eventually, type TestSluice } from './support/start-test-sluice.js';
import type { TcpProxy } from './support/tcp-proxy.js';
import { startProxiedSluice, type ProxiedSluice } from './support/proxied-sluice.js';

/**
 * Scale mode promises "200 means stored in JetStream": ingest needs NATS, not PostgreSQL, to accept an event. But
 * the writeKey's source was read from PostgreSQL once its cached answer was a second old, so during a PostgreSQL
 * restart or failover every ingest process refused every event (503 storage_unavailable) although NATS was up.
 * A writeKey resolved before keeps its last answer while the store cannot be reached; the processor stores the
 * events once PostgreSQL is back. The cut is a TCP proxy between the process and PostgreSQL.
 */
const available = (await postgresAvailable()) && (await natsAvailable());

describe.runIf(available)('ingest while PostgreSQL is out of reach', () => {
  let proxied: ProxiedSluice | undefined;
  let sluice: TestSluice;
  let proxy: TcpProxy;
  let schema: TestSchema;

  beforeAll(async () => {
    proxied = await startProxiedSluice('pgout', 'postgres', { SLUICE_ROLES: 'ingest,processor' });
    ({ sluice, proxy, schema } = proxied);
  });
  afterAll(async () => {
    await proxied?.close();
  });

  const track = (messageId: string, writeKey = sluice.writeKey) =>
    fetch(`${sluice.url}/v1/track`, { method: 'POST', headers: { authorization: basicAuth(writeKey), 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u1', event: 'Outage', messageId }) });
  const stored = async (messageId: string) => {
    const client = new pg.Client({ connectionString: schemaUrl(schema) });
    await client.connect();
    try {
      return (await client.query('SELECT 1 FROM events WHERE message_id = $1', [messageId])).rowCount ?? 0;
    } finally {
      await client.end();
    }
  };

  it('keeps accepting events of a known writeKey into the queue, and stores them once PostgreSQL is back', async () => {
    expect((await track('before-outage')).status).toBe(200);
    await eventually(async () => ((await stored('before-outage')) === 1 ? true : undefined), 20_000);

    proxy.cut();
    // Past the source cache's second: the writeKey would be read again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const during = await track('during-outage');
    expect(during.status).toBe(200);
    expect(await during.json()).toEqual({ success: true });
    // A writeKey never seen cannot be checked: refused as an outage, to be sent again.
    const unknown = await track('unknown-key', 'never-seen-write-key');
    expect(unknown.status).toBe(503);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');

    proxy.restore();
    await eventually(async () => ((await stored('during-outage')) === 1 ? true : undefined), 60_000);
  }, 120_000);
});
