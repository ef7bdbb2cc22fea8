import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createTestSchema, postgresAvailable, schemaUrl, type TestSchema } from './support/postgres.js';
import { openSse } from './support/sse-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const available = await postgresAvailable();

/**
 * The live tail on PostgreSQL, where several processors insert events at once: an event's seq is taken when its insert
 * runs, so a batch that commits after another can hold a lower seq than events the stream has already shown. A real
 * Sluice on PostgreSQL; a second writer (a plain connection, standing in for another processor) holds an inserted
 * event uncommitted while Sluice stores and streams a later one, then commits.
 */
describe.runIf(available)('live tail with a batch committed late (PostgreSQL)', () => {
  let schema: TestSchema;
  let sluice: TestSluice;
  let writer: pg.Client;

  beforeAll(async () => {
    schema = await createTestSchema('live_late');
    sluice = await startTestSluice({ SLUICE_DATABASE_URL: schemaUrl(schema), SLUICE_SECRET_KEY: 'live-late-test-secret-key-0123456789' });
    writer = new pg.Client({ connectionString: schemaUrl(schema) });
    await writer.connect();
  });
  afterAll(async () => {
    await writer?.end();
    await sluice?.stop();
    await schema?.drop();
  });

  it('shows an event whose seq is below one already shown once its batch commits, and nothing twice', async () => {
    const sources = (await ownerApi(sluice)('GET', '/sources')).body.sources as { id: string; writeKey: string }[];
    const source = sources.find((s) => s.writeKey === sluice.writeKey)!;
    const stream = await openSse(`${sluice.url}/api/v1/sources/${source.id}/live`, { authorization: `Bearer ${sluice.token}` });
    const shown = () => stream.messages.filter((m) => m.event === 'event').map((m) => ({ seq: Number(m.id), messageId: (JSON.parse(m.data) as { messageId: string }).messageId }));
    try {
      // Another processor's batch: inserted (its seq taken), not yet committed.
      await writer.query('BEGIN');
      const now = Date.now();
      const late = { type: 'track', event: 'Late', userId: 'late-user', messageId: 'late-1', timestamp: new Date(now).toISOString(), receivedAt: new Date(now).toISOString() };
      const { rows } = await writer.query<{ seq: string }>(
        'INSERT INTO events (workspace_id, source_id, message_id, type, event_name, user_id, anonymous_id, timestamp, received_at, payload) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9) RETURNING seq',
        [DEFAULT_WORKSPACE_ID, source.id, late.messageId, 'track', late.event, late.userId, now, now, JSON.stringify(late)],
      );
      const lateSeq = Number(rows[0]!.seq);

      // Meanwhile Sluice stores a later event, with a higher seq, and the stream shows it.
      await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'on-time-user', event: 'On time', messageId: 'on-time-1' });
      const onTime = await eventually(async () => shown().find((e) => e.messageId === 'on-time-1'));
      expect(onTime.seq).toBeGreaterThan(lateSeq);

      // The late batch commits: its event is shown, below the one already shown.
      await writer.query('COMMIT');
      await eventually(async () => shown().find((e) => e.messageId === 'late-1'), 10_000);
      await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'on-time-user', event: 'After', messageId: 'on-time-2' });
      await eventually(async () => shown().find((e) => e.messageId === 'on-time-2'));
      expect(shown().map((e) => e.messageId)).toEqual(['on-time-1', 'late-1', 'on-time-2']);
    } finally {
      stream.close();
    }
  });
});
