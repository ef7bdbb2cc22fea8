import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi } from './support/api-client.js';
import { natsAvailable } from './support/nats.js';
import { postgresAvailable } from './support/postgres.js';
import { eventually, type TestSluice } from './support/start-test-sluice.js';
import type { TcpProxy } from './support/tcp-proxy.js';
import { startProxiedSluice, type ProxiedSluice } from './support/proxied-sluice.js';

/**
 * The admin API of a scale-mode api process whose NATS is out of reach: a destination's backlog (read from the
 * deliveries stream) answered `500 internal_error` ("something went wrong on our side ... report it") after the
 * NATS client's timeout. It is an outage the operator is already seeing on /health: `503 storage_unavailable` with
 * Retry-After, as docs/errors.md says for NATS. The cut is a TCP proxy between the process and NATS.
 */
const available = (await postgresAvailable()) && (await natsAvailable());

describe.runIf(available)('admin API of an api process cut off from NATS', () => {
  let proxied: ProxiedSluice | undefined;
  let sluice: TestSluice;
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxied = await startProxiedSluice('apiout', 'nats', { SLUICE_ROLES: 'api', SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    ({ sluice, proxy } = proxied);
  });
  afterAll(async () => {
    await proxied?.close();
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

  it('keeps the destinations\' backlog series in /metrics while NATS is out of reach, marked stale, and fresh again once it is back', async () => {
    // Before, the series vanished for the outage (a "backlog too high" alert ended, graphs had a hole).
    const call = ownerApi(sluice);
    const created = await call<{ id: string }>('POST', '/destinations', { type: 'webhook', name: 'Metered', config: { url: 'http://127.0.0.1:9/hook' } });
    expect(created.status).toBe(201);
    const scrape = async () => {
      const res = await fetch(`${sluice.url}/metrics`, { headers: { authorization: `Bearer ${sluice.token}` } });
      expect(res.status).toBe(200);
      return res.text();
    };
    const series = new RegExp(`^sluice_destination_backlog\\{destination_id="${created.body.id}"\\} 0$`, 'm');
    expect(await scrape()).toMatch(series);

    proxy.cut();
    await eventually(async () => ((await fetch(`${sluice.url}/health`)).status === 503 ? true : undefined), 15_000);
    const during = await scrape();
    expect(during).toMatch(series);
    expect(during).toMatch(/^sluice_backlog_up\{backlog="destinations"\} 0$/m);
    expect(during).toMatch(/^sluice_backlog_scrape_errors_total\{backlog="destinations"\} [1-9]\d*$/m);

    proxy.restore();
    // Read again once NATS answers (fresh values, sluice_backlog_up 1).
    await eventually(async () => (/^sluice_backlog_up\{backlog="destinations"\} 1$/m.test(await scrape()) ? true : undefined), 30_000);
  }, 90_000);
});
