import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionSweeper } from '../src/privacy/retention/retention-sweeper.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const send = (path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => sendTracking(sluice.url, sluice.writeKey, path, body, headers);
const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => ownerApi(sluice)<T>(method, path, body);

async function stored(messageId: string): Promise<Record<string, unknown> | undefined> {
  const { body } = await api<{ events: Record<string, unknown>[] }>('GET', `/events?messageId=${encodeURIComponent(messageId)}`);
  return body.events[0];
}

beforeAll(async () => {
  // No jobs role: its own retention sweeper (5 s after start) would race the one the retention test runs.
  sluice = await startTestSluice({ SLUICE_ROLES: 'ingest,processor,router,api' });
});
afterAll(async () => {
  await sluice?.stop();
});

describe('privacy stages in the real processor', () => {
  it('drops a suppressed person (any linked identity) before storage and counts it', async () => {
    await send('identify', { userId: 'sup-u', anonymousId: 'sup-a', messageId: 'sup-0' });
    await eventually(() => stored('sup-0'));
    await sluice.privacy.suppressions.suppress(sluice.bootstrap.workspaceId, [{ type: 'userId', value: 'sup-u' }], { requestId: null, hashed: false });
    await send('track', { anonymousId: 'sup-a', event: 'Viewed', messageId: 'sup-1' });
    await send('track', { userId: 'free-u', event: 'Viewed', messageId: 'free-1' });
    await eventually(() => stored('free-1'));
    expect(await stored('sup-1')).toBeUndefined();
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${sluice.url}/metrics`, { headers: { authorization: `Bearer ${sluice.token}` } })).text();
      return /sluice_events_dropped_total\{[^}]*reason="suppressed"[^}]*\} 1/.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/stage="suppression"/);
  });

  it('records Segment Consent Preference Updated and GPC in the ledger, across linked identities', async () => {
    await send('track', { userId: 'cons-u', anonymousId: 'cons-a', event: 'Segment Consent Preference Updated', messageId: 'cons-1', context: { consent: { categoryPreferences: { Analytics: true, Advertising: true, Unknown: true } } } });
    await eventually(() => stored('cons-1'));
    let profile = await api<{ categories: { id: string; granted: boolean; rule: string }[]; history: { source: string }[]; gpc: { recorded: boolean } }>('GET', '/profiles/cons-a/consent');
    expect(profile.body.categories.find((c) => c.id === 'advertising')).toMatchObject({ granted: true, rule: 'ledger' });
    expect(profile.body.history.map((h) => h.source)).toEqual(['event', 'event']);
    await send('page', { anonymousId: 'cons-a', name: 'Home', messageId: 'cons-2' }, { 'sec-gpc': '1' });
    await eventually(() => stored('cons-2'));
    profile = await api('GET', '/profiles/cons-u/consent');
    expect(profile.body.gpc.recorded).toBe(true);
    expect(profile.body.categories.find((c) => c.id === 'advertising')).toMatchObject({ granted: false, rule: 'gpc' });
    expect(profile.body.categories.find((c) => c.id === 'analytics')).toMatchObject({ granted: true, rule: 'ledger' });
  });

  it('flags a child from traits and keeps the flag for linked identities', async () => {
    await send('identify', { userId: 'kid-u', anonymousId: 'kid-a', traits: { age: 12 }, messageId: 'kid-1' });
    await eventually(() => stored('kid-1'));
    const profile = await api<{ flags: { flag: string; detail: string }[] }>('GET', '/profiles/kid-a/consent');
    expect(profile.body.flags).toEqual([expect.objectContaining({ flag: 'child', detail: 'age 12 under 16' })]);
  });

  it('opens one deletion request for a child, waiting for a person to verify it', async () => {
    type Req = { id: string; type: string; status: string; channel: string; subject: Record<string, string> };
    const forKid = async () => (await api<{ requests: Req[] }>('GET', '/privacy-requests?type=delete')).body.requests.filter((r) => r.subject.userId === 'kid2-u' || r.subject.anonymousId === 'kid2-a');
    await send('identify', { anonymousId: 'kid2-a', traits: { birthday: `${new Date().getUTCFullYear() - 10}-01-01` }, messageId: 'kid2-1' });
    // Creation is two steps (received, then verifying): wait for the request to settle where it waits for a person.
    const [opened] = await eventually(async () => {
      const found = await forKid();
      return found.length > 0 && found.every((r) => r.status !== 'received') ? found : undefined;
    });
    expect(opened).toMatchObject({ type: 'delete', status: 'verifying', channel: 'system', subject: { anonymousId: 'kid2-a' } });
    const detail = await api<{ history: { action: string; actor: string; note?: string }[] }>('GET', `/privacy-requests/${opened!.id}`);
    expect(detail.body.history[0]).toMatchObject({ action: 'received', actor: 'system' });
    expect(detail.body.history[0]!.note).toMatch(/event kid2-1 shows age (9|10), under the workspace threshold of 16/);
    // The same person again (now linked to a userId, age shown again): no second request.
    await send('identify', { userId: 'kid2-u', anonymousId: 'kid2-a', traits: { age: 10 }, messageId: 'kid2-2' });
    await eventually(() => stored('kid2-2'));
    expect(await forKid()).toHaveLength(1);
    // A workspace that turned the setting off only flags.
    expect((await api('PATCH', '/privacy/settings', { childDeletionRequests: false })).status).toBe(200);
    await send('identify', { userId: 'kid3-u', traits: { age: 11 }, messageId: 'kid3-1' });
    await eventually(() => stored('kid3-1'));
    const all = (await api<{ requests: Req[] }>('GET', '/privacy-requests?type=delete')).body.requests;
    expect(all.filter((r) => r.subject.userId === 'kid3-u')).toHaveLength(0);
    expect((await api('PATCH', '/privacy/settings', { childDeletionRequests: true })).status).toBe(200);
  });

  it("opens a child's deletion in the language the child's browser gave (context.locale), else English", async () => {
    type Req = { id: string; status: string; language: string; subject: Record<string, string> };
    const opened = (anonymousId: string) =>
      eventually(async () => {
        const found = (await api<{ requests: Req[] }>('GET', '/privacy-requests?type=delete')).body.requests.find((r) => r.subject.anonymousId === anonymousId);
        return found && found.status !== 'received' ? found : undefined;
      });
    await send('identify', { anonymousId: 'kind-a', traits: { age: 11 }, context: { locale: 'de-AT' }, messageId: 'kind-1' });
    await send('identify', { anonymousId: 'barn-a', traits: { age: 11 }, context: { locale: 'sv-SE' }, messageId: 'barn-1' });
    expect(await opened('kind-a')).toMatchObject({ language: 'de' });
    // Swedish is not a language Sluice writes in: English, as for a child whose events give no locale (kid2 above).
    expect(await opened('barn-a')).toMatchObject({ language: 'en' });
  });

  it('classifies fields into the inventory and applies the workspace PII policy before storage, recording why', async () => {
    const put = await api('PUT', '/pii/policy', { workspace: { email: 'hash', ssn: 'redact' }, matchers: [{ target: 'key', pattern: 'loyaltyId', level: 'yellow', label: 'loyalty' }] });
    expect(put.status).toBe(200);
    expect((await api('PUT', '/pii/policy', { workspace: { email: 'encrypt' } })).status).toBe(400);
    await send('identify', { userId: 'pii-u', traits: { email: 'ada@example.com', ssn: '123-45-6789', loyaltyId: 'L1', plan: 'pro' }, context: { app: { name: 'Shop' } }, messageId: 'pii-1' });
    const event = (await eventually(() => stored('pii-1'))) as { traits: Record<string, unknown>; _privacy: { pii: { path: string; action: string; reason: string }[] } };
    expect(event.traits.email).toMatch(/^[0-9a-f]{64}$/);
    expect(event.traits.ssn).toBe('[redacted]');
    expect(event.traits.plan).toBe('pro');
    expect(event._privacy.pii).toEqual(
      expect.arrayContaining([
        { path: 'traits.email', action: 'hash', reason: 'pii_hashed:email' },
        { path: 'traits.ssn', action: 'redact', reason: 'pii_redacted:ssn' },
      ]),
    );
    const inventory = await api<{ fields: { path: string; classification: string; label: string | null }[] }>('GET', '/pii/inventory');
    const byPath = Object.fromEntries(inventory.body.fields.map((f) => [f.path, `${f.classification}:${f.label}`]));
    expect(byPath).toMatchObject({ 'traits.email': 'yellow:email', 'traits.ssn': 'red:ssn', 'traits.loyaltyId': 'yellow:loyalty', 'traits.plan': 'none:null', 'context.app.name': 'none:null' });
    const reviewed = await api('PATCH', '/pii/inventory', { sourceId: (await sluice.store.sources.list(sluice.bootstrap.workspaceId))[0]!.id, path: 'traits.plan', level: 'yellow', label: 'plan' });
    expect(reviewed.body).toMatchObject({ classification: 'yellow', label: 'plan' });
    await api('PUT', '/pii/policy', {});
  });
});

describe('retention sweeper', () => {
  it('deletes events past the window and truncates raw IPs past theirs, in batches', async () => {
    const ws = await sluice.store.workspaces.create({ name: 'retention' });
    await sluice.privacy.config.updateSettings(ws.id, { eventRetentionDays: 30, ipRetentionDays: 7 });
    const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    const ev = (id: string, days: number) => ({ workspaceId: ws.id, sourceId: 'src_r', event: { type: 'track' as const, event: 'E', messageId: id, userId: 'r', context: { ip: '198.51.100.23' }, integrations: {}, originalTimestamp: at(days), timestamp: at(days), receivedAt: at(days), version: 2 } });
    await sluice.store.events.insertMany([ev('old-1', 40), ev('old-2', 35), ev('mid-1', 10), ev('new-1', 1)]);
    const purged: Record<string, number> = {};
    const sweeper = new RetentionSweeper(sluice.store, sluice.privacy.config, { intervalMs: 1000, batchSize: 1, pauseMs: 0, onPurged: (kind, n) => (purged[kind] = (purged[kind] ?? 0) + n) });
    const result = await sweeper.sweep();
    expect(result.eventsDeleted).toBe(2);
    expect(result.ipsTruncated).toBe(1);
    expect(purged).toEqual({ events: 2, ips: 1 });
    const left = await sluice.store.events.query({ workspaceId: ws.id, limit: 10 });
    expect(Object.fromEntries(left.map((e) => [e.event.messageId, e.event.context.ip]))).toEqual({ 'mid-1': '198.51.100.0', 'new-1': '198.51.100.23' });
  });
});
