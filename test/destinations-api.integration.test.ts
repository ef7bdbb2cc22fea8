import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook, deliveriesOf, type DeliveryRow } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';
import { openDestination, sealSecretsStoredInClear } from '../src/destinations/destination-secrets.js';
import { destinationType } from '../src/destinations/registry.js';

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

describe('destinations API', () => {
  it('refuses a blank name (only spaces), and keeps a name without the spaces around it', async () => {
    const destination = await api('POST', '/destinations', { name: ' ', type: 'webhook', config: { url: 'http://127.0.0.1:9/in' } });
    expect(destination.status).toBe(400);
    expect(destination.text).toContain('name must not be blank');
    const hook = await api('POST', '/destinations', { name: ' Orders ', type: 'webhook', config: { url: 'http://127.0.0.1:9/in' } });
    expect(hook.status).toBe(201);
    expect(hook.body.name).toBe('Orders');
    const blank = await api('PATCH', `/destinations/${String((hook.body as { id: string }).id)}`, { name: '  ' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('name must not be blank');
    expect((await api('GET', `/destinations/${String((hook.body as { id: string }).id)}`)).body.name).toBe('Orders');
  });

  it('creates a webhook destination, keeps its secret encrypted at rest and never returns it', async () => {
    const created = await api('POST', '/destinations', {
      name: 'Hook',
      type: 'webhook',
      config: { url: 'http://127.0.0.1:9/hook', signingSecret: 'super-secret-value', headers: { authorization: 'Bearer header-token-value' } },
    });
    expect(created.status).toBe(201);
    // Custom headers often carry credentials: sealed and masked like the signing secret.
    expect(created.body).toMatchObject({ name: 'Hook', type: 'webhook', enabled: true, config: { url: 'http://127.0.0.1:9/hook', signingSecret: '********', headers: '********' } });
    expect(created.body.sourceIds).toBeUndefined();
    const id = String(created.body.id);

    const listed = await api('GET', '/destinations');
    expect(JSON.stringify(listed.body)).not.toContain('super-secret-value');
    expect(JSON.stringify(listed.body)).not.toContain('header-token-value');
    const stored = await sluice.store.destinations.get(sluice.bootstrap.workspaceId, id);
    expect(JSON.stringify(stored)).not.toContain('super-secret-value');
    expect(JSON.stringify(stored)).not.toContain('header-token-value');
    expect(stored?.sealedSecrets).toMatch(/^v1\./);

    // PATCH with the mask (or without the field) keeps the secret on the same host (another host needs them
    // entered again: destination-url-secrets.integration.test.ts); a new value replaces it.
    const patched = await api('PATCH', `/destinations/${id}`, { name: 'Hook 2', config: { url: 'http://127.0.0.1:9/hook2', signingSecret: '********' }, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Hook 2', enabled: false, config: { url: 'http://127.0.0.1:9/hook2', signingSecret: '********' } });
    const reopened = await sluice.store.destinations.get(sluice.bootstrap.workspaceId, id);
    expect(sluice.keys.decrypt(reopened!.sealedSecrets!)).toContain('super-secret-value');
    expect(sluice.keys.decrypt(reopened!.sealedSecrets!)).toContain('header-token-value');

    expect((await api('DELETE', `/destinations/${id}`)).status).toBe(204);
    const audit = await api('GET', '/audit-log');
    const actions = (audit.body.entries as { action: string; resourceId: string }[]).filter((e) => e.resourceId === id).map((e) => e.action);
    expect(actions.sort()).toEqual(['destination.create', 'destination.delete', 'destination.update']);
    expect(JSON.stringify(audit.body)).not.toContain('super-secret-value');
    expect(JSON.stringify(audit.body)).not.toContain('header-token-value');
    expect((await api('GET', `/destinations/${id}`)).status).toBe(404);
  });

  it('lets only a role with privacy:write set or change which consent categories gate a destination', async () => {
    const engineerToken = (await api('POST', '/tokens', { name: 'engineer', role: 'engineer' })).body.token as string;
    const engineer = ownerApi({ url: sluice.url, token: engineerToken });
    const config = { url: 'http://127.0.0.1:9/gated' };

    const gated = await engineer('POST', '/destinations', { name: 'Gated', type: 'webhook', config, consentCategories: ['analytics'] });
    expect(gated.status).toBe(403);
    expect(gated.body).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('"privacy:write"') } });
    expect(((await api('GET', '/destinations')).body.destinations as { name: string }[]).map((d) => d.name)).not.toContain('Gated');

    // Without consentCategories an engineer still connects destinations and edits everything else.
    const created = await engineer('POST', '/destinations', { name: 'Plain', type: 'webhook', config });
    expect(created.status).toBe(201);
    expect(created.body.consentCategories).toBeUndefined();
    const id = String(created.body.id);
    expect((await api('PATCH', `/destinations/${id}`, { consentCategories: ['analytics'] })).body.consentCategories).toEqual(['analytics']);

    for (const consentCategories of [[], null, ['functional']]) {
      const changed = await engineer('PATCH', `/destinations/${id}`, { consentCategories });
      expect(changed.status, JSON.stringify(consentCategories)).toBe(403);
      expect(changed.body).toMatchObject({ error: { code: 'forbidden' } });
    }
    const renamed = await engineer('PATCH', `/destinations/${id}`, { name: 'Plain 2', enabled: false, config: { url: 'http://127.0.0.1:10/gated' } });
    expect(renamed.status).toBe(200);
    // The console sends the list back unchanged with every edit.
    expect((await engineer('PATCH', `/destinations/${id}`, { name: 'Plain 3', consentCategories: ['analytics'] })).status).toBe(200);
    expect((await api('GET', `/destinations/${id}`)).body).toMatchObject({ name: 'Plain 3', enabled: false, consentCategories: ['analytics'] });

    expect((await api('PATCH', `/destinations/${id}`, { consentCategories: [] })).status).toBe(200);
    await api('DELETE', `/destinations/${id}`);
  });

  it('refuses consent categories the workspace does not have: no event could grant them', async () => {
    const refused = await api('POST', '/destinations', { name: 'Typo', type: 'webhook', config: { url: 'http://127.0.0.1:9/typo' }, consentCategories: ['analytics', 'marketting'] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringMatching(/^consentCategories: this workspace has no consent category "marketting".*\(necessary, functional, analytics, advertising\)/) } });
    expect(((await api('GET', '/destinations')).body.destinations as { name: string }[]).map((d) => d.name)).not.toContain('Typo');

    // Ids and names match in any case, as fan-out matches them; a PATCH is checked too.
    const created = await api('POST', '/destinations', { name: 'Gated', type: 'webhook', config: { url: 'http://127.0.0.1:9/gated' }, consentCategories: ['Analytics', 'ADVERTISING'] });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    const patched = await api('PATCH', `/destinations/${id}`, { consentCategories: ['analytics', 'ads'] });
    expect(patched.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('no consent category "ads"') } });
    expect((await api('GET', `/destinations/${id}`)).body.consentCategories).toEqual(['Analytics', 'ADVERTISING']);
    await api('DELETE', `/destinations/${id}`);
  });

  it('seals secret fields an earlier version kept in the clear config (webhook headers; run at every start)', async () => {
    const ws = sluice.bootstrap.workspaceId;
    const old = await sluice.store.destinations.create({
      workspaceId: ws,
      name: 'Old hook',
      type: 'webhook',
      publicConfig: { url: 'http://127.0.0.1:9/old', headers: { authorization: 'Bearer old-header-token' } },
      sealedSecrets: null,
      sourceIds: null,
      consentCategories: null,
      enabled: true,
    });
    expect(await sealSecretsStoredInClear(sluice.store.destinations, destinationType, sluice.keys)).toBe(1);
    const stored = await sluice.store.destinations.get(ws, old.id);
    expect(JSON.stringify(stored!.publicConfig)).not.toContain('old-header-token');
    expect(stored!.publicConfig.headers).toBe('********');
    expect(sluice.keys.decrypt(stored!.sealedSecrets!)).toContain('old-header-token');
    // Delivery still sends them; a second pass finds nothing left to seal.
    expect(openDestination(stored!, sluice.keys).config.headers).toEqual({ authorization: 'Bearer old-header-token' });
    expect(await sealSecretsStoredInClear(sluice.store.destinations, destinationType, sluice.keys)).toBe(0);
    expect(JSON.stringify((await api('GET', `/destinations/${old.id}`)).body)).not.toContain('old-header-token');
    await api('DELETE', `/destinations/${old.id}`);
  });

  it('refuses webhook headers that HTTP cannot send, naming the header and never its value', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'x api key': 'k-secret-1' }, /header "x api key" is not a valid HTTP header name/],
      [{ 'x-token': 'k-secret-2\r\nx-injected: 1' }, /the value of header "x-token" holds a line break/],
      [{ 'x-token': 'k-secret-3 \u4e16' }, /the value of header "x-token" holds a line break or another character/],
      [{ 'Transfer-Encoding': 'chunked' }, /header "Transfer-Encoding" is a connection header/],
    ];
    for (const [headers, message] of cases) {
      const res = await api('POST', '/destinations', { name: 'Bad headers', type: 'webhook', config: { url: 'http://127.0.0.1:9/hook', headers } });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringMatching(message) } });
      expect(JSON.stringify(res.body)).not.toContain('k-secret');
    }
    // An edit is checked the same way, and the stored headers stay as they were.
    const created = await api('POST', '/destinations', { name: 'Good headers', type: 'webhook', config: { url: 'http://127.0.0.1:9/hook', headers: { authorization: 'Bearer tok', 'x-region': 'eu\tcentral' } } });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    const patched = await api('PATCH', `/destinations/${id}`, { config: { url: 'http://127.0.0.1:9/hook', headers: { 'x-tenant': 'a\nb' } } });
    expect(patched.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('the value of header "x-tenant" holds a line break') } });
    const stored = await sluice.store.destinations.get(sluice.bootstrap.workspaceId, id);
    expect(openDestination(stored!, sluice.keys).config.headers).toEqual({ authorization: 'Bearer tok', 'x-region': 'eu\tcentral' });
    await api('DELETE', `/destinations/${id}`);
  });

  it.each([
    [{ name: 'x', type: 'carrier-pigeon', config: {} }, /Unknown destination type "carrier-pigeon"/],
    [{ name: 'x', type: 'webhook', config: {} }, /config\.url/],
    [{ name: 'x', type: 'webhook', config: { url: 'http://127.0.0.1:9', timeoutMs: 5 } }, /config\.timeoutMs/],
    [{ name: 'x', type: 'webhook', config: { url: 'ftp://127.0.0.1/x' } }, /config\.url/, 'destination_url_invalid'],
    [{ name: 'x', type: 'webhook', config: { url: 'http://10.1.2.3/hook' } }, /config\.url/, 'destination_address_refused'],
    [{ name: 'x', type: 'webhook', config: { url: 'http://127.0.0.1:9' }, sourceIds: ['src_nope'] }, /sourceIds: no source src_nope/],
  ] as [Record<string, unknown>, RegExp, string?][])('rejects %j with a clear validation error', async (body, message, code = 'validation_failed') => {
    const res = await api('POST', '/destinations', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code } });
    expect(String((res.body.error as { message: string }).message)).toMatch(message);
  });

  it('pages the delivery log with nextCursor, and the last page (here a full one) has none', async () => {
    const { id } = await createWebhook(sluice, servers, 'Paged log');
    for (const n of [1, 2, 3, 4]) await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: `pager-${n}`, event: 'Paged', messageId: `paged-${n}` });
    await eventually(async () => ((await deliveriesOf(sluice, id, '&status=delivered')).length === 4 ? true : undefined));
    const first = await api('GET', `/destinations/${id}/deliveries?limit=2`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api('GET', `/destinations/${id}/deliveries?limit=2&cursor=${String(first.body.nextCursor)}`);
    expect(second.body).not.toHaveProperty('nextCursor');
    const paged = [...(first.body.deliveries as DeliveryRow[]), ...(second.body.deliveries as DeliveryRow[])].map((d) => d.messageId);
    expect(paged).toEqual((await deliveriesOf(sluice, id)).map((d) => d.messageId));
    expect(new Set(paged).size).toBe(4);
  });
});
