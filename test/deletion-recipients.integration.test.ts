import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionSweeper } from '../src/privacy/retention/retention-sweeper.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { completedRequest } from './support/privacy-requests.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * By default a deletion is forwarded to every destination that can delete. A workspace may choose
 * `deletionForwarding: "recipients"`: then it goes to the destinations that received the person's data (GDPR 19
 * names recipients), since telling one that never had their data would only disclose their identifiers to it.
 * "Received" is read from the delivery log: delivered, still in flight (queued, retrying), or failed after an
 * attempt. The log can answer only while all of the person's events are stored: once retention has pruned the
 * workspace's events after the person was first seen, every destination is told. Real webhook servers,
 * everything through the APIs.
 */
let sluice: TestSluice;
const servers: RecordingServer[] = [];

const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
const webhook = (name: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => createWebhook(sluice, servers, name, config, extra);

interface Delivery { destinationId: string; status: string }
interface CertifiedDestination { destinationId: string; name: string; outcome: string; detail: string; attempts: number }

const deliveriesOf = async (messageId: string) => ((await api('GET', `/events/${messageId}`)).body.deliveries ?? []) as Delivery[];

const deleted = async (userId: string) => (await completedRequest(sluice, { type: 'delete', subject: { userId } })) as unknown as { destinations: CertifiedDestination[]; verified: boolean };

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('forwarding a deletion to recipients', () => {
  let crm: Awaited<ReturnType<typeof webhook>>;
  let ads: Awaited<ReturnType<typeof webhook>>;
  let mobileOnly: Awaited<ReturnType<typeof webhook>>;
  let flaky: Awaited<ReturnType<typeof webhook>>;

  beforeAll(async () => {
    crm = await webhook('CRM hook');
    // Gated by a category nobody here granted (opt-in): it receives nothing of theirs.
    ads = await webhook('Ad network', {}, { consentCategories: ['advertising'] });
    // Fed by another source only.
    const mobile = await api('POST', '/sources', { name: 'Mobile app' });
    mobileOnly = await webhook('Mobile analytics', {}, { sourceIds: [mobile.body.id] });
    // Down for events (they wait, retrying), up for deletions.
    flaky = await webhook('Flaky hook');
    flaky.server.respond = (request) => ((request.body as { type?: string }).type === 'delete' ? { status: 200 } : { status: 503, body: '{"error":"maintenance"}' });
  });

  it('tells every destination that can delete by default, also about a person Sluice never saw', async () => {
    expect((await api('GET', '/privacy/settings')).body.deletionForwarding).toBe('all');
    const certificate = await deleted('unseen-by-default');
    expect(certificate.destinations.map((d) => d.outcome)).toEqual(['deleted', 'deleted', 'deleted', 'deleted']);
    for (const server of [crm.server, ads.server, mobileOnly.server, flaky.server]) expect(server.deletions('unseen-by-default')).toHaveLength(1);
  });

  it('refuses an unknown forwarding choice, saying which are known', async () => {
    const refused = await api('PATCH', '/privacy/settings', { deletionForwarding: 'some' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('deletionForwarding');
  });

  it('tells the destinations that received the person’s data or have it in flight, and lists the others as not recipients (recipients only)', async () => {
    const chosen = await api('PATCH', '/privacy/settings', { deletionForwarding: 'recipients' });
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.body.deletionForwarding).toBe('recipients');
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'ivy', messageId: 'ivy-identify', traits: { email: 'ivy@example.com' } });
    await eventually(async () => {
      const rows = await deliveriesOf('ivy-identify');
      const status = (id: string) => rows.find((d) => d.destinationId === id)?.status;
      return status(crm.id) === 'delivered' && status(ads.id) === 'dropped' && status(flaky.id) === 'retrying' ? rows : undefined;
    }, 30_000);
    // The other source's destination has no row: it never was a candidate.
    expect((await deliveriesOf('ivy-identify')).map((d) => d.destinationId)).not.toContain(mobileOnly.id);

    const certificate = await deleted('ivy');
    const outcome = (id: string) => certificate.destinations.find((d) => d.destinationId === id);
    expect(outcome(crm.id)).toMatchObject({ outcome: 'deleted' });
    expect(outcome(flaky.id)).toMatchObject({ outcome: 'deleted' });
    for (const id of [ads.id, mobileOnly.id]) {
      expect(outcome(id)).toMatchObject({ outcome: 'not_recipient', attempts: 0, detail: expect.stringContaining("never received this person's data") });
    }
    expect(certificate.verified).toBe(true);
    expect(crm.server.deletions('ivy')).toHaveLength(1);
    expect(flaky.server.deletions('ivy')).toHaveLength(1);
    // Neither learned that Ivy exists.
    for (const server of [ads.server, mobileOnly.server]) expect(JSON.stringify(server.requests)).not.toContain('ivy');
    expect((await api('POST', '/privacy-requests/certificates/verify', certificate)).body).toEqual({ valid: true });
  });

  it('tells no destination about a person Sluice never saw (recipients only)', async () => {
    const certificate = await deleted('never-seen-person');
    expect(new Set(certificate.destinations.map((d) => d.outcome))).toEqual(new Set(['not_recipient']));
    for (const server of [crm.server, ads.server, mobileOnly.server, flaky.server]) expect(JSON.stringify(server.requests)).not.toContain('never-seen-person');
  });

  it('tells every destination once retention has pruned events since the person was first seen (recipients only, but the log may miss what they got)', async () => {
    // Jack was first seen 40 days ago (an event the client sent with that time), before the prune below.
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'jack', event: 'Signed Up', messageId: 'jack-1', timestamp: daysAgo(40) });
    await eventually(async () => ((await deliveriesOf('jack-1')).find((d) => d.destinationId === crm.id)?.status === 'delivered' ? true : undefined), 30_000);
    // Someone's event received 35 days ago goes with a 30-day retention: the workspace is pruned from then on.
    const workspaceId = 'ws_default';
    await sluice.store.events.insertMany([{ workspaceId, sourceId: 'src_old', event: { type: 'track', event: 'Old', messageId: 'old-1', userId: 'someone', context: {}, integrations: {}, originalTimestamp: daysAgo(35), timestamp: daysAgo(35), receivedAt: daysAgo(35), version: 2 } }]);
    await sluice.privacy.config.updateSettings(workspaceId, { eventRetentionDays: 30 });
    const sweeper = new RetentionSweeper(sluice.store, sluice.privacy.config, { intervalMs: 60_000, batchSize: 100, pauseMs: 0 });
    expect((await sweeper.sweep()).eventsDeleted).toBeGreaterThanOrEqual(1);

    const certificate = await deleted('jack');
    const outcome = (id: string) => certificate.destinations.find((d) => d.destinationId === id)?.outcome;
    expect([crm.id, ads.id, mobileOnly.id, flaky.id].map(outcome)).toEqual(['deleted', 'deleted', 'deleted', 'deleted']);
    for (const server of [crm.server, ads.server, mobileOnly.server, flaky.server]) expect(server.deletions('jack')).toHaveLength(1);
  });
});
