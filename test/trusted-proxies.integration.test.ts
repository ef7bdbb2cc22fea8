import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Whose X-Forwarded-For is believed (SLUICE_TRUSTED_PROXIES). A client's own header must not set the address
 * stored with its events (and the consent ledger's hashed address), or slip past the per-address limits of the
 * privacy-request intake: only the configured proxies' are read. Default: a proxy on the same machine.
 */
const running: TestSluice[] = [];
afterEach(async () => {
  for (const sluice of running.splice(0)) await sluice.stop();
});

async function storedIp(sluice: TestSluice, messageId: string): Promise<unknown> {
  const response = await fetch(`${sluice.url}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}`, 'x-forwarded-for': '203.0.113.9' },
    body: JSON.stringify({ anonymousId: 'a1', event: 'Forwarded', messageId }),
  });
  expect(response.status).toBe(200);
  const event = await eventually(async () => {
    const list = await fetch(`${sluice.url}/api/v1/events?messageId=${messageId}`, { headers: { authorization: `Bearer ${sluice.token}` } });
    return ((await list.json()) as { events: { context: { ip?: string } }[] }).events[0];
  });
  return event.context.ip;
}

describe('trusted proxies', () => {
  it('ignores a forwarded address from a client that is not a configured proxy', async () => {
    const sluice = await startTestSluice({ SLUICE_TRUSTED_PROXIES: '10.0.0.0/8' });
    running.push(sluice);
    expect(await storedIp(sluice, 'xff-untrusted')).toBe('127.0.0.1');
  });

  it('reads it from a proxy on the same machine by default', async () => {
    const sluice = await startTestSluice();
    running.push(sluice);
    expect(await storedIp(sluice, 'xff-loopback')).toBe('203.0.113.9');
  });

  it('refuses a setting that is not an address, a CIDR or a known name, and trusts nobody with none', () => {
    expect(() => loadConfig({ SLUICE_TRUSTED_PROXIES: 'proxy.internal' })).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('SLUICE_TRUSTED_PROXIES') }));
    expect(loadConfig({ SLUICE_TRUSTED_PROXIES: 'none' }).trustedProxies).toEqual([]);
    expect(loadConfig({ SLUICE_TRUSTED_PROXIES: ' 10.0.0.0/8, LOOPBACK ,::1' }).trustedProxies).toEqual(['10.0.0.0/8', 'loopback', '::1']);
  });
});
