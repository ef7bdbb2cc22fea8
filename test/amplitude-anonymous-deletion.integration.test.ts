import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeletionCertificate } from '../src/privacy/requests/certificate.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { completedRequest } from './support/privacy-requests.js';
import { RecordingServer, type RecordedRequest } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * A visitor who never logged in asks for deletion (by the anonymousId of their browser). Amplitude knows them only
 * by device, and its User Privacy API deletes by user_id or Amplitude id, so Sluice finds the Amplitude id through
 * the user search first. A real HTTP server stands for Amplitude, written from its public docs: the HTTP V2 API
 * (each device it sees becomes an anonymous user with an Amplitude id), the Dashboard REST API's user search
 * (`GET /api/2/usersearch?user=`: `{matches: [{user_id, amplitude_id}]}`), and the deletion API (`amplitude_ids` or
 * `user_ids`, a job per day, and its status).
 */
describe('deleting an anonymous visitor in Amplitude', () => {
  let sluice: TestSluice;
  let amplitude: RecordingServer;
  const devices = new Map<string, number>();
  const deleted: number[] = [];
  const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
  const basic = `Basic ${Buffer.from('AMP-KEY:AMP-SECRET').toString('base64')}`;

  function amplitudeDocs(request: RecordedRequest) {
    const url = new URL(request.path, 'http://amplitude');
    if (request.method === 'POST' && url.pathname === '/2/httpapi') {
      for (const event of (request.body as { events: { device_id?: string; user_id?: string }[] }).events) {
        if (event.device_id && !event.user_id && !devices.has(event.device_id)) devices.set(event.device_id, 7_000_000 + devices.size);
      }
      return { status: 200, body: '{"code":200}' };
    }
    if (request.headers.authorization !== basic) return { status: 401, body: '{"error":"Invalid credentials"}' };
    if (request.method === 'GET' && url.pathname === '/api/2/usersearch') {
      const id = devices.get(url.searchParams.get('user') ?? '');
      return { status: 200, body: JSON.stringify(id === undefined ? { matches: [], type: 'nomatch' } : { matches: [{ user_id: null, amplitude_id: id }], type: 'match_device_id' }) };
    }
    if (request.method === 'POST' && url.pathname === '/api/2/deletions/users') {
      deleted.push(...((request.body as { amplitude_ids?: number[] }).amplitude_ids ?? []));
      return { status: 200, body: JSON.stringify([{ day: '2026-12-05', status: 'staging', amplitude_ids: deleted }]) };
    }
    if (request.method === 'GET' && url.pathname === '/api/2/deletions/users') return { status: 200, body: JSON.stringify([{ day: url.searchParams.get('start_day'), status: 'done' }]) };
    return { status: 404, body: '{"error":"not found"}' };
  }

  beforeAll(async () => {
    amplitude = await RecordingServer.start();
    amplitude.respond = amplitudeDocs;
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    const created = await api('POST', '/destinations', { name: 'Amplitude', type: 'amplitude', config: { apiKey: 'AMP-KEY', secretKey: 'AMP-SECRET', baseUrl: new URL(amplitude.url).origin, deletionBaseUrl: new URL(amplitude.url).origin } });
    expect(created.status, created.text).toBe(201);
  });

  afterAll(async () => {
    await sluice?.stop();
    await amplitude?.close();
  });

  it('finds the Amplitude id of the visitor\'s device and deletes it, and touches no other visitor', async () => {
    for (const anonymousId of ['anon-visitor-77', 'anon-bystander-12']) {
      await sendTracking(sluice.url, sluice.writeKey, 'page', { anonymousId, name: 'Pricing', properties: { path: '/pricing' } });
    }
    await eventually(async () => (devices.size === 2 ? true : undefined));

    const certificate = (await completedRequest(sluice, { type: 'delete', subject: { anonymousId: 'anon-visitor-77' } })) as unknown as DeletionCertificate;
    const entry = certificate.destinations.find((d) => d.name === 'Amplitude');
    expect(entry, JSON.stringify(certificate.destinations)).toMatchObject({ outcome: 'deleted', jobId: '2026-12-05' });
    expect(deleted).toEqual([devices.get('anon-visitor-77')]);
    const searches = amplitude.requests.filter((r) => r.path.startsWith('/api/2/usersearch'));
    expect(searches.map((r) => new URL(r.path, 'http://amplitude').searchParams.get('user'))).toEqual(['anon-visitor-77']);
  });
});
