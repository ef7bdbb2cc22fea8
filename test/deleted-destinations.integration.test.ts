import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFile } from '../src/store/sqlite/sqlite-database.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { completedRequest } from './support/privacy-requests.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Deleting a destination keeps a tombstone: it leaves every list, lookup and routing path, but the people whose
 * data it received still see it among their recipients (GDPR 15(1)(c), CCPA right to know), a deletion
 * certificate says it could not be told (GDPR 19), and its waiting deliveries end as `dropped` instead of
 * `retrying` forever. Real webhook servers, everything through the APIs.
 */
let sluice: TestSluice;
const servers: RecordingServer[] = [];

const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
const send = (path: string, event: Record<string, unknown>) => sendTracking(sluice.url, sluice.writeKey, path, event);
const webhook = (name: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => createWebhook(sluice, servers, name, config, extra);

interface Delivery { destinationId: string; destinationName?: string; destinationDeletedAt?: string; status: string; reason?: string; nextAttemptAt?: string; lastError?: string }

const deliveriesOf = async (messageId: string) => ((await api('GET', `/events/${messageId}`)).body.deliveries ?? []) as Delivery[];

const completed = (body: Record<string, unknown>) => completedRequest(sluice, body);

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('a deleted destination', () => {
  it("stays among a person's recipients (access export, know report) and is named in their deletion certificate as not notified", async () => {
    const crm = await webhook('CRM hook');
    const kept = await webhook('Kept hook');
    // Gated by a category Henry never granted (opt-in): it receives nothing of his.
    const ads = await webhook('Ad network', {}, { consentCategories: ['advertising'] });
    await send('identify', { userId: 'henry', messageId: 'henry-identify', traits: { email: 'henry@example.com', name: 'Henry' } });
    await eventually(async () => {
      const rows = await deliveriesOf('henry-identify');
      const status = (id: string) => rows.find((d) => d.destinationId === id)?.status;
      return status(crm.id) === 'delivered' && status(kept.id) === 'delivered' && status(ads.id) === 'dropped' ? rows : undefined;
    }, 30_000);
    expect(ads.server.events()).toEqual([]);
    // One deleted before it ever received Henry's data: it is none of his recipients.
    const unused = await webhook('Unused hook');
    expect((await api('DELETE', `/destinations/${unused.id}`)).status).toBe(204);
    expect((await api('DELETE', `/destinations/${crm.id}`)).status).toBe(204);
    expect((await api('GET', `/destinations/${crm.id}`)).status).toBe(404);
    expect(((await api('GET', '/destinations')).body.destinations as { id: string }[]).map((d) => d.id)).not.toContain(crm.id);
    const today = new Date().toISOString().slice(0, 10);

    const exported = await completed({ type: 'access', subject: { userId: 'henry' } });
    const listed = exported.destinations as { destinationId: string; name: string; lastDeliveredAt?: string; deletedAt?: string }[];
    expect(listed.map((d) => d.name).sort()).toEqual(['Ad network', 'CRM hook', 'Kept hook']);
    expect(listed.find((d) => d.destinationId === crm.id)).toMatchObject({ name: 'CRM hook', type: 'webhook', lastDeliveredAt: expect.any(String), deletedAt: expect.stringMatching(new RegExp(`^${today}`)) });
    expect(listed.find((d) => d.destinationId === kept.id)).not.toHaveProperty('deletedAt');
    expect(listed.find((d) => d.destinationId === ads.id)).not.toHaveProperty('lastDeliveredAt');

    const known = await completed({ type: 'know', regulation: 'ccpa', subject: { userId: 'henry' } });
    const recipients = known.recipients as { name: string; type: string; lastDeliveredAt: string; deletedAt?: string }[];
    expect(recipients.map((r) => r.name).sort()).toEqual(['CRM hook', 'Kept hook']);
    expect(recipients.find((r) => r.name === 'CRM hook')?.deletedAt).toMatch(new RegExp(`^${today}`));
    expect(recipients.find((r) => r.name === 'Kept hook')).not.toHaveProperty('deletedAt');

    const certificate = await completed({ type: 'delete', subject: { userId: 'henry' } });
    const destinations = certificate.destinations as { destinationId: string; name: string; outcome: string; detail: string }[];
    expect(destinations.map((d) => d.name).sort()).toEqual(['Ad network', 'CRM hook', 'Kept hook']);
    expect(destinations.find((d) => d.destinationId === crm.id)).toMatchObject({
      outcome: 'not_supported',
      detail: `deleted on ${today}; its connection details were erased, so the erasure could not be forwarded: ask CRM hook to delete the person directly`,
    });
    expect(destinations.find((d) => d.destinationId === kept.id)?.outcome).toBe('deleted');
    expect(kept.server.deletions('henry')).toHaveLength(1);
    expect(crm.server.deletions('henry')).toHaveLength(0);
    expect(certificate.verified).toBe(true);
    expect((await api('POST', '/privacy-requests/certificates/verify', certificate)).body).toEqual({ valid: true });
  });

  it('drops its deliveries still retrying or queued, keeps naming it in the delivery log, and erases its config and secrets', async () => {
    const throttled = await webhook('Throttled', { signingSecret: 'signing-secret-42', headers: { authorization: 'Bearer hook-token-42' } });
    throttled.server.respond = () => ({ status: 429, headers: { 'retry-after': '60' }, body: '{"error":"slow down"}' });
    await send('batch', { batch: [0, 1].map((i) => ({ type: 'track', userId: 'rita', event: 'Step', messageId: `rita-${i}` })) });
    const retrying = await eventually(async () => (await deliveriesOf('rita-0')).find((d) => d.destinationId === throttled.id && d.status === 'retrying'), 30_000);
    expect(Date.parse(retrying.nextAttemptAt!)).toBeGreaterThan(Date.now());

    const before = Date.now();
    expect((await api('DELETE', `/destinations/${throttled.id}`)).status).toBe(204);
    for (const messageId of ['rita-0', 'rita-1']) {
      const [row] = (await deliveriesOf(messageId)).filter((d) => d.destinationId === throttled.id);
      expect(row).toMatchObject({ destinationName: 'Throttled', status: 'dropped', reason: 'destination_deleted', lastError: expect.stringContaining('deleted') });
      expect(Date.parse(row!.destinationDeletedAt!)).toBeGreaterThanOrEqual(before);
      expect(row).not.toHaveProperty('nextAttemptAt');
    }
    // Counted once per delivery, by reason, like every other drop.
    const counted = (await sluice.store.deliveries.counters('ws_default', before - 60_000, Date.now() + 60_000, throttled.id)).filter((c) => c.reason === 'destination_deleted');
    expect(counted.reduce((sum, c) => sum + c.count, 0)).toBe(2);
    // The router stops its lane without bringing any of them back.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await deliveriesOf('rita-0')).find((d) => d.destinationId === throttled.id)?.status).toBe('dropped');
    expect((await api('GET', `/destinations/${throttled.id}/deliveries`)).status).toBe(404);

    const file = new Database(sqliteFile(sluice.dataDir), { readonly: true });
    try {
      const row = file.prepare('SELECT * FROM destinations WHERE id = ?').get(throttled.id) as Record<string, unknown>;
      expect(row).toMatchObject({ name: 'Throttled', type: 'webhook', config: '{}', secrets: null, deleted_by: expect.stringContaining('token:') });
      expect(JSON.stringify(row)).not.toContain('127.0.0.1');
    } finally {
      file.close();
    }
  });
});
