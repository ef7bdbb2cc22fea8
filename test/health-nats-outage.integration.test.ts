import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * `/health` of a scale-mode process without the Tracking API (here a processor) while its NATS is out of reach: an
 * operator's monitoring (or an orchestrator's probe) must see the outage there too, not only on ingest processes.
 * The cut is a TCP proxy between the process and NATS.
 */
const available = (await postgresAvailable()) && (await natsAvailable());

describe.runIf(available)('health of a processor process cut off from NATS', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let sluice: TestSluice;
  const prefix = uniqueQueuePrefix('health');

  beforeAll(async () => {
    schema = await createTestSchema('health');
    const target = new URL(TEST_QUEUE_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 4222));
    sluice = await startTestSluice({
      SLUICE_DATABASE_URL: schemaUrl(schema),
      SLUICE_QUEUE_URL: proxy.url,
      SLUICE_QUEUE_PREFIX: prefix,
      SLUICE_SECRET_KEY: 'health-test-secret-key-0123456789abcdef',
      SLUICE_ROLES: 'processor',
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

  const health = async () => {
    const res = await fetch(`${sluice.url}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers 503 with the reason while NATS is out of reach, and 200 again once it is back', async () => {
    expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
    proxy.cut();
    const down = await eventually(async () => {
      const answer = await health();
      return answer.status === 503 ? answer : undefined;
    }, 15_000);
    expect(down.body).toEqual({ status: 'unavailable', reason: expect.stringMatching(/^the connection to NATS was lost \d+ s ago and is being re-established$/) as string });
    proxy.restore();
    await eventually(async () => ((await health()).status === 200 ? true : undefined), 30_000);
  }, 90_000);
});
