import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * An opt-out of sale or sharing denies the workspace's `gpc` categories. A workspace whose categories mark none
 * of them `gpc` had its opt-outs completed with nothing denied: the consumer was told it was done, and their data
 * kept flowing. Such a request now fails with what to fix, and completes once retried after the fix.
 */
let sluice: TestSluice;
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

const ended = (id: string) =>
  eventually(async () => {
    const shown = (await api('GET', `/privacy-requests/${id}`)).body;
    return ['completed', 'failed', 'denied'].includes(String(shown.status)) ? shown : undefined;
  }, 30_000);

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('an opt-out in a workspace without a gpc category', () => {
  it('fails saying which categories to mark, and is honoured once retried after they are', async () => {
    const categories = [{ id: 'necessary', name: 'Necessary', required: true }, { id: 'analytics', name: 'Analytics' }, { id: 'ads', name: 'Ads' }];
    expect((await api('PUT', '/consent/categories', categories)).status).toBe(200);
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'eve', messageId: 'eve-identify', traits: { email: 'eve@example.com' } });
    await eventually(async () => ((await api('GET', '/profiles/eve')).status === 200 ? true : undefined));

    const created = await api('POST', '/privacy-requests', { type: 'opt_out', regulation: 'ccpa', subject: { userId: 'eve' } });
    expect(created.status).toBe(201);
    const failed = await ended(String(created.body.id));
    expect(failed.status).toBe('failed');
    expect(failed.failure).toBe('no consent category of this workspace is marked gpc: true (the ones that cover sale or sharing), so the opt-out denied nothing; mark them (PUT /api/v1/consent/categories) and retry this request');
    expect(failed.overdue).toBe(false);

    expect((await api('PUT', '/consent/categories', categories.map((c) => (c.id === 'ads' ? { ...c, gpc: true } : c)))).status).toBe(200);
    expect((await api('POST', `/privacy-requests/${String(created.body.id)}/retry`)).status).toBe(200);
    const done = await ended(String(created.body.id));
    expect(done.status).toBe('completed');
    expect((await api('GET', `/privacy-requests/${String(created.body.id)}/result`)).body).toMatchObject({ kind: 'opt_out', deniedCategories: ['ads'] });
    const consent = (await api('GET', '/profiles/eve/consent')).body.categories as { id: string; granted: boolean }[];
    expect(consent.find((c) => c.id === 'ads')?.granted).toBe(false);
  });
});
