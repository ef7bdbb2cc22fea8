import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { ownerApi } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { RecordingServer } from './support/recording-server.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * JSON request bodies are validated as sent: a value of the wrong type is refused (400 naming the field), never
 * converted (false to 0, "5" to 5, "false" to ["false"], a string to a one-item list). Query strings and path
 * parameters are text by nature and keep being converted (`?limit=1` is the number 1). Decision 0302.
 */
describe('request bodies are not type-coerced; query strings are', () => {
  let sluice: TestSluice;
  const servers: RecordingServer[] = [];
  const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

  beforeAll(async () => {
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await sluice?.stop();
  });

  it('refuses a boolean or a numeric string for an integer setting, and keeps the setting', async () => {
    expect((await api('PATCH', '/privacy/settings', { ipRetentionDays: 7, ageThreshold: 16 })).status).toBe(200);
    for (const body of [{ ipRetentionDays: false }, { ipRetentionDays: true }, { ipRetentionDays: '5' }, { ageThreshold: '13' }]) {
      const res = await api('PATCH', '/privacy/settings', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const field = Object.keys(body)[0]!;
      expect(res.body, JSON.stringify(body)).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining(`${field} must be an integer`) } });
    }
    expect((await api('GET', '/privacy/settings')).body).toMatchObject({ ipRetentionDays: 7, ageThreshold: 16 });
  });

  it("refuses a boolean or a lone string for a destination's list fields, and a string for a boolean, and keeps the destination", async () => {
    const sourceId = (await sluice.store.sources.list(DEFAULT_WORKSPACE_ID))[0]!.id;
    const { id } = await createWebhook(sluice, servers, 'Strict', {}, { sourceIds: [sourceId], consentCategories: ['advertising'] });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ consentCategories: false }, 'consentCategories', 'must be an array'],
      [{ consentCategories: 'analytics' }, 'consentCategories', 'must be an array'],
      [{ sourceIds: sourceId }, 'sourceIds', 'must be an array'],
      [{ enabled: 'false' }, 'enabled', 'must be a boolean'],
      [{ enabled: 0 }, 'enabled', 'must be a boolean'],
      [{ name: 42 }, 'name', 'must be a string'],
    ];
    for (const [body, field, expected] of cases) {
      const res = await api('PATCH', `/destinations/${id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body, JSON.stringify(body)).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining(`Invalid request: ${field} ${expected}`) } });
    }
    expect((await api('GET', `/destinations/${id}`)).body).toMatchObject({ name: 'Strict', enabled: true, sourceIds: [sourceId], consentCategories: ['advertising'] });
  });

  it('refuses a lone string where a new destination takes a list', async () => {
    const receiver = await RecordingServer.start();
    servers.push(receiver);
    const res = await api('POST', '/destinations', { name: 'Lone', type: 'webhook', config: { url: receiver.url }, consentCategories: 'marketing' });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('consentCategories must be an array') } });
    const names = ((await api('GET', '/destinations')).body.destinations as { name: string }[]).map((d) => d.name);
    expect(names).not.toContain('Lone');
  });

  it('still reads numbers in a query string (paging)', async () => {
    for (const version of ['v1', 'v2', 'v3']) expect((await api('PATCH', '/privacy/settings', { policyVersion: version })).status).toBe(200);
    const first = await api('GET', '/audit-log?limit=1');
    expect(first.status, first.text).toBe(200);
    expect(first.body.entries).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await api('GET', `/audit-log?limit=2&cursor=${String(first.body.nextCursor)}`);
    expect(next.status, next.text).toBe(200);
    expect(next.body.entries).toHaveLength(2);
    const refused = await api('GET', '/audit-log?limit=zero');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'validation_failed', message: 'Invalid request: query parameter limit must be an integer.' } });
  });

  it('says every schema error in words on routes without messages of their own: each field once, literal choices listed, list positions in brackets', async () => {
    const choice = await api('POST', '/privacy-requests', { type: 'erase', subject: { userId: 'u1' } });
    expect(choice.status).toBe(400);
    const message = String((choice.body.error as { message: string }).message);
    expect(message).toMatch(/^Invalid request: type must be one of "access", "delete", /);
    expect(message).not.toContain('equal to constant');
    expect(message).not.toContain('anyOf');
    const missing = await api('POST', '/sources', {});
    expect(missing.body).toMatchObject({ error: { code: 'validation_failed', message: 'Invalid request: the body needs a "name" field.' } });
    // A field named like a word ("from") reads as one: quoted, not "the body needs from."
    const destination = await api('POST', '/destinations', { name: 'Replayed', type: 'webhook', config: { url: 'http://127.0.0.1:9/x' } });
    const noFrom = await api('POST', `/destinations/${String(destination.body.id)}/replay`, { to: '2026-01-01T00:00:00Z' });
    expect(noFrom.body).toMatchObject({ error: { code: 'validation_failed', message: 'Invalid request: the body needs a "from" field.' } });
    const nested = await api('POST', '/destinations', { name: 'F', type: 'webhook', config: { url: 'http://127.0.0.1:9/x' }, consentCategories: ['marketing', 5] });
    expect(nested.status).toBe(400);
    expect(nested.body).toMatchObject({ error: { code: 'validation_failed', message: 'Invalid request: consentCategories[1] must be a string.' } });
  });
});
