import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createDestinationHttp } from '../src/destinations/http/destination-http.js';
import type { DeletionCertificate } from '../src/privacy/requests/certificate.js';
import { DestinationDeletionTargets } from '../src/privacy/requests/destination-deletion-targets.js';
import { suppressionPort } from '../src/privacy/requests/privacy-ports.js';
import { RequestExecutor } from '../src/privacy/requests/request-executor.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * A destination that is down when a deletion is forwarded: the deletion waits and tries again in later
 * rounds (the request stays `processing`), with the identifiers it found before the identity graph was
 * erased; past the retry window it fails, and an admin's retry forwards again to the same people.
 * Sluice runs without its own `jobs` role; the test runs the executor with short rounds.
 */
let sluice: TestSluice;
let hook: RecordingServer;
let webhookId: string;
let deletesAllowed = false;
const http = createDestinationHttp({ allowPrivate: ['127.0.0.1'] });

const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

const send = (path: string, event: Record<string, unknown>) => sendTracking(sluice.url, sluice.writeKey, path, event);

function executor(options: { forwardingWindowMs: number }): RequestExecutor {
  const targets = new DestinationDeletionTargets({ store: sluice.store, keys: sluice.keys, http, logger: sluice.logger });
  const jobs = new RequestExecutor({
    store: sluice.store, keys: sluice.keys, requests: sluice.privacyRequests, logger: sluice.logger, pollMs: 100, roundDelayMs: 300,
    forwardingWindowMs: options.forwardingWindowMs, ports: { deletionTargets: targets, suppression: suppressionPort(sluice.privacy) },
  });
  jobs.start();
  return jobs;
}

/** A subject known by an anonymousId, then a userId with an email. */
async function seed(prefix: string): Promise<void> {
  await send('track', { anonymousId: `${prefix}-anon`, event: 'Viewed Pricing' });
  await send('identify', { anonymousId: `${prefix}-anon`, userId: `${prefix}-user`, traits: { email: `${prefix}@example.com` } });
  // Linked and both events stored (the identity stage commits before the store stage of the same batch).
  await eventually(async () => {
    const profile = (await api('GET', `/profiles/${prefix}-anon`)).body;
    return profile.userId === `${prefix}-user` && (profile.events as unknown[]).length === 2 ? true : undefined;
  }, 60_000);
}

const deleteCalls = (userId: string) => [...hook.requests, ...hook.failures].map((r) => r.body as Record<string, unknown>).filter((b) => b.type === 'delete' && b.userId === userId);

beforeAll(async () => {
  hook = await RecordingServer.start();
  hook.respond = (request) => ((request.body as { type?: string }).type === 'delete' && !deletesAllowed ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 });
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_ROLES: 'ingest,processor,router,api' });
  const created = await api('POST', '/destinations', { name: 'Flaky webhook', type: 'webhook', config: { url: hook.url } });
  webhookId = String(created.body.id);
});
afterAll(async () => {
  await sluice?.stop();
  await http.close();
  await hook?.close();
});

describe('forwarding a deletion to a destination that is down', () => {
  it('keeps retrying in later rounds with the identifiers found before the graph was erased, then completes', async () => {
    deletesAllowed = false;
    await seed('later');
    const jobs = executor({ forwardingWindowMs: 60_000 });
    try {
      const id = String((await api('POST', '/privacy-requests', { type: 'delete', subject: { email: 'later@example.com' }, verified: true })).body.id);
      // Round one: three refused attempts, the request waits (still processing), the graph already erased.
      await eventually(async () => {
        const shown = (await api('GET', `/privacy-requests/${id}`)).body;
        return (shown.history as { action: string }[]).some((h) => h.action === 'attempt_postponed') ? shown : undefined;
      }, 60_000);
      expect((await api('GET', `/privacy-requests/${id}`)).body.status).toBe('processing');
      expect((await api('GET', '/profiles/later-anon')).status).toBe(404);
      expect(deleteCalls('later-user').length).toBeGreaterThanOrEqual(3);

      deletesAllowed = true;
      const done = await eventually(async () => {
        const shown = (await api('GET', `/privacy-requests/${id}`)).body;
        return ['completed', 'failed'].includes(String(shown.status)) ? shown : undefined;
      }, 60_000);
      expect(done.status, String(done.failure)).toBe('completed');
      const accepted = hook.requests.map((r) => r.body as Record<string, unknown>).filter((b) => b.type === 'delete' && b.userId === 'later-user');
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toMatchObject({ anonymousIds: ['later-anon'], emails: ['later@example.com'] });
      const certificate = (await api('GET', `/privacy-requests/${id}/result`)).body as unknown as DeletionCertificate;
      expect(certificate.destinations).toEqual([expect.objectContaining({ destinationId: webhookId, outcome: 'deleted' })]);
      expect(certificate.systems.find((s) => s.system === 'events')).toMatchObject({ found: 2, deleted: 2, residual: 0 });
      expect(certificate.verified).toBe(true);
      expect((await sluice.store.privacyRequests.get('ws_default', id))?.workState).toBeUndefined();
    } finally {
      await jobs.stop();
    }
  }, 120_000);

  it('fails past the retry window with what the destination answered, and a retry reaches the same identities', async () => {
    deletesAllowed = false;
    await seed('gaveup');
    let jobs = executor({ forwardingWindowMs: 0 });
    let id: string;
    try {
      id = String((await api('POST', '/privacy-requests', { type: 'delete', subject: { userId: 'gaveup-user' }, verified: true })).body.id);
      const failed = await eventually(async () => {
        const shown = (await api('GET', `/privacy-requests/${id}`)).body;
        return shown.status === 'failed' ? shown : undefined;
      }, 60_000);
      expect(String(failed.failure)).toMatch(/deletion failed at Flaky webhook \(gave up after 1 round\(s\) of 3 attempts .*HTTP 503/);
      const certificate = (await api('GET', `/privacy-requests/${id}/result`)).body as unknown as DeletionCertificate;
      expect(certificate).toMatchObject({ verified: false, destinations: [{ outcome: 'failed', attempts: 3 }] });
    } finally {
      await jobs.stop();
    }

    deletesAllowed = true;
    jobs = executor({ forwardingWindowMs: 60_000 });
    try {
      expect((await api('POST', `/privacy-requests/${id}/retry`)).status).toBe(200);
      const done = await eventually(async () => {
        const shown = (await api('GET', `/privacy-requests/${id}`)).body;
        return shown.status === 'completed' ? shown : undefined;
      }, 60_000);
      expect(done.status).toBe('completed');
      const accepted = hook.requests.map((r) => r.body as Record<string, unknown>).filter((b) => b.type === 'delete' && b.userId === 'gaveup-user');
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toMatchObject({ anonymousIds: ['gaveup-anon'], emails: ['gaveup@example.com'] });
      const certificate = (await api('GET', `/privacy-requests/${id}/result`)).body as unknown as DeletionCertificate;
      expect(certificate).toMatchObject({ verified: true, destinations: [{ outcome: 'deleted' }] });
      expect(certificate.systems.find((s) => s.system === 'events')).toMatchObject({ found: 2, residual: 0 });
    } finally {
      await jobs.stop();
    }
  }, 120_000);
});
