import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createDestinationHttp } from '../src/destinations/http/destination-http.js';
import { verifyCertificate, type DeletionCertificate } from '../src/privacy/requests/certificate.js';
import { DestinationDeletionTargets } from '../src/privacy/requests/destination-deletion-targets.js';
import { createTestSchema, postgresAvailable, type TestSchema } from './support/postgres.js';
import { completedRequest } from './support/privacy-requests.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Issue 5's end-to-end deletion: through HTTP, with a real webhook server and a real PostgreSQL warehouse.
 * A subject with linked identities (anonymousId -> identify userId -> email) has events in Sluice and at
 * both destinations; a delete request leaves zero rows anywhere, the webhook hears the delete call, and the
 * signed certificate lists every destination with its answer (and the one that cannot delete, with why).
 */
const available = await postgresAvailable();

describe.skipIf(!available)('a deletion reaches every destination and the certificate proves it', () => {
  let sluice: TestSluice;
  let warehouse: TestSchema;
  let client: pg.Client;
  let hook: RecordingServer;
  let slackServer: RecordingServer;
  let mixpanelServer: RecordingServer;
  const ids: Record<string, string> = {};

  const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

  const send = (path: string, event: Record<string, unknown>) => sendTracking(sluice.url, sluice.writeKey, path, event);

  async function destination(body: Record<string, unknown>): Promise<string> {
    const res = await api('POST', '/destinations', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return String(res.body.id);
  }

  /** Rows of the warehouse naming any of these identifiers, per table (every table of the schema). */
  async function warehouseRows(identifiers: readonly string[]): Promise<Record<string, number>> {
    const tables = (await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'", [warehouse.schema])).rows.map((r) => r.table_name);
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const columns = (await client.query<{ column_name: string }>('select column_name from information_schema.columns where table_schema = $1 and table_name = $2', [warehouse.schema, table])).rows.map((r) => r.column_name);
      const conditions = ['id', 'user_id', 'anonymous_id', 'previous_id', 'email', 'context_traits_email'].filter((c) => columns.includes(c)).map((c) => `"${c}"::text = any($1::text[])`);
      if (conditions.length === 0) continue;
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from "${warehouse.schema}"."${table}" where ${conditions.join(' or ')}`, [identifiers]);
      counts[table] = Number(rows[0]!.n);
    }
    return counts;
  }

  async function storedEvents(query: string): Promise<number> {
    return ((await api('GET', `/events?${query}&limit=1000`)).body.events as unknown[]).length;
  }

  const subject = ['e2e-anon-1', 'e2e-anon-2', 'e2e-user', 'e2e@example.com'];

  beforeAll(async () => {
    warehouse = await createTestSchema('dsr_e2e');
    client = new pg.Client({ connectionString: warehouse.url });
    await client.connect();
    hook = await RecordingServer.start();
    slackServer = await RecordingServer.start();
    slackServer.respond = () => ({ status: 200, body: 'ok', headers: { 'content-type': 'text/plain' } });
    // Mixpanel's GDPR API v3 as documented: POST creates an asynchronous task, GET reports its status.
    mixpanelServer = await RecordingServer.start();
    mixpanelServer.respond = (request) => {
      if (request.path.startsWith('/api/app/data-deletions/v3.0/?')) return { status: 200, body: JSON.stringify({ status: 'ok', results: { task_id: 'task-42' } }) };
      if (request.path.startsWith('/api/app/data-deletions/v3.0/task-42')) return { status: 200, body: JSON.stringify({ status: 'ok', results: { status: 'STARTED' } }) };
      return { status: 200, body: JSON.stringify({ code: 200, status: 'OK', num_records_imported: 1 }) };
    };
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    ids.webhook = await destination({ name: 'Events webhook', type: 'webhook', config: { url: hook.url } });
    ids.warehouse = await destination({ name: 'Warehouse', type: 'postgres', config: { connectionString: warehouse.url, schema: warehouse.schema } });
    ids.slack = await destination({ name: 'Sales alerts', type: 'slack', config: { webhookUrl: slackServer.url.replace('/hook', '/services/T0/B0/x') } });
    const mixpanelBase = new URL(mixpanelServer.url).origin;
    ids.mixpanel = await destination({ name: 'Product analytics', type: 'mixpanel', config: { projectToken: 'mp-project-token', gdprToken: 'mp-gdpr-token', baseUrl: mixpanelBase, deletionBaseUrl: mixpanelBase } });
  });

  afterAll(async () => {
    await sluice?.stop();
    await client?.end();
    await warehouse?.drop();
    await hook?.close();
    await slackServer?.close();
    await mixpanelServer?.close();
  });

  it('deletes a linked subject from Sluice, the webhook and every warehouse table, and signs a certificate naming each destination', async () => {
    // anonymousId -> identify with a userId and an email -> events under both ids; and a bystander.
    await send('page', { anonymousId: 'e2e-anon-1', name: 'Pricing', properties: { plan: 'pro' } });
    await send('identify', { anonymousId: 'e2e-anon-1', userId: 'e2e-user', traits: { email: 'e2e@example.com', name: 'Ada' } });
    await send('track', { userId: 'e2e-user', anonymousId: 'e2e-anon-2', event: 'Order Completed', properties: { revenue: 42 } });
    await send('track', { userId: 'e2e-user', event: 'Order Completed', properties: { revenue: 7 } });
    await send('track', { userId: 'e2e-bystander', event: 'Order Completed', properties: { revenue: 1 } });

    // Routed to both: 5 events at the webhook, the warehouse holding them.
    await eventually(async () => (hook.events().filter((e) => e.type !== 'delete').length >= 5 ? true : undefined), 30_000);
    await eventually(async () => {
      const rows = await warehouseRows(subject).catch(() => undefined);
      return rows && rows.pages === 1 && rows.identifies === 1 && rows.users === 1 && rows.order_completed === 2 ? rows : undefined;
    }, 30_000);
    expect(Object.values(await warehouseRows(['e2e-bystander'])).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    // The webhook's first delete call fails with a 503: the deletion is retried, like a delivery.
    let deleteCalls = 0;
    hook.respond = (request) => {
      if ((request.body as { type?: string }).type !== 'delete') return { status: 200 };
      deleteCalls += 1;
      return deleteCalls === 1 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 };
    };

    const certificate = (await completedRequest(sluice, { type: 'delete', subject: { email: 'e2e@example.com' } })) as unknown as DeletionCertificate;
    const id = certificate.requestId;

    // Zero rows in Sluice's store...
    for (const [param, value] of [['anonymousId', 'e2e-anon-1'], ['anonymousId', 'e2e-anon-2'], ['userId', 'e2e-user']]) expect(await storedEvents(`${param}=${value}`)).toBe(0);
    for (const identifier of subject) expect((await api('GET', `/profiles/${encodeURIComponent(identifier)}`)).status).toBe(404);
    expect(await storedEvents('userId=e2e-bystander')).toBe(1);
    // ...and in every warehouse table, the bystander's rows kept.
    const left = await warehouseRows(subject);
    expect(Object.keys(left).length).toBeGreaterThanOrEqual(5);
    expect(left).toEqual(Object.fromEntries(Object.keys(left).map((table) => [table, 0])));
    expect(Object.values(await warehouseRows(['e2e-bystander'])).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    // The webhook received the delete call, naming every linked identity, on the second attempt.
    expect(deleteCalls).toBe(2);
    const deletion = hook.requests.map((r) => r.body as Record<string, unknown>).find((b) => b.type === 'delete');
    expect(deletion).toMatchObject({ type: 'delete', userId: 'e2e-user', emails: ['e2e@example.com'], messageId: id });
    expect([...(deletion!.anonymousIds as string[])].sort()).toEqual(['e2e-anon-1', 'e2e-anon-2']);

    // The certificate: each destination with its answer, the one that cannot delete with why; signed.
    expect(certificate).toMatchObject({ kind: 'sluice.deletion-certificate/v1', requestId: id, verified: true });
    const byId = new Map(certificate.destinations.map((d) => [d.destinationId, d]));
    expect(byId.size).toBe(4);
    expect(byId.get(ids.webhook!)).toMatchObject({ name: 'Events webhook', type: 'webhook', outcome: 'deleted', attempts: 2 });
    const warehouseAnswer = byId.get(ids.warehouse!)!;
    expect(warehouseAnswer).toMatchObject({ name: 'Warehouse', type: 'postgres', outcome: 'deleted', attempts: 1 });
    expect(warehouseAnswer.detail).toMatch(/order_completed: 2/);
    expect(warehouseAnswer.detail).toMatch(/users: 1/);
    expect(byId.get(ids.slack!)).toMatchObject({ name: 'Sales alerts', type: 'slack', outcome: 'not_supported' });
    expect(byId.get(ids.slack!)!.detail).toMatch(/cannot delete/);
    // An asynchronous job: submitted, with the status the tool reported when Sluice asked right after.
    expect(byId.get(ids.mixpanel!)).toMatchObject({ type: 'mixpanel', outcome: 'submitted' });
    expect(byId.get(ids.mixpanel!)!.detail).toBe('deletion job task-42: last status STARTED');
    expect(mixpanelServer.requests.some((r) => r.method === 'GET' && r.path.startsWith('/api/app/data-deletions/v3.0/task-42'))).toBe(true);
    expect(certificate.systems.every((s) => s.residual === 0)).toBe(true);
    expect(certificate.systems.find((s) => s.system === 'events')).toMatchObject({ found: 4, deleted: 4 });
    expect(JSON.stringify(certificate)).not.toContain('e2e@example.com');

    expect(verifyCertificate(sluice.keys, certificate)).toBe(true);
    expect((await api('POST', '/privacy-requests/certificates/verify', certificate)).body).toEqual({ valid: true });
    const forged: DeletionCertificate = { ...certificate, destinations: certificate.destinations.map((d) => ({ ...d, outcome: 'deleted' as const })) };
    expect(verifyCertificate(sluice.keys, forged)).toBe(false);
    expect((await api('POST', '/privacy-requests/certificates/verify', forged)).body).toEqual({ valid: false });
  }, 120_000);

  it('sends deletions through the SSRF guard: a destination on a refused address fails with the reason, not a retry', async () => {
    const guarded = new DestinationDeletionTargets({ store: sluice.store, keys: sluice.keys, http: createDestinationHttp({ allowPrivate: [] }), logger: pino({ level: 'silent' }) });
    const targets = await guarded.list('ws_default');
    const webhook = targets.find((t) => t.destinationId === ids.webhook)!;
    const before = hook.requests.length + hook.failures.length;
    const result = await webhook.deleteSubject!({ workspaceId: 'ws_default', requestId: 'dsr_guard', userIds: ['someone'], anonymousIds: [], emails: [] }, new AbortController().signal);
    expect(result.kind).toBe('failed');
    expect(JSON.stringify(result)).toContain('SLUICE_ALLOW_PRIVATE_DESTINATIONS');
    expect(hook.requests.length + hook.failures.length).toBe(before);
    // Slack cannot delete a person: no call, and the reason the certificate gives.
    const slack = targets.find((t) => t.destinationId === ids.slack)!;
    expect(slack.deleteSubject).toBeUndefined();
    expect(slack.noDeletion).toContain('incoming webhooks cannot delete');
    await guarded.close();
  });

  it('lists, in an access export, when each destination last received the subject’s data', async () => {
    await send('track', { userId: 'e2e-export', event: 'Signed Up' });
    await eventually(async () => (hook.events().some((e) => e.userId === 'e2e-export') ? true : undefined), 30_000);
    await eventually(async () => {
      const list = (await api('GET', `/destinations/${ids.webhook!}/deliveries?limit=100`)).body.deliveries as { status: string }[];
      return list.some((d) => d.status === 'delivered') ? true : undefined;
    });
    const created = await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'e2e-export' }, verified: true });
    const id = String(created.body.id);
    await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.status === 'completed' ? true : undefined), 30_000);
    const exported = await eventually(async () => {
      const document = (await api('GET', `/privacy-requests/${id}/result`)).body;
      const destinations = document.destinations as { destinationId: string; lastDeliveredAt?: string }[];
      const webhook = destinations.find((d) => d.destinationId === ids.webhook);
      return webhook?.lastDeliveredAt ? destinations : undefined;
    });
    expect(Date.parse(exported.find((d) => d.destinationId === ids.webhook)!.lastDeliveredAt!)).toBeGreaterThan(Date.now() - 120_000);
    expect(exported.find((d) => d.destinationId === ids.slack)).toBeDefined();
  }, 60_000);
});
