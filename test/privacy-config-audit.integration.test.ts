import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { ownerApi } from './support/api-client.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
let api: ReturnType<typeof ownerApi>;

type Entry = { actor: string; action: string; resourceType: string; resourceId: string; resourceName?: string; before?: Record<string, unknown>; after?: Record<string, unknown>; ip?: string };

beforeAll(async () => {
  sluice = await startTestSluice();
  api = ownerApi(sluice);
});
afterAll(async () => {
  await sluice?.stop();
});

/** The newest audit entries with this action. */
async function entries(action: string): Promise<Entry[]> {
  const res = await api<{ entries: Entry[] }>('GET', `/audit-log?action=${action}`);
  expect(res.status).toBe(200);
  return res.body.entries;
}

describe('privacy configuration in the audit log', () => {
  it('records a privacy settings change with who, and only the fields that changed', async () => {
    expect((await api('PATCH', '/privacy/settings', { consentModel: 'opt-out', dnt: 'as-gpc' })).status).toBe(200);
    const [entry] = await entries('privacy_settings.update');
    expect(entry).toMatchObject({ resourceType: 'privacy_settings', resourceId: DEFAULT_WORKSPACE_ID, ip: '127.0.0.1' });
    expect(entry?.actor).toMatch(/^token:tok_/);
    expect(entry?.before).toEqual({ consentModel: 'opt-in', dnt: 'ignore' });
    expect(entry?.after).toEqual({ consentModel: 'opt-out', dnt: 'as-gpc' });
  });

  it('records a change of the consent categories with the lists before and after', async () => {
    const list = [{ id: 'necessary', name: 'Necessary', required: true }, { id: 'analytics', name: 'Analytics' }];
    expect((await api('PUT', '/consent/categories', list)).status).toBe(200);
    const [entry] = await entries('consent_categories.update');
    expect(entry).toMatchObject({ resourceType: 'consent_categories', resourceId: DEFAULT_WORKSPACE_ID });
    expect((entry?.before?.categories as { id: string }[]).map((c) => c.id)).toEqual(['necessary', 'functional', 'analytics', 'advertising']);
    expect(entry?.after).toEqual({ categories: list });
  });

  it('records a PII policy change without the value a value matcher looks for', async () => {
    const policy = {
      workspace: { ssn: 'redact', 'field:traits.password': 'drop_field' },
      destinations: { dst_x: { email: 'hash' } },
      matchers: [{ target: 'value', pattern: 'ada@example.com', level: 'red', label: 'vip' }, { target: 'key', pattern: 'loyaltyId', level: 'yellow', label: 'loyalty' }],
    };
    expect((await api('PUT', '/pii/policy', policy)).status).toBe(200);
    const [entry] = await entries('pii_policy.update');
    expect(entry).toMatchObject({ resourceType: 'pii_policy', resourceId: DEFAULT_WORKSPACE_ID, before: { workspace: [], destinations: {}, matchers: [] } });
    expect(entry?.after).toEqual({
      workspace: ['field:traits.password: drop_field', 'ssn: redact'],
      destinations: { dst_x: ['email: hash'] },
      matchers: [{ target: 'value', level: 'red', label: 'vip' }, { target: 'key', pattern: 'loyaltyId', level: 'yellow', label: 'loyalty' }],
    });
    expect(JSON.stringify(entry)).not.toContain('ada@example.com');
  });

  it('records a reviewer re-classifying a field of the PII inventory', async () => {
    const sourceId = (await sluice.store.sources.list(DEFAULT_WORKSPACE_ID))[0]!.id;
    await sluice.store.piiInventory.observe([{ workspaceId: DEFAULT_WORKSPACE_ID, sourceId, path: 'traits.plan', level: 'none', label: null, detectedBy: 'test', seenAt: Date.now() }]);
    expect((await api('PATCH', '/pii/inventory', { sourceId, path: 'traits.plan', level: 'yellow', label: 'plan' })).status).toBe(200);
    const [entry] = await entries('pii_field.review');
    expect(entry).toMatchObject({ resourceType: 'pii_field', resourceId: `${sourceId}:traits.plan`, resourceName: 'traits.plan', before: { classification: 'none', label: null }, after: { classification: 'yellow', label: 'plan' } });
  });

  it('records a change of the privacy request policy (approval required)', async () => {
    expect((await api('PUT', '/privacy-requests/settings', { requireApproval: true })).status).toBe(200);
    const [entry] = await entries('privacy_request_settings.update');
    expect(entry).toMatchObject({ resourceType: 'privacy_request_settings', resourceId: DEFAULT_WORKSPACE_ID, before: { requireApproval: false }, after: { requireApproval: true } });
    expect(entry?.before).not.toHaveProperty('defaultRegulation');
  });

  it('keeps the chain intact', async () => {
    expect((await api<{ ok: boolean }>('GET', '/audit-log/verify')).body.ok).toBe(true);
  });
});
