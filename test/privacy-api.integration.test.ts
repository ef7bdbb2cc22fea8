import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; message: string } } }> {
  const response = await fetch(`${sluice.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${sluice.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await sluice?.stop();
});

describe('consent categories and privacy settings', () => {
  it('serves the default categories and replaces them with a validated list', async () => {
    const defaults = await api('GET', '/consent/categories');
    expect(defaults.status).toBe(200);
    expect(defaults.body).toEqual([
      expect.objectContaining({ id: 'necessary', required: true }),
      expect.objectContaining({ id: 'functional' }),
      expect.objectContaining({ id: 'analytics' }),
      expect.objectContaining({ id: 'advertising', gpc: true }),
    ]);
    const bad = await api('PUT', '/consent/categories', [{ id: 'a', name: 'Ads' }, { id: 'ads', name: 'Other' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('validation_failed');
    const list = [{ id: 'necessary', name: 'Necessary', required: true }, { id: 'analytics', name: 'Analytics' }, { id: 'ads', name: 'Advertising', gpc: true }];
    expect((await api('PUT', '/consent/categories', list)).body).toEqual(list);
    expect((await api('GET', '/consent/categories')).body).toEqual(list);
  });

  it('refuses to drop a category a destination requires, naming the destinations', async () => {
    const categories = (await api('GET', '/consent/categories')).body as unknown as { id: string; name: string }[];
    const created = await api('POST', '/destinations', { name: 'Needs analytics', type: 'webhook', config: { url: 'http://127.0.0.1:9/in' }, consentCategories: ['Analytics'] });
    expect(created.status).toBe(201);
    try {
      const without = categories.filter((c) => c.id !== 'analytics');
      const refused = await api('PUT', '/consent/categories', without);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'consent_category_in_use', message: expect.stringContaining(`Needs analytics (${String(created.body.id)})`) });
      expect((await api('GET', '/consent/categories')).body).toEqual(categories);
      // Renaming keeps it: destinations name it by id.
      expect((await api('PUT', '/consent/categories', categories.map((c) => (c.id === 'analytics' ? { ...c, name: 'Measurement' } : c)))).status).toBe(200);
    } finally {
      await api('DELETE', `/destinations/${String(created.body.id)}`);
      await api('PUT', '/consent/categories', categories);
    }
  });

  it('reads and patches privacy settings with clear errors', async () => {
    const settings = await api('GET', '/privacy/settings');
    expect(settings.body).toMatchObject({ consentModel: 'opt-in', dnt: 'ignore', ageThreshold: 16, childDeletionRequests: true });
    const patched = await api('PATCH', '/privacy/settings', { consentModel: 'opt-out', regionModels: { eu: 'opt-in', uk: 'opt-in' }, ageThreshold: 13, eventRetentionDays: 90 });
    expect(patched.body).toMatchObject({ consentModel: 'opt-out', regionModels: { EU: 'opt-in', GB: 'opt-in' }, ageThreshold: 13, eventRetentionDays: 90 });
    const bad = await api('PATCH', '/privacy/settings', { ageThreshold: 12 });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/13/);
    expect((await api('PATCH', '/privacy/settings', { eventRetentionDays: 45 })).status).toBe(400);
    await api('PATCH', '/privacy/settings', { consentModel: 'opt-in', regionModels: {} });
  });

  it('says which category and field is wrong, counted from 1 as the console shows them, without schema jargon', async () => {
    const list = [{ id: 'necessary', name: 'Necessary', required: true }, { id: 'analytics', name: 'Analytics' }, { id: 'ads', name: 'Advertising' }, { id: 'x', name: 'X' }, { id: '', name: '' }];
    for (const body of [list, { categories: list }]) {
      const bad = await api('PUT', '/consent/categories', body);
      expect(bad.status).toBe(400);
      expect(bad.body.error?.code).toBe('validation_failed');
      const message = bad.body.error!.message;
      expect(message).toBe('Invalid request: category 5 (index 4): id must not be empty (1-64 letters, digits, "_" or "-", e.g. marketing).');
      expect(message).not.toMatch(/anyOf|must be object|must be array|body\//);
    }
    const wrongId = await api('PUT', '/consent/categories', [{ id: 'has space', name: 'Spaces' }]);
    expect(wrongId.body.error?.message).toContain('Category 1 (index 0): id "has space"');
    const young = await api('PATCH', '/privacy/settings', { ageThreshold: 10 });
    expect(young.body.error?.message).toBe('Invalid request: ageThreshold must be at least 13 (children are people under this age: 13 to 16, GDPR Art. 8).');
    const model = await api('PATCH', '/privacy/settings', { consentModel: 'maybe' });
    expect(model.body.error?.message).toBe('Invalid request: consentModel must be one of "opt-in", "opt-out".');
  });
});

describe('suppressions', () => {
  it('lists suppress-request identifiers in clear and post-deletion ones hashed', async () => {
    const ws = sluice.bootstrap.workspaceId;
    await sluice.privacy.suppressions.suppress(ws, [{ type: 'email', value: 'Ada@Example.com' }], { requestId: 'pr_1', hashed: false });
    await sluice.privacy.suppressions.suppress(ws, [{ type: 'userId', value: 'deleted-user' }], { requestId: 'pr_2', hashed: true });
    const { body } = await api('GET', '/suppressions');
    const rows = body.suppressions as { identifier: string; hashed: boolean; type: string; requestId: string }[];
    expect(rows).toHaveLength(2);
    expect(rows).toContainEqual(expect.objectContaining({ identifier: 'ada@example.com', hashed: false, type: 'email', requestId: 'pr_1' }));
    const hashed = rows.find((r) => r.hashed)!;
    expect(hashed).toMatchObject({ type: 'userId', requestId: 'pr_2' });
    expect(hashed.identifier).toMatch(/^[0-9a-f]{64}$/);
    const hit = await sluice.privacy.suppressions.suppressedKeys(ws, [{ type: 'userId', value: 'deleted-user' }, { type: 'email', value: 'ada@example.com' }, { type: 'userId', value: 'free' }]);
    expect([...hit].sort()).toEqual(['email:ada@example.com', 'userId:deleted-user']);
    expect(await sluice.privacy.suppressions.unsuppress(ws, [{ type: 'email', value: 'ada@example.com' }])).toBe(1);
    expect(((await api('GET', '/suppressions')).body.suppressions as unknown[]).length).toBe(1);
  });
});

describe('identity-graph aware suppression and consent', () => {
  it('a suppression or a consent choice of a userId covers the anonymousIds linked to it', async () => {
    const ws = sluice.bootstrap.workspaceId;
    const sent = await fetch(`${sluice.url}/v1/identify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(sluice.writeKey) }, body: JSON.stringify({ userId: 'linked-u', anonymousId: 'linked-a', traits: { email: 'linked@example.com' } }) });
    expect(sent.status).toBe(200);
    await eventually(async () => (await sluice.store.identities.linkedIdentities(ws, 'linked-a')) ?? undefined);
    await sluice.privacy.suppressions.suppress(ws, [{ type: 'userId', value: 'linked-u' }], { requestId: null, hashed: true });
    const hit = await sluice.privacy.suppressions.suppressedKeys(ws, [{ type: 'anonymousId', value: 'linked-a' }, { type: 'email', value: 'LINKED@example.com' }, { type: 'anonymousId', value: 'other' }]);
    expect([...hit].sort()).toEqual(['anonymousId:linked-a', 'email:linked@example.com']);
    await sluice.privacy.consent.recordDenial(ws, [{ type: 'email', value: 'linked@example.com' }], 'gpc', { source: 'api', requestId: 'pr_opt_out' });
    const current = await sluice.privacy.consent.current(ws, [{ type: 'anonymousId', value: 'linked-a' }]);
    expect(current.ledger.ads).toMatchObject({ granted: false });
    expect(current.identities).toHaveLength(3);
  });

  it('GET /profiles/:identifier/consent names the identifier by the type(s) the identity graph or the ledger knows, never a guessed userId', async () => {
    const ws = sluice.bootstrap.workspaceId;
    const sent = await fetch(`${sluice.url}/v1/identify`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(sluice.writeKey) }, body: JSON.stringify({ userId: 'typed-u', anonymousId: 'typed-a' }) });
    expect(sent.status).toBe(200);
    await eventually(async () => ((await sluice.store.identities.linkedIdentities(ws, 'typed-u'))?.anonymousIds.length ? true : undefined));
    const identities = async (identifier: string) => ((await api('GET', `/profiles/${identifier}/consent`)).body.identities as { type: string; value: string }[]).map((i) => `${i.type}:${i.value}`).sort();
    expect(await identities('typed-a')).toEqual(['anonymousId:typed-a', 'userId:typed-u']);
    expect(await identities('typed-u')).toEqual(['anonymousId:typed-a', 'userId:typed-u']);
    // Known to neither: no identity is claimed, and the categories follow the model.
    const unknown = await api('GET', '/profiles/never-seen-anon/consent');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ identities: [], history: [] });
    // Known only to the ledger (a choice recorded for an anonymousId before any event): its type there.
    await sluice.privacy.consent.recordChoice(ws, [{ type: 'anonymousId', value: 'ledger-only-a' }], { analytics: true }, { source: 'api' });
    expect(await identities('ledger-only-a')).toEqual(['anonymousId:ledger-only-a']);
  });
});

describe('server-side consent and GPC', () => {
  it('serves /.well-known/gpc.json', async () => {
    const response = await fetch(`${sluice.url}/.well-known/gpc.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ gpc: true, lastUpdate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  it('answers a CORS preflight for POST /v1/consent', async () => {
    const response = await fetch(`${sluice.url}/v1/consent`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('records a choice by writeKey, with GPC, and shows state and proof on the profile', async () => {
    const unauth = await fetch(`${sluice.url}/v1/consent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'c1', categoryPreferences: { analytics: true } }) });
    expect(unauth.status).toBe(401);
    const response = await fetch(`${sluice.url}/v1/consent`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: basic(sluice.writeKey), 'sec-gpc': '1', 'user-agent': 'TestBrowser/1' },
      body: JSON.stringify({ userId: 'c1', anonymousId: 'anon-c1', categoryPreferences: { Analytics: true, ads: true }, policyVersion: '2026-01' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, recorded: { analytics: true, ads: true }, gpc: true });
    const unknown = await fetch(`${sluice.url}/v1/consent`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(sluice.writeKey) }, body: JSON.stringify({ userId: 'c1', categoryPreferences: { marketing: true } }) });
    expect(unknown.status).toBe(400);

    const profile = await api('GET', '/profiles/c1/consent');
    expect(profile.status).toBe(200);
    expect(profile.body.gpc).toMatchObject({ recorded: true });
    const categories = profile.body.categories as { id: string; granted: boolean; rule: string }[];
    expect(categories).toEqual([
      expect.objectContaining({ id: 'necessary', granted: true, rule: 'required' }),
      expect.objectContaining({ id: 'analytics', granted: true, rule: 'ledger' }),
      expect.objectContaining({ id: 'ads', granted: false, rule: 'gpc' }),
    ]);
    const history = profile.body.history as { source: string; userAgent: string; ipHash: string; policyVersion: string; categories: Record<string, boolean> }[];
    expect(history.map((h) => h.source)).toEqual(['banner', 'gpc']);
    expect(history[0]).toMatchObject({ userAgent: 'TestBrowser/1', policyVersion: '2026-01', categories: { analytics: true, ads: true } });
    expect(history[0]!.ipHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(profile.body)).not.toContain('127.0.0.1');
  });
});

describe('proof of the banner a server-side choice was made on', () => {
  it('POST /v1/consent records the bannerVersion the categories answer gave, and the profile shows that wording', async () => {
    const served = (await (await fetch(`${sluice.url}/v1/consent/${sluice.writeKey}/categories`)).json()) as { bannerVersion: string; text: { title: string }; categories: { id: string }[] };
    expect(served.bannerVersion).toMatch(/^[0-9a-f]{64}$/);
    const post = (body: Record<string, unknown>) =>
      fetch(`${sluice.url}/v1/consent`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(sluice.writeKey) }, body: JSON.stringify({ userId: 'banner-proof', categoryPreferences: { analytics: false }, ...body }) });
    const wrong = await post({ bannerVersion: 'v1' });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    expect((await post({ bannerVersion: served.bannerVersion })).status).toBe(200);

    const profile = await api('GET', '/profiles/banner-proof/consent');
    const history = profile.body.history as { bannerVersion: string | null }[];
    expect(history.map((h) => h.bannerVersion)).toEqual([served.bannerVersion]);
    const banners = profile.body.banners as { version: string; content: { text: { title: string }; categories: { id: string }[] } }[];
    expect(banners).toHaveLength(1);
    expect(banners[0]).toMatchObject({ version: served.bannerVersion, content: { text: { title: served.text.title } } });
    expect(banners[0]!.content.categories.map((c) => c.id)).toEqual(served.categories.map((c) => c.id));
  });
});
