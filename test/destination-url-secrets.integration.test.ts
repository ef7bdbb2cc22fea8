import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ApiResponse } from './support/api-client.js';
import { RecordingServer } from './support/recording-server.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';
import { openDestination, sealSecretsStoredInClear } from '../src/destinations/destination-secrets.js';
import { destinationType } from '../src/destinations/registry.js';

interface Destination {
  id: string;
  config: Record<string, unknown>;
}
interface ApiError {
  error: { code: string; message: string; fields?: string[] };
}

let sluice: TestSluice;
let hook: RecordingServer;
let attacker: RecordingServer;
let viewerToken: string;
let engineerToken: string;

const owner = <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => api<T>(sluice.url, method, path, { token: sluice.token, ...(body !== undefined && { body }) });
const as = <T = Record<string, unknown>>(token: string, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => api<T>(sluice.url, method, path, { token, ...(body !== undefined && { body }) });
/** The recording server's origin, e.g. http://127.0.0.1:40123. */
const origin = (server: RecordingServer) => new URL(server.url).origin;
const sign = (body: string, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

beforeAll(async () => {
  hook = await RecordingServer.start();
  attacker = await RecordingServer.start();
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  const token = async (role: string) => {
    const res = await owner<{ token: string }>('POST', '/tokens', { name: role, role });
    expect(res.status, res.text).toBe(201);
    return res.body.token;
  };
  viewerToken = await token('viewer');
  engineerToken = await token('engineer');
});
afterAll(async () => {
  await sluice?.stop();
  await hook?.close();
  await attacker?.close();
});

describe('credentials in a destination URL', () => {
  it('refuses a user name and password in the URL, pointing at a secret header instead, and records nothing', async () => {
    const res = await owner<ApiError>('POST', '/destinations', { name: 'Cred hook', type: 'webhook', config: { url: `http://user:p4ssw0rd@127.0.0.1:${new URL(hook.url).port}/cred?api_key=SECRETKEY123` } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('destination_url_credentials');
    expect(res.body.error.message).toContain('config.url');
    expect(res.body.error.message).toContain('"headers"');
    expect(res.text).not.toContain('p4ssw0rd');
    expect(res.text).not.toContain('SECRETKEY123');
    const audit = await owner('GET', '/audit-log');
    expect(audit.text).not.toContain('p4ssw0rd');
    expect(audit.text).not.toContain('Cred hook');
  });

  it('seals the query values of a URL: masked for a viewer, in the audit log and in previews; sent in full', async () => {
    const url = `${origin(hook)}/cred?api_key=SECRETKEY123&v=2&t=abc`;
    const created = await owner<Destination>('POST', '/destinations', { name: 'Query hook', type: 'webhook', config: { url, signingSecret: 'signing-secret-1' } });
    expect(created.status, created.text).toBe(201);
    const masked = `${origin(hook)}/cred?api_key=********&v=********&t=********`;
    expect(created.body.config).toEqual({ url: masked, signingSecret: '********' });
    const id = created.body.id;

    const viewed = await as<Destination>(viewerToken, 'GET', `/destinations/${id}`);
    expect(viewed.status).toBe(200);
    expect(viewed.body.config.url).toBe(masked);
    expect((await as(viewerToken, 'GET', '/destinations')).text).not.toContain('SECRETKEY123');
    const stored = await sluice.store.destinations.get(sluice.bootstrap.workspaceId, id);
    expect(JSON.stringify(stored!.publicConfig)).not.toContain('SECRETKEY123');
    expect(openDestination(stored!, sluice.keys).config.url).toBe(url);

    const audit = await owner<{ entries: { action: string; resourceId: string; after?: { config?: { url?: string } } }[] }>('GET', '/audit-log');
    expect(audit.status).toBe(200);
    expect(audit.text).not.toContain('SECRETKEY123');
    expect(audit.body.entries.find((e) => e.action === 'destination.create' && e.resourceId === id)?.after?.config?.url).toBe(masked);

    const preview = await as<{ requests: { url: string }[] }>(viewerToken, 'POST', `/destinations/${id}/preview`, {});
    expect(preview.status, preview.text).toBe(200);
    expect(preview.text).not.toContain('SECRETKEY123');
    expect(preview.body.requests[0]!.url).toBe(`${origin(hook)}/cred?api_key=****&v=****&t=****`);
    // Short values too (a 3-character token): the preview masks every query value of the URL field, as the API does.
    expect(preview.text).not.toContain('t=abc');

    const sent = await owner<{ ok: boolean }>('POST', `/destinations/${id}/test`);
    expect(sent.body.ok, sent.text).toBe(true);
    expect(hook.requests.at(-1)!.path).toBe('/cred?api_key=SECRETKEY123&v=2&t=abc');
  });

  it('keeps the stored URL when a PATCH leaves it out or sends it back as shown, and restores masked values on a path change', async () => {
    const url = `${origin(hook)}/keep?token=KEEPTOKEN42`;
    const created = await owner<Destination>('POST', '/destinations', { name: 'Keep hook', type: 'webhook', config: { url } });
    const id = created.body.id;
    const shown = String(created.body.config.url);
    expect(shown).toBe(`${origin(hook)}/keep?token=********`);
    const delivered = async () => {
      const res = await owner<{ ok: boolean }>('POST', `/destinations/${id}/test`);
      expect(res.body.ok, res.text).toBe(true);
      return hook.requests.at(-1)!.path;
    };

    expect((await owner('PATCH', `/destinations/${id}`, { name: 'Keep hook 2' })).status).toBe(200);
    expect(await delivered()).toBe('/keep?token=KEEPTOKEN42');
    const omitted = await owner<Destination>('PATCH', `/destinations/${id}`, { config: { timeoutMs: 5000 } });
    expect(omitted.status, omitted.text).toBe(200);
    expect(omitted.body.config).toEqual({ url: shown, timeoutMs: 5000 });
    expect(await delivered()).toBe('/keep?token=KEEPTOKEN42');
    const echoed = await owner<Destination>('PATCH', `/destinations/${id}`, { config: { url: shown, batching: true } });
    expect(echoed.status, echoed.text).toBe(200);
    expect(await delivered()).toBe('/keep?token=KEEPTOKEN42');
    const moved = await owner<Destination>('PATCH', `/destinations/${id}`, { config: { url: `${origin(hook)}/moved?token=********` } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.config.url).toBe(`${origin(hook)}/moved?token=********`);
    expect(await delivered()).toBe('/moved?token=KEEPTOKEN42');
    const replaced = await owner<Destination>('PATCH', `/destinations/${id}`, { config: { url: `${origin(hook)}/moved?token=NEWTOKEN99` } });
    expect(replaced.status, replaced.text).toBe(200);
    expect(await delivered()).toBe('/moved?token=NEWTOKEN99');
    expect((await owner('GET', '/audit-log')).text).not.toMatch(/KEEPTOKEN42|NEWTOKEN99/);
  });

  it('seals URL query values and credentials an earlier version kept in the clear (run at every start)', async () => {
    const ws = sluice.bootstrap.workspaceId;
    const url = `http://olduser:oldpass99@127.0.0.1:9/old?key=OLDQUERYKEY`;
    const old = await sluice.store.destinations.create({ workspaceId: ws, name: 'Old query hook', type: 'webhook', publicConfig: { url }, sealedSecrets: null, sourceIds: null, consentCategories: null, enabled: true });
    expect(await sealSecretsStoredInClear(sluice.store.destinations, destinationType, sluice.keys)).toBe(1);
    const stored = await sluice.store.destinations.get(ws, old.id);
    expect(stored!.publicConfig.url).toBe('http://********@127.0.0.1:9/old?key=********');
    expect(openDestination(stored!, sluice.keys).config.url).toBe(url);
    expect(await sealSecretsStoredInClear(sluice.store.destinations, destinationType, sluice.keys)).toBe(0);
    expect((await as(viewerToken, 'GET', `/destinations/${old.id}`)).text).not.toMatch(/oldpass99|OLDQUERYKEY|olduser/);
    await owner('DELETE', `/destinations/${old.id}`);
  });
});

describe('stored secrets and a change of host', () => {
  const secretHeaders = { 'x-api-key': 'stored-api-key-123' };

  async function createHook(): Promise<string> {
    const created = await as<Destination>(engineerToken, 'POST', '/destinations', { name: 'Signed hook', type: 'webhook', config: { url: hook.url, headers: secretHeaders, signingSecret: 'stored-signing-secret' } });
    expect(created.status, created.text).toBe(201);
    return created.body.id;
  }

  it('refuses a PATCH that moves the URL to another host without re-entering the secrets, so the new host never gets them', async () => {
    const id = await createHook();
    const res = await as<ApiError>(engineerToken, 'PATCH', `/destinations/${id}`, { config: { url: `${origin(attacker)}/attacker` } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('destination_secrets_required');
    expect(res.body.error.fields).toEqual(['headers', 'signingSecret']);
    expect(res.body.error.message).toContain('config.headers, config.signingSecret');
    expect(res.body.error.message).toContain(origin(attacker));
    // The masks shown by GET are not a re-entry either.
    const masked = await as<ApiError>(engineerToken, 'PATCH', `/destinations/${id}`, { config: { url: `${origin(attacker)}/attacker`, headers: '********', signingSecret: '********' } });
    expect(masked.body.error.code).toBe('destination_secrets_required');
    // Only one of them: still refused, naming the other.
    const half = await as<ApiError>(engineerToken, 'PATCH', `/destinations/${id}`, { config: { url: `${origin(attacker)}/attacker`, signingSecret: 'a-new-signing-secret' } });
    expect(half.body.error.fields).toEqual(['headers']);

    const tested = await as<{ ok: boolean }>(engineerToken, 'POST', `/destinations/${id}/test`);
    expect(tested.body.ok, JSON.stringify(tested.body)).toBe(true);
    expect(attacker.requests).toEqual([]);
    expect(hook.requests.at(-1)!.path).toBe('/hook');
    expect((await as(engineerToken, 'GET', `/destinations/${id}`)).body).toMatchObject({ config: { url: hook.url } });
  });

  it('moves to another host when every secret is entered again (or removed with null), and sends only the new ones', async () => {
    const id = await createHook();
    const moved = await as<Destination>(engineerToken, 'PATCH', `/destinations/${id}`, { config: { url: `${origin(attacker)}/new`, headers: { 'x-api-key': 'new-host-key-456' }, signingSecret: null } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.config).toEqual({ url: `${origin(attacker)}/new`, headers: '********' });
    const tested = await as<{ ok: boolean }>(engineerToken, 'POST', `/destinations/${id}/test`);
    expect(tested.body.ok, JSON.stringify(tested.body)).toBe(true);
    const received = attacker.requests.at(-1)!;
    expect(received.path).toBe('/new');
    expect(received.headers['x-api-key']).toBe('new-host-key-456');
    expect(received.headers['x-sluice-signature']).toBeUndefined();
    expect(JSON.stringify(attacker.requests)).not.toMatch(/stored-api-key-123|stored-signing-secret/);
  });

  it('answers destination_url_invalid, not a move "to null", for a PATCH to a URL that is not http(s)', async () => {
    const id = await createHook();
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'mailto:ops@example.com']) {
      const res = await as<ApiError>(engineerToken, 'PATCH', `/destinations/${id}`, { config: { url } });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.code, res.text).toBe('destination_url_invalid');
      expect(res.body.error.message).not.toContain('to null');
    }
    expect((await as(engineerToken, 'GET', `/destinations/${id}`)).body).toMatchObject({ config: { url: hook.url } });
  });

  it('keeps the stored secrets on a path change on the same host', async () => {
    const id = await createHook();
    const patched = await as<Destination>(engineerToken, 'PATCH', `/destinations/${id}`, { config: { url: `${origin(hook)}/same-host-path` } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.config).toEqual({ url: `${origin(hook)}/same-host-path`, headers: '********', signingSecret: '********' });
    const tested = await as<{ ok: boolean }>(engineerToken, 'POST', `/destinations/${id}/test`);
    expect(tested.body.ok, JSON.stringify(tested.body)).toBe(true);
    const received = hook.requests.at(-1)!;
    expect(received.path).toBe('/same-host-path');
    expect(received.headers['x-api-key']).toBe('stored-api-key-123');
    expect(received.headers['x-sluice-signature']).toBe(sign(received.raw, 'stored-signing-secret'));
  });

  it('refuses carrying masked URL query values to another host', async () => {
    const created = await as<Destination>(engineerToken, 'POST', '/destinations', { name: 'Query key hook', type: 'webhook', config: { url: `${origin(hook)}/q?api_key=QUERYKEY777` } });
    const res = await as<ApiError>(engineerToken, 'PATCH', `/destinations/${created.body.id}`, { config: { url: `${origin(attacker)}/q?api_key=********` } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('destination_secrets_required');
    expect(res.body.error.fields).toEqual(['url']);
    expect(res.text).not.toContain('QUERYKEY777');
  });

  it('applies to the base URLs of the catalog: a new Amplitude host needs the API key again', async () => {
    const created = await as<Destination>(engineerToken, 'POST', '/destinations', { name: 'Amp', type: 'amplitude', config: { apiKey: 'amp-key-0001', baseUrl: origin(hook) } });
    expect(created.status, created.text).toBe(201);
    const res = await as<ApiError>(engineerToken, 'PATCH', `/destinations/${created.body.id}`, { config: { baseUrl: origin(attacker) } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'destination_secrets_required', fields: ['apiKey'] });
    // Leaving the base URL out moves the destination to Amplitude's default host: the same rule applies.
    expect((await as<ApiError>(engineerToken, 'PATCH', `/destinations/${created.body.id}`, { config: {} })).body.error.code).toBe('destination_secrets_required');
    expect((await as(engineerToken, 'PATCH', `/destinations/${created.body.id}`, { config: { baseUrl: origin(attacker), apiKey: 'amp-key-0002' } })).status).toBe(200);
  });
});
