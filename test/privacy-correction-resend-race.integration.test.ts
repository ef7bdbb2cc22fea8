import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Members press "Send again" on the same correction at the same moment (two tabs, two people): the re-send is
 * claimed atomically on the request (decision 0606, addendum), so one call sends the corrected identify again and
 * the other is refused with a 409 that says why, and the recipient (a real local HTTP server) gets it once.
 */
const postgres = await postgresAvailable();

describe.each([
  { store: 'sqlite', runs: true },
  { store: 'postgres', runs: postgres },
])('a correction sent again by several calls at once ($store)', ({ store, runs }) => {
  let sluice: TestSluice;
  let schema: TestSchema | undefined;
  const servers: RecordingServer[] = [];

  beforeAll(async () => {
    if (!runs) return;
    schema = store === 'postgres' ? await createTestSchema('resend_race') : undefined;
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', ...(schema && { SLUICE_DATABASE_URL: schemaUrl(schema), SLUICE_SECRET_KEY: 'resend-race-secret-key-0123456789abcdef' }) });
  });
  afterAll(async () => {
    await sluice?.stop();
    await schema?.drop();
    await Promise.all(servers.map((s) => s.close()));
  });

  it.runIf(runs)('sends it once: the other calls get a 409 and nothing is queued twice', async () => {
    const api = ownerApi(sluice);
    const crm = await createWebhook(sluice, servers, 'CRM hook');
    crm.server.respond = (request) => (request.raw.includes('dsr-correct-') ? { status: 400, body: '{"error":"refused"}' } : { status: 200 });
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'race-ada', traits: { email: 'race@example.com', name: 'Ada Byron' } });
    await eventually(async () => ((await api('GET', '/profiles/race-ada')).status === 200 ? true : undefined));
    const created = await api('POST', '/privacy-requests', { type: 'correct', subject: { userId: 'race-ada' }, traits: { name: 'Ada Lovelace' }, verified: true });
    expect(created.status, created.text).toBe(201);
    const id = String(created.body.id);
    const done = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      return shown.status === 'completed' ? shown : undefined;
    }, 60_000);
    expect(done.correctionFollowUps).toEqual([expect.objectContaining({ name: 'CRM hook' })]);

    crm.server.respond = () => ({ status: 200 });
    const answers = await Promise.all(Array.from({ length: 4 }, () => api('POST', `/privacy-requests/${id}/retry-recipients`)));
    expect(answers.map((a) => a.status).sort(), answers.map((a) => a.text).join('\n')).toEqual([200, 409, 409, 409]);
    // Whichever moment each read the request in: another call's claim changed it, or nothing was failed any more.
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(['request_state_conflict', 'no_failed_recipients']).toContain((refused.body.error as { code: string }).code);
    }

    // A later event of the same person reaches the hook after every job queued before it (one lane, in order per
    // user): once it is there, each copy of the corrected identify queued by either call has been sent.
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'race-ada', event: 'After the retries', messageId: 'race-after' });
    await eventually(async () => (crm.server.events().some((e) => e.messageId === 'race-after') ? true : undefined), 30_000);
    expect(crm.server.events().filter((e) => e.messageId === `dsr-correct-${id}`)).toHaveLength(1);

    const history = (await api('GET', `/privacy-requests/${id}`)).body.history as { action: string }[];
    expect(history.filter((h) => h.action === 'correction_recipients_retried')).toHaveLength(1);
  });
});
