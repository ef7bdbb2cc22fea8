import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsAvailable } from './support/nats.js';
import { postgresAvailable } from './support/postgres.js';
import { eventually, type TestSluice } from './support/start-test-sluice.js';
import type { TcpProxy } from './support/tcp-proxy.js';
import { startProxiedSluice, type ProxiedSluice } from './support/proxied-sluice.js';

/**
 * `/health` of a scale-mode process without the Tracking API (here a processor) while its NATS is out of reach: an
 * operator's monitoring (or an orchestrator's probe) must see the outage there too, not only on ingest processes.
 * The cut is a TCP proxy between the process and NATS.
 */
const available = (await postgresAvailable()) && (await natsAvailable());

describe.runIf(available)('health of a processor process cut off from NATS', () => {
  let proxied: ProxiedSluice | undefined;
  let sluice: TestSluice;
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxied = await startProxiedSluice('health', 'nats', { SLUICE_ROLES: 'processor' });
    ({ sluice, proxy } = proxied);
  });
  afterAll(async () => {
    await proxied?.close();
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
