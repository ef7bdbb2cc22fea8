import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsAvailable } from './support/nats.js';
import { postgresAvailable } from './support/postgres.js';
import { eventually } from './support/start-test-sluice.js';
import { startProxiedSluice, type ProxiedSluice } from './support/proxied-sluice.js';

/**
 * `/health` of scale-mode processes without the Tracking API (a processor, a router) while PostgreSQL is out of
 * reach: their NATS connection is up, but none of their work can be done, so a load balancer or an orchestrator
 * must see them unhealthy, and healthy again once PostgreSQL answers. (Before, they answered 200 throughout: only
 * NATS was looked at.) The cut is a TCP proxy between the process and PostgreSQL.
 */
const available = (await postgresAvailable()) && (await natsAvailable());

describe.runIf(available).each(['processor', 'router'])('health of a %s process cut off from PostgreSQL', (role) => {
  let proxied: ProxiedSluice | undefined;

  beforeAll(async () => {
    proxied = await startProxiedSluice(`pghealth_${role}`, 'postgres', { SLUICE_ROLES: role });
  });
  afterAll(async () => {
    await proxied?.close();
  });

  const health = async () => {
    const res = await fetch(`${proxied!.sluice.url}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers 503 naming PostgreSQL while it is out of reach, and 200 again once it is back', async () => {
    expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
    proxied!.proxy.cut();
    const down = await eventually(async () => {
      const answer = await health();
      return answer.status === 503 ? answer : undefined;
    }, 15_000);
    expect(down.body).toEqual({ status: 'unavailable', reason: expect.stringMatching(/^PostgreSQL \(SLUICE_DATABASE_URL\) cannot be reached \(for \d+ s: .+\); this process's work waits until it answers again$/) as string });
    proxied!.proxy.restore();
    await eventually(async () => ((await health()).status === 200 ? true : undefined), 30_000);
  }, 90_000);
});
