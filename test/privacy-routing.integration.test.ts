import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * The privacy rules at fan-out, end to end: consent per destination (opt-in by default), GPC, and the
 * per-destination PII action, with every withheld event visible in the destination's deliveries.
 */
let sluice: TestSluice;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
const send = (event: Record<string, unknown>, headers: Record<string, string> = {}) => sendTracking(sluice.url, sluice.writeKey, 'track', event, headers);

const webhook = (name: string, consentCategories?: string[]) => createWebhook(sluice, servers, name, {}, consentCategories ? { consentCategories } : {});

type Delivery = { messageId: string; status: string; reason?: string };
async function delivery(destinationId: string, messageId: string): Promise<Delivery | undefined> {
  const list = (await api('GET', `/destinations/${destinationId}/deliveries?messageId=${messageId}`)).body.deliveries as Delivery[];
  return list.find((d) => d.messageId === messageId && d.status !== 'queued');
}

let ads: { id: string; server: RecordingServer };
let ops: { id: string; server: RecordingServer };

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  ads = await webhook('Ads', ['advertising']);
  ops = await webhook('Ops');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('privacy at fan-out', () => {
  it('withholds an event from a destination whose consent category was not granted, and says why', async () => {
    await send({ userId: 'p-1', event: 'Viewed', messageId: 'pr-no-consent' });
    const dropped = await eventually(() => delivery(ads.id, 'pr-no-consent'), 20_000);
    expect(dropped).toMatchObject({ status: 'dropped', reason: 'consent_denied:advertising' });
    // a destination needing no optional category still receives it
    expect(await eventually(() => delivery(ops.id, 'pr-no-consent'), 20_000)).toMatchObject({ status: 'delivered' });
    expect(ads.server.events().map((e) => e.messageId)).not.toContain('pr-no-consent');
  });

  it('delivers once the event carries consent for the category', async () => {
    await send({ userId: 'p-2', event: 'Viewed', messageId: 'pr-consent', context: { consent: { categoryPreferences: { Advertising: true } } } });
    expect(await eventually(() => delivery(ads.id, 'pr-consent'), 20_000)).toMatchObject({ status: 'delivered' });
    expect(ads.server.events().map((e) => e.messageId)).toContain('pr-consent');
  });

  it('keeps one visitor\'s consent from another whose app sends the same placeholder userId ("nil")', async () => {
    // A logged-out app sends userId "nil" for everyone: the first visitor opts in to advertising...
    await send({ userId: 'nil', anonymousId: 'ph-visitor-1', event: 'Segment Consent Preference Updated', messageId: 'ph-consent', context: { consent: { categoryPreferences: { Advertising: true } } } });
    expect(await eventually(() => delivery(ads.id, 'ph-consent'), 20_000)).toMatchObject({ status: 'delivered' });
    // ...which is not the second visitor's choice: they never consented.
    await send({ userId: 'nil', anonymousId: 'ph-visitor-2', event: 'Ad Clicked', messageId: 'ph-other' });
    expect(await eventually(() => delivery(ads.id, 'ph-other'), 20_000)).toMatchObject({ status: 'dropped', reason: 'consent_denied:advertising' });
    expect(ads.server.events().map((e) => e.messageId)).not.toContain('ph-other');
  });

  it('takes the email in a group call\'s traits as the group\'s, not as the sender\'s identifier', async () => {
    // A user of Acme sends a group call with Global Privacy Control on; the group's traits name its billing contact.
    await sendTracking(sluice.url, sluice.writeKey, 'group', { userId: 'acme-user', groupId: 'acme', traits: { name: 'Acme', email: 'billing@acme.test' }, messageId: 'gr-acme' }, { 'sec-gpc': '1' });
    expect(await eventually(() => delivery(ops.id, 'gr-acme'), 20_000)).toMatchObject({ status: 'delivered' });
    // The billing contact is a person of their own, who opts in: another person's GPC signal is not theirs.
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'acme-billing', traits: { email: 'billing@acme.test' }, messageId: 'gr-billing' });
    await send({ userId: 'acme-billing', event: 'Ad Clicked', messageId: 'gr-billing-ad', context: { consent: { categoryPreferences: { Advertising: true } } } });
    expect(await eventually(() => delivery(ads.id, 'gr-billing-ad'), 20_000)).toMatchObject({ status: 'delivered' });
  });

  it('lets Global Privacy Control override a prior opt-in', async () => {
    await send({ userId: 'p-3', event: 'Viewed', messageId: 'pr-gpc', context: { consent: { categoryPreferences: { advertising: true } } } }, { 'sec-gpc': '1' });
    expect(await eventually(() => delivery(ads.id, 'pr-gpc'), 20_000)).toMatchObject({ status: 'dropped', reason: 'gpc' });
  });

  it('keeps an opt-out filed as a request against the older choice a consent banner re-sends with every event, until the person chooses again', async () => {
    const banner = { consent: { categoryPreferences: { advertising: true } } };
    await send({ userId: 'p-6', event: 'Viewed', messageId: 'pr-before-opt-out', context: banner });
    expect(await eventually(() => delivery(ads.id, 'pr-before-opt-out'), 20_000)).toMatchObject({ status: 'delivered' });
    const optOut = await api('POST', '/privacy-requests', { type: 'opt_out', regulation: 'ccpa', subject: { userId: 'p-6' } });
    expect(optOut.status).toBe(201);
    await eventually(async () => ((await api('GET', `/privacy-requests/${String(optOut.body.id)}`)).body.status === 'completed' ? true : undefined), 20_000);
    await send({ userId: 'p-6', event: 'Viewed', messageId: 'pr-after-opt-out', context: banner });
    expect(await eventually(() => delivery(ads.id, 'pr-after-opt-out'), 20_000)).toMatchObject({ status: 'dropped', reason: 'consent_denied:advertising' });
    expect(ads.server.events().map((e) => e.messageId)).not.toContain('pr-after-opt-out');
    // The person opts in again in the banner (a new choice, recorded in the ledger after the request): it counts.
    await send({ userId: 'p-6', event: 'Segment Consent Preference Updated', messageId: 'pr-opt-in-again', context: banner });
    await eventually(() => delivery(ads.id, 'pr-opt-in-again'), 20_000);
    await send({ userId: 'p-6', event: 'Viewed', messageId: 'pr-after-opt-in', context: banner });
    expect(await eventually(() => delivery(ads.id, 'pr-after-opt-in'), 20_000)).toMatchObject({ status: 'delivered' });
  });

  it('routes nothing of a restricted subject, keeps storing it, and routes again once lifted', async () => {
    const restrict = await api('POST', '/privacy-requests', { type: 'restrict', subject: { userId: 'p-5' }, verified: true });
    expect(restrict.status).toBe(201);
    await eventually(async () => ((await api('GET', `/privacy-requests/${String(restrict.body.id)}`)).body.status === 'completed' ? true : undefined), 20_000);
    await send({ userId: 'p-5', event: 'Viewed', messageId: 'pr-restricted' });
    expect(await eventually(() => delivery(ops.id, 'pr-restricted'), 20_000)).toMatchObject({ status: 'dropped', reason: 'restricted' });
    expect(ops.server.events().map((e) => e.messageId)).not.toContain('pr-restricted');
    const lift = await api('POST', '/privacy-requests', { type: 'unrestrict', subject: { userId: 'p-5' }, verified: true });
    await eventually(async () => ((await api('GET', `/privacy-requests/${String(lift.body.id)}`)).body.status === 'completed' ? true : undefined), 20_000);
    await send({ userId: 'p-5', event: 'Viewed', messageId: 'pr-lifted' });
    expect(await eventually(() => delivery(ops.id, 'pr-lifted'), 20_000)).toMatchObject({ status: 'delivered' });
  });

  it('routes nothing of a person restricted by email: under their anonymousId and userId, on a device linked later, and under an email first seen after the request', async () => {
    const identify = (event: Record<string, unknown>) => sendTracking(sluice.url, sluice.writeKey, 'identify', event);
    const restrictAndWait = async (subject: Record<string, string>) => {
      const restrict = await api('POST', '/privacy-requests', { type: 'restrict', subject, verified: true });
      expect(restrict.status).toBe(201);
      await eventually(async () => ((await api('GET', `/privacy-requests/${String(restrict.body.id)}`)).body.status === 'completed' ? true : undefined), 20_000);
    };
    await identify({ userId: 'rl-ada', anonymousId: 'rl-ada-web', traits: { email: 'rl-ada@example.com' }, messageId: 'rl-identify' });
    expect(await eventually(() => delivery(ops.id, 'rl-identify'), 20_000)).toMatchObject({ status: 'delivered' });
    await restrictAndWait({ email: 'RL-Ada@example.com' });
    await send({ anonymousId: 'rl-ada-web', event: 'Viewed', messageId: 'rl-anon' });
    await send({ userId: 'rl-ada', event: 'Viewed', messageId: 'rl-user' });
    // A phone the person starts using after the request: linked by an identify, then its anonymous events.
    await identify({ userId: 'rl-ada', anonymousId: 'rl-ada-phone', messageId: 'rl-phone-identify' });
    await send({ anonymousId: 'rl-ada-phone', event: 'Viewed', messageId: 'rl-phone' });
    // An email Sluice had never seen when it was restricted: it appears in traits later, with a userId.
    await restrictAndWait({ email: 'rl-new@example.com' });
    await identify({ userId: 'rl-new', traits: { email: 'rl-new@example.com' }, messageId: 'rl-new-identify' });
    await send({ userId: 'rl-new', event: 'Viewed', messageId: 'rl-new-track' });
    await send({ userId: 'rl-bystander', event: 'Viewed', messageId: 'rl-free' });
    for (const messageId of ['rl-anon', 'rl-user', 'rl-phone-identify', 'rl-phone', 'rl-new-identify', 'rl-new-track']) {
      expect(await eventually(() => delivery(ops.id, messageId), 20_000), messageId).toMatchObject({ status: 'dropped', reason: 'restricted' });
    }
    expect(await eventually(() => delivery(ops.id, 'rl-free'), 20_000)).toMatchObject({ status: 'delivered' });
    expect(ops.server.events().map((e) => e.messageId).filter((id) => String(id).startsWith('rl-'))).toEqual(['rl-identify', 'rl-free']);
  });

  it('keeps the sensitive fields of a person who limited their use (CPRA 1798.121) from a destination allowed them, on their linked devices too, until the limit is lifted', async () => {
    const identify = (event: Record<string, unknown>) => sendTracking(sluice.url, sluice.writeKey, 'identify', event);
    const requestAndWait = async (type: string, subject: Record<string, string>) => {
      const made = await api('POST', '/privacy-requests', { type, subject, verified: true });
      expect(made.status).toBe(201);
      await eventually(async () => ((await api('GET', `/privacy-requests/${String(made.body.id)}`)).body.status === 'completed' ? true : undefined), 20_000);
    };
    const sent = (messageId: string) => ops.server.events().find((e) => e.messageId === messageId) as { properties?: Record<string, unknown> } | undefined;
    // The Ops destination may receive health data (a clinic's own records system, say).
    expect((await api('PUT', '/pii/policy', { destinations: { [ops.id]: { sensitive: 'hash' } } })).status).toBe(200);
    try {
      await identify({ userId: 'ls-ada', anonymousId: 'ls-ada-web', traits: { email: 'ls-ada@example.com' }, messageId: 'ls-identify' });
      await eventually(() => delivery(ops.id, 'ls-identify'), 20_000);
      await requestAndWait('limit_sensitive', { email: 'ls-ada@example.com' });
      const visit = (messageId: string, who: Record<string, string>) => send({ ...who, event: 'Booked', messageId, properties: { medication: 'insulin', clinic: 'north' } });
      await visit('ls-user', { userId: 'ls-ada' });
      await visit('ls-anon', { anonymousId: 'ls-ada-web' });
      await visit('ls-bystander', { userId: 'ls-bob' });
      for (const messageId of ['ls-user', 'ls-anon', 'ls-bystander']) expect(await eventually(() => delivery(ops.id, messageId), 20_000), messageId).toMatchObject({ status: 'delivered' });
      // The person's events leave without the sensitive field (not even hashed); the rest of the event goes.
      for (const messageId of ['ls-user', 'ls-anon']) {
        expect(sent(messageId)?.properties, messageId).toEqual({ clinic: 'north' });
      }
      // Someone who limited nothing: the destination's policy applies (hashed).
      expect(sent('ls-bystander')?.properties?.medication).toMatch(/^[0-9a-f]{64}$/);

      await requestAndWait('unlimit_sensitive', { email: 'ls-ada@example.com' });
      await visit('ls-lifted', { userId: 'ls-ada' });
      await eventually(() => delivery(ops.id, 'ls-lifted'), 20_000);
      expect(sent('ls-lifted')?.properties?.medication).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await api('PUT', '/pii/policy', {});
    }
  });

  it('judges replayed events by consent as it stands now: a withdrawal since withholds them, and a child\'s events stay away', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const granted = { context: { consent: { categoryPreferences: { Advertising: true } } } };
    for (const [userId, messageId] of [['p-6', 'pr-rp-withdrawn'], ['p-7', 'pr-rp-kept'], ['p-8', 'pr-rp-child']]) {
      await send({ userId, event: 'Replayed', messageId, ...granted });
      expect(await eventually(() => delivery(ads.id, messageId!), 20_000)).toMatchObject({ status: 'delivered' });
    }
    // Since then p-6 withdrew consent to advertising, and p-8 turned out to be 11.
    await send({ userId: 'p-6', event: 'Segment Consent Preference Updated', messageId: 'pr-rp-withdraw', context: { consent: { categoryPreferences: { Advertising: false } } } });
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'p-8', traits: { age: 11 }, messageId: 'pr-rp-age' });
    await eventually(async () => ((await delivery(ops.id, 'pr-rp-withdraw')) && (await delivery(ops.id, 'pr-rp-age')) ? true : undefined), 20_000);

    const replay = await api('POST', `/destinations/${ads.id}/replay`, { from, to: new Date(Date.now() + 1000).toISOString(), event: 'Replayed' });
    expect(replay.body).toMatchObject({ status: 'completed', read: 3, queued: 1, dropped: 2 });
    expect(await delivery(ads.id, 'pr-rp-withdrawn')).toMatchObject({ status: 'dropped', reason: 'consent_denied:advertising' });
    expect(await delivery(ads.id, 'pr-rp-child')).toMatchObject({ status: 'dropped', reason: 'child' });
    await eventually(async () => (ads.server.events().filter((e) => e.messageId === 'pr-rp-kept').length === 2 ? true : undefined), 20_000);
    expect(ads.server.events().filter((e) => e.messageId === 'pr-rp-withdrawn')).toHaveLength(1);
    expect(ads.server.events().filter((e) => e.messageId === 'pr-rp-child')).toHaveLength(1);
  });

  it('removes a Red field before the event leaves, and keeps the rest', async () => {
    await send({ userId: 'p-4', event: 'Signed Up', messageId: 'pr-red', properties: { ssn: '123-45-6789', plan: 'pro' } });
    await eventually(() => delivery(ops.id, 'pr-red'), 20_000);
    const sent = ops.server.events().find((e) => e.messageId === 'pr-red') as { properties?: Record<string, unknown> } | undefined;
    expect(sent?.properties).toMatchObject({ plan: 'pro' });
    expect(sent?.properties?.ssn).toBeUndefined();
  });

  it('withholds a queued event of a person suppressed while it waited for a destination that was down', async () => {
    const flaky = await webhook('Flaky');
    flaky.server.respond = () => ({ status: 503 });
    await send({ userId: 'late-1', event: 'Viewed', messageId: 'pr-late' });
    await eventually(async () => ((await delivery(flaky.id, 'pr-late'))?.status === 'retrying' ? true : undefined), 20_000);
    const suppress = await api('POST', '/privacy-requests', { type: 'suppress', subject: { userId: 'late-1' } });
    expect(suppress.status).toBe(201);
    await eventually(async () => ((await api('GET', `/privacy-requests/${String(suppress.body.id)}`)).body.status === 'completed' ? true : undefined), 20_000);
    flaky.server.respond = () => ({ status: 200 });
    const dropped = await eventually(async () => {
      const d = await delivery(flaky.id, 'pr-late');
      return d?.status === 'dropped' ? d : undefined;
    }, 30_000);
    expect(dropped).toMatchObject({ reason: 'suppressed' });
    expect(flaky.server.requests.map((r) => JSON.stringify(r.body))).not.toContainEqual(expect.stringContaining('pr-late'));
    expect(flaky.server.failures.length).toBeGreaterThan(0);
  });

  it('sends a queued event of a person who limited the use of their sensitive data while it waited without the sensitive field, whether the job kept the event or a reference to it', async () => {
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'lq-ada', traits: { email: 'lq-ada@example.com' }, messageId: 'lq-identify' });
    await eventually(() => delivery(ops.id, 'lq-identify'), 20_000);
    // Two destinations down, both allowed sensitive and Red fields: one as they are (the job refers to the stored
    // event), one hashed (the job carries the event as made for it, where a hashed value no longer looks like one).
    const allowing = await webhook('Down, allows health data');
    const hashing = await webhook('Down, hashes health data');
    for (const d of [allowing, hashing]) d.server.respond = () => ({ status: 503 });
    expect((await api('PUT', '/pii/policy', { destinations: { [allowing.id]: { sensitive: 'allow', red: 'allow' }, [hashing.id]: { sensitive: 'hash', red: 'hash' } } })).status).toBe(200);
    try {
      // `ref` is Red by its value only (a US SSN), `medication` sensitive by its key.
      const visit = (messageId: string, userId: string) => send({ userId, event: 'Booked', messageId, properties: { medication: 'insulin', clinic: 'north', ref: '123-45-6789' } });
      await visit('lq-ada-visit', 'lq-ada');
      await visit('lq-bob-visit', 'lq-bob');
      for (const d of [allowing, hashing]) {
        for (const messageId of ['lq-ada-visit', 'lq-bob-visit']) await eventually(async () => ((await delivery(d.id, messageId))?.status === 'retrying' ? true : undefined), 20_000);
      }
      const limit = await api('POST', '/privacy-requests', { type: 'limit_sensitive', subject: { email: 'lq-ada@example.com' }, verified: true });
      expect(limit.status).toBe(201);
      await eventually(async () => ((await api('GET', `/privacy-requests/${String(limit.body.id)}`)).body.status === 'completed' ? true : undefined), 20_000);
      for (const d of [allowing, hashing]) d.server.respond = () => ({ status: 200 });
      for (const d of [allowing, hashing]) {
        for (const messageId of ['lq-ada-visit', 'lq-bob-visit']) {
          expect(await eventually(async () => ((await delivery(d.id, messageId))?.status === 'delivered' ? true : undefined), 30_000), `${d.id} ${messageId}`).toBe(true);
        }
      }
      const sent = (d: typeof allowing, messageId: string) => d.server.events().find((e) => e.messageId === messageId) as { properties?: Record<string, unknown> } | undefined;
      // The person's event leaves without the sensitive and Red fields, at both; the rest of it goes.
      expect(sent(allowing, 'lq-ada-visit')?.properties).toEqual({ clinic: 'north' });
      expect(sent(hashing, 'lq-ada-visit')?.properties).toEqual({ clinic: 'north' });
      // Someone who limited nothing: each destination's policy, as queued.
      expect(sent(allowing, 'lq-bob-visit')?.properties).toEqual({ medication: 'insulin', clinic: 'north', ref: '123-45-6789' });
      expect(sent(hashing, 'lq-bob-visit')?.properties?.medication).toMatch(/^[0-9a-f]{64}$/);
      expect(sent(hashing, 'lq-bob-visit')?.properties?.ref).toMatch(/^[0-9a-f]{64}$/);
      // Before the limit the destinations were sent the field (and refused it): the jobs were queued with it.
      type Sent = { messageId?: string; properties?: Record<string, unknown> };
      const refused = (d: typeof allowing) => d.server.failures.flatMap((r) => {
        const body = r.body as Sent & { batch?: Sent[] };
        return (body.batch ?? [body]).filter((e) => e.messageId === 'lq-ada-visit');
      });
      expect(refused(allowing)[0]?.properties?.medication).toBe('insulin');
      expect(refused(hashing)[0]?.properties?.medication).toMatch(/^[0-9a-f]{64}$/);
      expect(refused(hashing)[0]?.properties?.ref).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await api('PUT', '/pii/policy', {});
    }
  });

  it('drops a queued event of a person erased while it waited, without writing a delivery row for it again', async () => {
    const flaky = await webhook('Down during an erasure');
    // Deletion calls get through; events do not, until the erasure is done.
    let down = true;
    flaky.server.respond = (request) => ((request.body as { type?: string }).type === 'delete' || !down ? { status: 200 } : { status: 503 });
    await send({ userId: 'erased-1', event: 'Viewed', messageId: 'pr-erased' });
    await eventually(async () => ((await delivery(flaky.id, 'pr-erased'))?.status === 'retrying' ? true : undefined), 20_000);
    const erase = await api('POST', '/privacy-requests', { type: 'delete', subject: { userId: 'erased-1' }, verified: true });
    expect(erase.status).toBe(201);
    await eventually(async () => ((await api('GET', `/privacy-requests/${String(erase.body.id)}`)).body.status === 'completed' ? true : undefined), 30_000);
    const rows = async () => ((await api('GET', `/destinations/${flaky.id}/deliveries?messageId=pr-erased`)).body.deliveries as unknown[]).length;
    expect(await rows()).toBe(0); // the erasure deleted the event's rows
    down = false;
    // The job is finished (nothing waits) without being sent, and no row for it is written again.
    await eventually(async () => (((await api('GET', `/destinations/${flaky.id}/backlog`)).body as { waiting: number }).waiting === 0 ? true : undefined), 30_000);
    expect(await rows()).toBe(0);
    expect(flaky.server.events().map((e) => e.messageId)).not.toContain('pr-erased');
  });
});
