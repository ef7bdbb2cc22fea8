import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keys } from '../core/crypto/keys.js';
import { createDestinationHttp } from '../destinations/http/destination-http.js';
import type { DestinationAlert } from '../store/store.js';
import { AlertWebhook } from './alert-webhook.js';
import type { AlertWebhookSettings } from './delivery-alert-settings.js';

/** A real local endpoint answering each post with the next planned reply (then 200). */
let server: Server;
let base: string;
let plan: Array<{ status: number; headers?: Record<string, string> }> = [];
let received: string[] = [];
let keysReceived: Array<string | undefined> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(body);
      keysReceived.push(req.headers['idempotency-key'] as string | undefined);
      const reply = plan.shift() ?? { status: 200 };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end('{"ok":' + String(reply.status < 300) + '}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await http.close();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  plan = [];
  received = [];
  keysReceived = [];
});

const keys = new Keys('alert-webhook-test-secret-key-0123456789');
const http = createDestinationHttp({ allowPrivate: ['127.0.0.1'] });
const alert: DestinationAlert = { id: 'alert_1', workspaceId: 'ws', destinationId: 'dst', kind: 'falling_behind', openedAt: Date.parse('2026-03-02T09:31:00Z'), failures: 0, attempts: 0, topReason: '', lastError: null, waiting: 50, oldestWaitingAt: Date.parse('2026-03-02T09:00:00Z'), notifiedAt: null, resolvedAt: null, resolution: null };
const notice = { kind: 'falling_behind' as const, subject: 'Destination "Orders" is falling behind', paragraphs: ['It waits.'] };
const context = { workspace: { id: 'ws', name: 'Shop' }, about: { destination: { id: 'dst', name: 'Orders', type: 'webhook' }, alert }, link: 'https://sluice.example.com/destinations/dst' };
const settingsFor = (url: string): AlertWebhookSettings => ({ sealedUrl: keys.encrypt(url), maskedUrl: 'http://127.0.0.1/********', format: 'json' });

const webhook = new AlertWebhook(http, keys);

describe('alert webhook', () => {
  it("posts Sluice's JSON document with the episode's kind and what waited, and the episode's notice as idempotency key", async () => {
    expect(await webhook.post(settingsFor(`${base}/alerts`), notice, context)).toEqual({ ok: true, status: 200 });
    expect(JSON.parse(received[0]!)).toMatchObject({ type: 'destination.falling_behind', idempotencyKey: 'alert_1:falling_behind', alert: { kind: 'falling_behind', waiting: 50, oldestWaitingAt: '2026-03-02T09:00:00.000Z' } });
    expect(keysReceived).toEqual(['alert_1:falling_behind']);
  });

  it("posts the pipeline's episode as pipeline.<kind>, with no destination, and links Slack to the console", async () => {
    const pipeline = { id: 'palert_1', kind: 'processing_behind' as const, openedAt: Date.parse('2026-03-02T09:10:00Z'), waitingSince: Date.parse('2026-03-02T09:00:00Z'), backlog: 50, resolvedAt: null, resolution: null };
    const about = { pipeline };
    await webhook.post(settingsFor(`${base}/alerts`), { kind: 'processing_behind', subject: 'Sluice is not keeping up with incoming events', paragraphs: ['Behind.'] }, { workspace: context.workspace, about, link: 'https://sluice.example.com/' });
    const body = JSON.parse(received[0]!) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'pipeline.processing_behind', pipelineAlert: { id: 'palert_1', waitingSince: '2026-03-02T09:00:00.000Z', backlog: 50, resolvedAt: null }, link: 'https://sluice.example.com/' });
    expect(body.destination).toBeUndefined();
    await webhook.post({ ...settingsFor(`${base}/alerts`), format: 'slack' }, { kind: 'processing_caught_up', subject: 'Sluice has caught up with incoming events', paragraphs: ['Fine.'] }, { workspace: context.workspace, about, link: 'https://sluice.example.com/' });
    expect((JSON.parse(received[1]!) as { text: string }).text).toBe('*Sluice has caught up with incoming events*\nFine.\n<https://sluice.example.com/|Open the console>');
    await webhook.post(settingsFor(`${base}/alerts`), { kind: 'processing_caught_up', subject: 'x', paragraphs: [] }, { workspace: context.workspace, about, link: 'https://sluice.example.com/' });
    expect(JSON.parse(received[2]!)).toMatchObject({ type: 'pipeline.caught_up' });
  });

  it('tells an answer worth trying again (a 503, a 429 with Retry-After, a refused connection) from one that will not change (a 404, an address the guard refuses)', async () => {
    const prepared = webhook.prepare(settingsFor(`${base}/alerts`), notice, context);
    if ('error' in prepared) throw new Error(prepared.error);
    plan = [{ status: 503 }, { status: 429, headers: { 'retry-after': '30' } }, { status: 404 }];
    expect(await webhook.attempt(prepared.url, prepared.body, prepared.idempotencyKey)).toMatchObject({ again: true, result: { ok: false, status: 503 } });
    expect(await webhook.attempt(prepared.url, prepared.body, prepared.idempotencyKey)).toMatchObject({ again: true, afterMs: 30_000, result: { ok: false, status: 429 } });
    expect(await webhook.attempt(prepared.url, prepared.body, prepared.idempotencyKey)).toMatchObject({ again: false, result: { ok: false, status: 404 } });
    expect(keysReceived).toEqual(['alert_1:falling_behind', 'alert_1:falling_behind', 'alert_1:falling_behind']);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await webhook.attempt(`http://127.0.0.1:${port}/alerts`, prepared.body, prepared.idempotencyKey)).toMatchObject({ again: true, result: { ok: false } });
    expect(await webhook.attempt('http://10.9.8.7/alerts', prepared.body, prepared.idempotencyKey)).toMatchObject({ again: false, result: { ok: false, error: expect.stringContaining('destination_address_refused') } });
  });

  it('makes one attempt per post (the API\'s test), and says so when the URL cannot be decrypted', async () => {
    plan = [{ status: 503 }];
    expect(await webhook.post(settingsFor(`${base}/alerts`), notice, context)).toMatchObject({ ok: false, status: 503 });
    expect(received).toHaveLength(1);
    expect(await webhook.post({ ...settingsFor(`${base}/alerts`), sealedUrl: new Keys('another-secret-key-0123456789abcdef').encrypt(`${base}/alerts`) }, notice, context)).toMatchObject({ ok: false, error: expect.stringContaining('could not be decrypted') });
  });
});
