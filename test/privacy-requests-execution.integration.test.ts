import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteQueueFile } from '../src/store/sqlite/sqlite-database.js';
import { downloadLink } from '../src/privacy/requests/download-link.js';
import { RestrictionCheck } from '../src/privacy/requests/restriction-check.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: () => Record<string, unknown>; type: string }> {
  const response = await fetch(`${sluice.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${sluice.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, type: response.headers.get('content-type') ?? '', json: () => JSON.parse(text) as Record<string, unknown> };
}

async function track(body: Record<string, unknown>, path = 'track'): Promise<void> {
  const response = await fetch(`${sluice.url}/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${sluice.writeKey}:`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function storedCount(query: string): Promise<number> {
  return ((await api('GET', `/events?${query}&limit=1000`)).json().events as unknown[]).length;
}

async function finished(id: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const shown = (await api('GET', `/privacy-requests/${id}`)).json();
    return ['completed', 'failed', 'denied'].includes(String(shown.status)) ? shown : undefined;
  });
}

/** A subject with two anonymous ids, a userId and an email, all linked; and a bystander. */
async function seedSubject(prefix: string): Promise<void> {
  await track({ anonymousId: `${prefix}-anon-1`, event: 'Viewed Pricing', properties: { plan: 'pro' } });
  await track({ userId: `${prefix}-user`, anonymousId: `${prefix}-anon-1`, traits: { email: `${prefix}@example.com`, name: 'Ada', phone: '+1 555 0100' } }, 'identify');
  await track({ userId: `${prefix}-user`, anonymousId: `${prefix}-anon-2`, event: 'Order Completed', properties: { revenue: 42, currency: 'EUR' } });
  await track({ userId: `${prefix}-bystander`, event: 'Order Completed', properties: { revenue: 1 } });
  await eventually(async () => ((await storedCount(`anonymousId=${prefix}-anon-2`)) === 1 && (await storedCount(`userId=${prefix}-bystander`)) === 1 ? true : undefined));
  await eventually(async () => ((await api('GET', `/profiles/${encodeURIComponent(`${prefix}@example.com`)}`)).status === 200 ? true : undefined));
}

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('executing privacy requests', () => {
  it('deletes every linked identity, verifies zero rows left and signs a certificate that says so', async () => {
    await seedSubject('del');
    // A consent choice: kept as proof after the erasure, but under a pseudonym.
    await track({ userId: 'del-user', event: 'Segment Consent Preference Updated', context: { consent: { categoryPreferences: { analytics: true } } } });
    await eventually(async () => (((await api('GET', '/profiles/del-user/consent')).json().history as unknown[]).length > 0 ? true : undefined));
    const created = await api('POST', '/privacy-requests', { type: 'delete', subject: { email: 'del@example.com' }, verified: true });
    expect(created.status).toBe(201);
    const done = await finished(String(created.json().id));
    expect(done.status).toBe('completed');

    const certificate = (await api('GET', `/privacy-requests/${String(done.id)}/result`)).json();
    expect(certificate).toMatchObject({ kind: 'sluice.deletion-certificate/v1', requestId: done.id, verified: true });
    const systems = certificate.systems as { system: string; found: number; deleted: number; residual: number }[];
    expect(systems.find((s) => s.system === 'events')).toMatchObject({ found: 4, deleted: 4, residual: 0 }); // 3 seeded + the consent choice
    expect(systems.find((s) => s.system === 'profiles')).toMatchObject({ found: 1, deleted: 1, residual: 0 });
    expect(systems.find((s) => s.system === 'identity_links')!.residual).toBe(0);
    expect(systems.find((s) => s.system === 'identity_links')!.found).toBeGreaterThanOrEqual(4);
    expect(systems.find((s) => s.system === 'consent_ledger')).toMatchObject({ residual: 0, note: expect.stringContaining('proof of consent') });
    expect(systems.find((s) => s.system === 'consent_ledger')!.found).toBeGreaterThan(0);
    expect(systems.find((s) => s.system === 'subject_flags')).toMatchObject({ residual: 0 });
    expect((await api('GET', '/profiles/del-user/consent')).json().history).toEqual([]);
    expect(certificate.subjectHashes as string[]).toHaveLength(4);
    expect(JSON.stringify(certificate)).not.toContain('del@example.com');
    expect(certificate.suppression).toMatchObject({ kept: true, hashedIdentifiers: 4 });

    expect(await storedCount('userId=del-user')).toBe(0);
    expect(await storedCount('anonymousId=del-anon-1')).toBe(0);
    // No copy of the requests as received is left in the inbox (it keeps them until it truncates, in its own time).
    const queue = new Database(sqliteQueueFile(sluice.dataDir), { readonly: true });
    try {
      const left = queue.prepare("SELECT count(*) AS n FROM queue_inbox WHERE CAST(body AS TEXT) LIKE '%del-user%'").get() as { n: number };
      expect(left.n).toBe(0);
    } finally {
      queue.close();
    }
    expect(await storedCount('userId=del-bystander')).toBe(1);
    expect((await api('GET', '/profiles/del-anon-2')).status).toBe(404);

    expect((await api('POST', '/privacy-requests/certificates/verify', certificate)).json()).toEqual({ valid: true });
    const forged = { ...certificate, systems: systems.map((s) => ({ ...s, residual: 0, found: 0, deleted: 0 })) };
    expect((await api('POST', '/privacy-requests/certificates/verify', forged)).json()).toEqual({ valid: false });
  });

  it('completes a deletion for a subject Sluice has never seen', async () => {
    const created = await api('POST', '/privacy-requests', { type: 'delete', subject: { userId: 'never-seen' }, verified: true });
    const done = await finished(String(created.json().id));
    expect(done.status).toBe('completed');
    const certificate = (await api('GET', `/privacy-requests/${String(done.id)}/result`)).json();
    expect((certificate.systems as { found: number; residual: number }[]).every((s) => s.found === 0 && s.residual === 0)).toBe(true);
  });

  it('exports everything about the subject as streamed JSON and NDJSON, and records each download', async () => {
    await seedSubject('acc');
    const created = await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'acc-user' }, verified: true });
    const done = await finished(String(created.json().id));
    expect(done.status).toBe('completed');

    const json = await api('GET', `/privacy-requests/${String(done.id)}/result`);
    expect(json.type).toContain('application/json');
    const document = json.json();
    expect((document.events as unknown[]).length).toBe(3);
    expect(document.subject).toMatchObject({ userIds: ['acc-user'], emails: ['acc@example.com'] });
    expect(((document.subject as { anonymousIds: string[] }).anonymousIds).sort()).toEqual(['acc-anon-1', 'acc-anon-2']);
    expect(document.profile).toMatchObject({ traits: { name: 'Ada' } });
    expect((document.requests as { id: string }[]).map((r) => r.id)).toContain(done.id);

    const ndjson = await api('GET', `/privacy-requests/${String(done.id)}/result?format=ndjson`);
    expect(ndjson.type).toContain('application/x-ndjson');
    const lines = ndjson.text.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(lines[0]!.kind).toBe('header');
    expect(lines.filter((l) => l.kind === 'event')).toHaveLength(3);

    const history = (await api('GET', `/privacy-requests/${String(done.id)}`)).json().history as { action: string; note?: string }[];
    expect(history.filter((h) => h.action === 'result_downloaded').map((h) => h.note)).toEqual(['access export (json)', 'access export (ndjson)']);

    // The subject's own link: no token, signed, time-limited.
    const link = downloadLink(sluice.keys, sluice.url, 'ws_default', String(done.id), Date.now() + 60_000);
    const viaLink = await fetch(link);
    expect(viaLink.status).toBe(200);
    expect(((await viaLink.json()) as { events: unknown[] }).events).toHaveLength(3);
    // change the signature's first hex digit (to a different one: it may already be 0)
    const tampered = link.replace(/signature=([0-9a-f])/, (_, d: string) => `signature=${d === '0' ? '1' : '0'}`);
    expect(tampered).not.toBe(link);
    expect((await fetch(tampered)).status).toBe(403);
    const expired = downloadLink(sluice.keys, sluice.url, 'ws_default', String(done.id), Date.now() - 1);
    expect(((await (await fetch(expired)).json()) as { error: { code: string } }).error.code).toBe('download_link_invalid');
  });

  it("leaves another person's events out of the subject's export and deletion when they signed in on the subject's device", async () => {
    await seedSubject('dev');
    // Someone else signs in on the same browser: the identity graph keeps them apart (one userId per profile),
    // but their identify carries the subject's anonymousId.
    await track({ userId: 'dev-other', anonymousId: 'dev-anon-1', traits: { name: 'Ivan Secret' } }, 'identify');
    await eventually(async () => ((await storedCount('userId=dev-other')) === 1 ? true : undefined));

    const access = await finished(String((await api('POST', '/privacy-requests', { type: 'access', subject: { email: 'dev@example.com' }, verified: true })).json().id));
    const exported = (await api('GET', `/privacy-requests/${String(access.id)}/result`)).json();
    expect((exported.events as unknown[]).length).toBe(3);
    expect(JSON.stringify(exported)).not.toContain('Ivan Secret');
    const profile = (await api('GET', '/profiles/dev-user')).json();
    expect(JSON.stringify(profile)).not.toContain('dev-other');

    const deletion = await finished(String((await api('POST', '/privacy-requests', { type: 'delete', subject: { email: 'dev@example.com' }, verified: true })).json().id));
    const certificate = (await api('GET', `/privacy-requests/${String(deletion.id)}/result`)).json();
    expect((certificate.systems as { system: string; found: number }[]).find((s) => s.system === 'events')).toMatchObject({ found: 3, deleted: 3, residual: 0 });
    expect(await storedCount('userId=dev-other')).toBe(1);
  });

  it('answers 409 result_not_ready while a request is not completed', async () => {
    const created = await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'pending' } });
    const result = await api('GET', `/privacy-requests/${String(created.json().id)}/result`);
    expect(result.status).toBe(409);
    expect(result.json()).toMatchObject({ error: { code: 'result_not_ready' } });
  });

  it('restricts and lifts routing for every linked identity, keeping the data', async () => {
    await seedSubject('res');
    const check = new RestrictionCheck(sluice.store.subjectData);
    const user = (value: string) => ({ type: 'userId' as const, value });
    const anon = (value: string) => ({ type: 'anonymousId' as const, value });
    const restrict = await finished(String((await api('POST', '/privacy-requests', { type: 'restrict', subject: { userId: 'res-user' }, verified: true })).json().id));
    expect(restrict.status).toBe('completed');
    expect(await check.isRestricted('ws_default', [anon('res-anon-2')])).toBe(true);
    expect(await check.isRestricted('ws_default', [user('res-bystander')])).toBe(false);
    expect(await storedCount('userId=res-user')).toBe(2);
    const lift = await finished(String((await api('POST', '/privacy-requests', { type: 'unrestrict', subject: { anonymousId: 'res-anon-1' }, verified: true })).json().id));
    expect(lift.status).toBe('completed');
    expect(await check.isRestricted('ws_default', [user('res-user'), anon('res-anon-2')])).toBe(false);

    const limit = await finished(String((await api('POST', '/privacy-requests', { type: 'limit_sensitive', regulation: 'ccpa', subject: { email: 'res@example.com' } })).json().id));
    expect(limit.status).toBe('completed');
    expect(await check.isSensitiveLimited('ws_default', [anon('res-anon-1')])).toBe(true);
    // Lifted the way a restriction is: a request of its own, for every linked identity, audited.
    const unlimit = await finished(String((await api('POST', '/privacy-requests', { type: 'unlimit_sensitive', regulation: 'ccpa', subject: { userId: 'res-user' }, verified: true })).json().id));
    expect(unlimit.status).toBe('completed');
    expect((await api('GET', `/privacy-requests/${String(unlimit.id)}/result`)).json()).toMatchObject({ kind: 'unlimit_sensitive', lifted: 4 });
    expect(await check.isSensitiveLimited('ws_default', [user('res-user'), anon('res-anon-1'), anon('res-anon-2'), { type: 'email', value: 'res@example.com' }])).toBe(false);
    const audited = (await api('GET', `/audit-log?resourceId=${String(unlimit.id)}`)).json().entries as { action: string }[];
    expect(audited.map((e) => e.action)).toEqual(expect.arrayContaining(['privacy_request.received', 'privacy_request.completed']));
  });

  it('reports what it knows (CCPA categories, sources, purposes) over the last 12 months', async () => {
    await seedSubject('know');
    const done = await finished(String((await api('POST', '/privacy-requests', { type: 'know', regulation: 'ccpa', subject: { userId: 'know-user' }, verified: true })).json().id));
    expect(done.status).toBe('completed');
    const report = (await api('GET', `/privacy-requests/${String(done.id)}/result`)).json();
    expect(report.eventsConsidered).toBe(3);
    const categories = (report.categories as { category: string; fields: string[] }[]).map((c) => c.category);
    expect(categories).toEqual(expect.arrayContaining(['identifiers', 'commercial information']));
    expect((report.categories as { category: string; fields: string[] }[]).find((c) => c.category === 'identifiers')!.fields).toEqual(expect.arrayContaining(['traits.email', 'traits.phone']));
    expect((report.sources as { name: string; events: number }[])[0]).toMatchObject({ name: 'Default source', events: 3 });
  });

  it('corrects traits by sending an identify through the pipeline', async () => {
    await seedSubject('cor');
    const done = await finished(String((await api('POST', '/privacy-requests', { type: 'correct', subject: { email: 'cor@example.com' }, traits: { name: 'Ada Lovelace' }, verified: true })).json().id));
    expect(done.status).toBe('completed');
    await eventually(async () => {
      const profile = (await api('GET', '/profiles/cor-user')).json();
      return (profile.traits as { name?: string }).name === 'Ada Lovelace' ? true : undefined;
    });
  });

  it('replaces a corrected email as an identifier: the wrong one finds no one any more, and the access export names only the right one', async () => {
    await seedSubject('cem');
    const done = await finished(String((await api('POST', '/privacy-requests', { type: 'correct', subject: { email: 'cem@example.com' }, traits: { email: 'Cem.Right@example.com' }, verified: true })).json().id));
    expect(done.status).toBe('completed');
    const corrected = await eventually(async () => {
      const found = await api('GET', `/profiles/${encodeURIComponent('cem.right@example.com')}`);
      return found.status === 200 && (found.json().traits as { email?: string }).email === 'Cem.Right@example.com' ? found.json() : undefined;
    });
    expect(corrected.userId).toBe('cem-user');
    expect((await api('GET', `/profiles/${encodeURIComponent('cem@example.com')}`)).status).toBe(404);
    // A request by the wrong email no longer reaches the person; one by their userId lists the right email only.
    const byOld = await finished(String((await api('POST', '/privacy-requests', { type: 'access', subject: { email: 'cem@example.com' }, verified: true })).json().id));
    expect(((await api('GET', `/privacy-requests/${String(byOld.id)}/result`)).json().events as unknown[]).length).toBe(0);
    const access = await finished(String((await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'cem-user' }, verified: true })).json().id));
    const exported = (await api('GET', `/privacy-requests/${String(access.id)}/result`)).json();
    expect((exported.subject as { emails: string[] }).emails).toEqual(['cem.right@example.com']);
    expect((exported.profile as { traits: { email: string } }).traits.email).toBe('Cem.Right@example.com');
  });

  it('records an opt-out in the consent ledger across linked identities, without verification', async () => {
    await seedSubject('opt');
    const done = await finished(String((await api('POST', '/privacy-requests', { type: 'opt_out', regulation: 'ccpa', subject: { anonymousId: 'opt-anon-1' } })).json().id));
    expect(done.status).toBe('completed');
    const consent = (await api('GET', '/profiles/opt-user/consent')).json();
    const advertising = (consent.categories as { id: string; granted: boolean }[]).find((c) => c.id === 'advertising');
    expect(advertising!.granted).toBe(false);
    const objection = await finished(String((await api('POST', '/privacy-requests', { type: 'object', subject: { userId: 'opt-user' }, categories: ['analytics'], verified: true })).json().id));
    expect(objection.status).toBe('completed');
    const after = (await api('GET', '/profiles/opt-anon-2/consent')).json();
    expect((after.categories as { id: string; granted: boolean }[]).find((c) => c.id === 'analytics')!.granted).toBe(false);
  });

  it('suppresses in clear and lifts it; a deletion keeps hashed suppressions', async () => {
    const done = await finished(String((await api('POST', '/privacy-requests', { type: 'suppress', subject: { email: 'sup@example.com' } })).json().id));
    expect(done.status).toBe('completed');
    const listed = (await api('GET', '/suppressions')).json().suppressions as { identifier: string; hashed: boolean; requestId: string }[];
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ identifier: 'sup@example.com', hashed: false, requestId: done.id })]));
    const lifted = await finished(String((await api('POST', '/privacy-requests', { type: 'unsuppress', subject: { email: 'sup@example.com' }, verified: true })).json().id));
    expect(lifted.result ?? (await api('GET', `/privacy-requests/${String(lifted.id)}/result`)).json()).toMatchObject({ removed: 1 });
    const hashedAfterDelete = ((await api('GET', '/suppressions')).json().suppressions as { hashed: boolean }[]).filter((s) => s.hashed);
    expect(hashedAfterDelete.length).toBeGreaterThanOrEqual(4);
  });

  it("keeps out a suppressed person's events under the userId first seen beside their suppressed email, in the same batch and later, until the suppression is lifted", async () => {
    const done = await finished(String((await api('POST', '/privacy-requests', { type: 'suppress', subject: { email: 'zoe@example.com' } })).json().id));
    expect(done.status).toBe('completed');
    // The app identifies the person (dropped: the email is suppressed), then tracks them by userId only.
    await track({ batch: [
      { type: 'identify', userId: 'zoe-1', messageId: 'zoe-identify', traits: { email: 'ZOE@example.com' } },
      { type: 'track', userId: 'zoe-1', messageId: 'zoe-same-batch', event: 'Viewed' },
    ] }, 'batch');
    await track({ userId: 'zoe-bystander', messageId: 'zoe-bystander-1', event: 'Viewed' });
    await eventually(async () => ((await storedCount('userId=zoe-bystander')) === 1 ? true : undefined));
    await track({ userId: 'zoe-1', messageId: 'zoe-later', event: 'Viewed' });
    await track({ userId: 'zoe-bystander', messageId: 'zoe-bystander-2', event: 'Viewed' });
    await eventually(async () => ((await storedCount('userId=zoe-bystander')) === 2 ? true : undefined));
    expect(await storedCount('userId=zoe-1')).toBe(0);
    const derived = ((await api('GET', '/suppressions')).json().suppressions as { hashed: boolean; type: string; requestId: string | null }[]).filter((r) => r.requestId === done.id);
    expect(derived).toEqual(expect.arrayContaining([expect.objectContaining({ hashed: true, type: 'userId' })]));

    // Lifting the suppress request by the email lifts what it kept out under the userId too.
    const lifted = await finished(String((await api('POST', '/privacy-requests', { type: 'unsuppress', subject: { email: 'zoe@example.com' }, verified: true })).json().id));
    expect(lifted.status).toBe('completed');
    await track({ userId: 'zoe-1', messageId: 'zoe-after-lift', event: 'Viewed' });
    await eventually(async () => ((await storedCount('userId=zoe-1')) === 1 ? true : undefined));
  });

  it("keeps out an alias from a suppressed userId, and the new userId it named", async () => {
    const done = await finished(String((await api('POST', '/privacy-requests', { type: 'suppress', subject: { userId: 'yan-old' } })).json().id));
    expect(done.status).toBe('completed');
    await track({ type: 'alias', previousId: 'yan-old', userId: 'yan-new', messageId: 'yan-alias' }, 'alias');
    await track({ userId: 'yan-new', messageId: 'yan-later', event: 'Viewed' });
    await track({ userId: 'yan-bystander', messageId: 'yan-bystander-1', event: 'Viewed' });
    await eventually(async () => ((await storedCount('userId=yan-bystander')) === 1 ? true : undefined));
    // Neither the alias (which would hold the suppressed id in clear and link the two) nor the later event is stored.
    expect(await storedCount('userId=yan-new')).toBe(0);
    const derived = ((await api('GET', '/suppressions')).json().suppressions as { hashed: boolean; requestId: string | null }[]).filter((r) => r.requestId === done.id && r.hashed);
    expect(derived).toHaveLength(1);
  });

  it('writes every lifecycle step to the hash-chained audit log', async () => {
    const done = await finished(String((await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'audited' }, verified: true })).json().id));
    const entries = (await api('GET', `/audit-log?limit=1000`)).json().entries as { action: string; resourceId: string }[];
    const mine = entries.filter((e) => e.resourceId === done.id).map((e) => e.action);
    expect(mine).toEqual(expect.arrayContaining(['privacy_request.received', 'privacy_request.verification_started', 'privacy_request.verified', 'privacy_request.completed']));
  });
});
