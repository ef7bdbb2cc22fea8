import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { completedRequest } from './support/privacy-requests.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * An access export (GDPR Art. 15) holds everything Sluice keeps about the person, not only their events and
 * profile: every consent record (not the latest 500 the console pages through), the flags Sluice set on them
 * (a child, with the age that showed it) and the restrictions they asked for. Everything through the APIs.
 */
let sluice: TestSluice;
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
const send = (path: string, body: unknown) => sendTracking(sluice.url, sluice.writeKey, path, body);

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('the access export', () => {
  it('holds every consent record, the child flag and the restrictions of the subject', async () => {
    // Flagged as a child but not erased at once: the export must show the flag.
    expect((await api('PATCH', '/privacy/settings', { childDeletionRequests: false })).status).toBe(200);
    await send('identify', { userId: 'kid', messageId: 'kid-identify', traits: { email: 'kid@example.com', age: 12 } });
    // A consent banner that re-sends the choice on every page: 520 ledger entries.
    const choices = Array.from({ length: 520 }, (_, i) => ({
      type: 'track',
      userId: 'kid',
      messageId: `kid-consent-${i}`,
      event: 'Segment Consent Preference Updated',
      context: { consent: { categoryPreferences: { analytics: i % 2 === 0 } } },
    }));
    await send('batch', { batch: choices });
    await eventually(async () => ((await api('GET', '/events?userId=kid&limit=1000')).body.events as unknown[]).length === 521 || undefined, 30_000);
    await completedRequest(sluice, { type: 'restrict', subject: { userId: 'kid' } });

    const exported = await completedRequest(sluice, { type: 'access', subject: { userId: 'kid' } });
    const consent = exported.consentHistory as { messageId?: string | null }[];
    expect(consent).toHaveLength(520);
    expect(new Set(consent.map((c) => c.messageId))).toEqual(new Set(choices.map((c) => c.messageId)));
    expect(exported.flags).toEqual(expect.arrayContaining([{ identifier: { type: 'userId', value: 'kid' }, flag: 'child', detail: 'age 12 under 16', since: expect.any(String) }]));
    expect(exported.restrictions).toEqual({ processingRestricted: expect.arrayContaining(['kid', 'kid@example.com']), sensitiveUseLimited: [] });
  });

  it('shows with each banner choice the wording of the banner the person was shown, in the JSON and on the readable page', async () => {
    const served = (await (await fetch(`${sluice.url}/v1/consent/${sluice.writeKey}/categories`)).json()) as { bannerVersion: string };
    await send('track', { userId: 'eve', messageId: 'eve-consent', event: 'Segment Consent Preference Updated', context: { consent: { categoryPreferences: { analytics: false } } }, properties: { consentBanner: { version: served.bannerVersion, policyVersion: null } } });
    await eventually(async () => ((await api('GET', '/events?userId=eve')).body.events as unknown[]).length === 1 || undefined);
    const created = await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'eve' }, verified: true });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.status === 'completed' ? true : undefined), 60_000);
    const exported = (await api('GET', `/privacy-requests/${id}/result`)).body;
    expect((exported.consentHistory as { bannerVersion: string | null }[]).map((c) => c.bannerVersion)).toEqual([served.bannerVersion]);
    const banners = exported.consentBanners as { version: string; content: { text: { title: string }; categories: { name: string; description: string | null }[] } }[];
    expect(banners.map((b) => b.version)).toEqual([served.bannerVersion]);
    expect(banners[0]!.content.categories.find((c) => c.name === 'Analytics')?.description).toBe('Measures how the site is used, so it can be improved.');

    const page = await fetch(`${sluice.url}/api/v1/privacy-requests/${id}/result?format=html`, { headers: { authorization: `Bearer ${sluice.token}` } });
    const html = await page.text();
    expect(html).toContain('<a href="#banner-1">banner 1</a>');
    expect(html).toContain('<h2>The consent banner as you saw it</h2>');
    expect(html).toContain('<strong>Analytics</strong>: Measures how the site is used, so it can be improved.');
    expect(html).toContain(`Version ${served.bannerVersion}`);
  });

  it('says a subject with none of these has none', async () => {
    await send('identify', { userId: 'plain', messageId: 'plain-identify', traits: { email: 'plain@example.com' } });
    await eventually(async () => ((await api('GET', '/events?userId=plain')).body.events as unknown[]).length === 1 || undefined);
    const exported = await completedRequest(sluice, { type: 'access', subject: { userId: 'plain' } });
    expect(exported).toMatchObject({ consentHistory: [], consentBanners: [], flags: [], restrictions: { processingRestricted: [], sensitiveUseLimited: [] } });
  });

  it('takes an email in any case as the one address the identity graph keeps, and lists the requests made with it in another case', async () => {
    await send('identify', { userId: 'dora', messageId: 'dora-identify', traits: { email: 'Dora@Example.COM' } });
    await eventually(async () => ((await api('GET', '/events?userId=dora')).body.events as unknown[]).length === 1 || undefined);
    const earlier = await api('POST', '/privacy-requests', { type: 'opt_out', regulation: 'ccpa', subject: { email: 'DORA@example.com' } });
    expect(earlier.status).toBe(201);
    const exported = await completedRequest(sluice, { type: 'access', subject: { email: 'Dora@Example.com' } });
    expect(exported.subject).toEqual({ userIds: ['dora'], anonymousIds: [], emails: ['dora@example.com'] });
    expect((exported.requests as { id: string; type: string }[]).map((r) => r.type).sort()).toEqual(['access', 'opt_out']);
    expect((exported.requests as { id: string }[]).map((r) => r.id)).toContain(earlier.body.id);
  });

  it("holds every profile the request's identifiers name, not only the first one's", async () => {
    await send('identify', { userId: 'gus', messageId: 'gus-identify', traits: { plan: 'pro' } });
    await send('identify', { anonymousId: 'gus-laptop', messageId: 'gus-anon-identify', traits: { email: 'gus@example.com', name: 'Gus' } });
    await eventually(async () => ((await api('GET', '/profiles/gus')).status === 200 && (await api('GET', '/profiles/gus%40example.com')).status === 200) || undefined);
    const exported = await completedRequest(sluice, { type: 'access', subject: { userId: 'gus', email: 'gus@example.com' } });
    expect(exported.profile).toMatchObject({ traits: { plan: 'pro' } });
    expect((exported.profiles as { traits: Record<string, unknown> }[]).map((p) => p.traits)).toEqual([{ plan: 'pro' }, { email: 'gus@example.com', name: 'Gus' }]);
    expect((exported.events as { messageId: string }[]).map((e) => e.messageId).sort()).toEqual(['gus-anon-identify', 'gus-identify']);
  });
});
