import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi } from './support/api-client.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * The admin API of a scale-mode api process whose NATS is out of reach: a destination's backlog (read from the
 * deliveries stream) answered `500 internal_error` ("something went wrong on our side ... report it") after the
 * NATS client's timeout. It is an outage the operator is already seeing on /health: `503 storage_unavailable` with
 * Retry-After, as docs/errors.md says for NATS. The cut is a TCP proxy between the process and NATS.
 */
const available = (await postgresAvailable()) && (await natsAvailable());

describe.runIf(available)('admin API of an api process cut off from NATS', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let sluice: TestSluice;
  const prefix = uniqueQueuePrefix('apiout');

  beforeAll(async () => {
    schema = await createTestSchema('apiout');
    const target = new URL(TEST_QUEUE_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 4222));
    sluice = await startTestSluice({
      SLUICE_DATABASE_URL: schemaUrl(schema),
      SLUICE_QUEUE_URL: proxy.url,
      SLUICE_QUEUE_PREFIX: prefix,
      SLUICE_SECRET_KEY: 'api-outage-test-secret-key-0123456789abcdef',
      SLUICE_ROLES: 'api',
      SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1',
      SLUICE_LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await sluice?.stop();
    await proxy?.close();
    await schema?.drop();
    await deleteStreams(prefix);
  });

  it('answers a destination\'s backlog with 503 storage_unavailable and Retry-After, and the backlog again once NATS is back', async () => {
    const call = ownerApi(sluice);
    const created = await call<{ id: string }>('POST', '/destinations', { type: 'webhook', name: 'Hook', config: { url: 'http://127.0.0.1:9/hook' } });
    expect(created.status).toBe(201);
    expect((await call('GET', `/destinations/${created.body.id}/backlog`)).body).toMatchObject({ waiting: 0 });

    proxy.cut();
    await eventually(async () => ((await fetch(`${sluice.url}/health`)).status === 503 ? true : undefined), 15_000);
    const down = await call<{ error: { code: string; message: string } }>('GET', `/destinations/${created.body.id}/backlog`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(down.body.error.code).toBe('storage_unavailable');
    expect(down.body.error.message).toMatch(/NATS/);

    proxy.restore();
    await eventually(async () => ((await call('GET', `/destinations/${created.body.id}/backlog`)).status === 200 ? true : undefined), 30_000);
  }, 90_000);
});
