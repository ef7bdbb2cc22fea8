import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Keys } from '../../core/crypto/keys.js';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { createPrivacyServices, type PrivacyServices } from '../privacy-services.js';
import { eraseSubject } from './deletion.js';
import { suppressionPort } from './privacy-ports.js';
import type { PipelineProgress } from './ports.js';
import { RequestService } from './request-service.js';

/**
 * A deletion that begins while a processor batch holding the subject's events is past its suppression check:
 * the batch stores them after the deletion started. The deletion writes the suppression first, then waits for
 * the pipeline to pass what it had received, and only then erases, so those events are erased too.
 */
describe('a deletion and the batches in flight when it begins', () => {
  let dir: string | undefined;
  let store: SqlStore | undefined;
  let privacy: PrivacyServices | undefined;
  afterEach(async () => {
    privacy?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function setUp() {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-deletion-barrier-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    const keys = new Keys('deletion-barrier-test-secret-key-0123456789');
    privacy = createPrivacyServices({ store, keys });
    const workspaceId = (await store.workspaces.create({ name: 'Barrier' })).id;
    const event = (messageId: string): SegmentEvent => {
      const at = new Date().toISOString();
      return { type: 'track', event: 'Clicked', messageId, userId: 'leaving', context: {}, integrations: {}, originalTimestamp: at, timestamp: at, receivedAt: at, version: 2 } as SegmentEvent;
    };
    const storeEvent = (messageId: string) => store!.events.insertMany([{ workspaceId, sourceId: 'src_b', event: event(messageId) }]);
    await storeEvent('before-1');
    const request = await new RequestService(store).create(workspaceId, { type: 'delete', subject: { userId: 'leaving' }, channel: 'admin_api', verified: true }, 'test');
    return { keys, workspaceId, storeEvent, request };
  }

  it('suppresses first, erases only after the pipeline passed its mark, and so erases what the batch in flight stored', async () => {
    const { keys, workspaceId, storeEvent, request } = await setUp();
    const steps: string[] = [];
    const suppression = suppressionPort(privacy!);
    let polls = 0;
    const progress: PipelineProgress = {
      inboxMark: async () => {
        steps.push('mark');
        return 41;
      },
      inboxPassed: async (mark) => {
        expect(mark).toBe(41);
        polls++;
        steps.push(`passed?${polls}`);
        // The batch in flight commits the subject's event while the deletion waits for it.
        if (polls === 1) await storeEvent('in-flight-1');
        return polls >= 3;
      },
      forgetProcessed: async () => {
        steps.push('forget processed inbox');
        return 2;
      },
    };
    // The delivery log: a failed delivery of the subject's event whose error quotes the destination's answer
    // about them, and someone else's delivery.
    const failed = { workspaceId, destinationId: 'dst_crm', sourceId: 'src_b', status: 'failed' as const, attempts: 1, reason: 'http_400', updatedAt: Date.now() };
    await store!.deliveries.record([
      { ...failed, messageId: 'before-1', lastError: 'HTTP 400: {"message":"contact leaving@example.com already exists"}' },
      { ...failed, destinationId: 'dst_wh', messageId: 'before-1', status: 'delivered', reason: null, lastError: null },
      { ...failed, messageId: 'someone-else-1', lastError: 'HTTP 400: {"message":"invalid phone"}' },
    ]);
    const outcome = await eraseSubject(
      {
        store: store!, keys, signal: new AbortController().signal,
        ports: { progress, suppression: { suppress: async (input) => (steps.push('suppress'), suppression.suppress(input)), unsuppress: (input) => suppression.unsuppress(input) } },
      },
      request,
    );
    expect(steps).toEqual(['suppress', 'mark', 'passed?1', 'passed?2', 'passed?3', 'forget processed inbox']);
    expect(outcome.kind).toBe('done');
    const certificate = outcome.kind === 'done' ? outcome.certificate : undefined;
    expect(certificate?.systems.find((s) => s.system === 'events')).toMatchObject({ found: 2, deleted: 2, residual: 0 });
    expect(certificate?.systems.find((s) => s.system === 'delivery_log')).toMatchObject({ found: 2, deleted: 2, residual: 0 });
    expect(await store!.events.query({ workspaceId, userId: 'leaving', limit: 10 })).toEqual([]);
    expect(await store!.deliveries.forMessage(workspaceId, 'before-1')).toEqual([]);
    expect((await store!.deliveries.forMessage(workspaceId, 'someone-else-1')).map((d) => d.lastError)).toEqual(['HTTP 400: {"message":"invalid phone"}']);
    // New events of the subject are dropped from the first step on.
    expect((await privacy!.suppressions.suppressedKeys(workspaceId, [{ type: 'userId', value: 'leaving' }])).size).toBe(1);
  });

  it('gives up waiting after the configured time with a clear error, the suppression already in place', async () => {
    const { keys, workspaceId, request } = await setUp();
    const progress: PipelineProgress = { inboxMark: async () => 7, inboxPassed: async () => false, forgetProcessed: async () => expect.unreachable('the inbox is kept while the pipeline has not passed') };
    await expect(
      eraseSubject({ store: store!, keys, signal: new AbortController().signal, pipelineWaitMs: 200, ports: { progress, suppression: suppressionPort(privacy!) } }, request),
    ).rejects.toThrow(/pipeline has not processed the events received before this deletion began within 200 ms .*runs again/);
    expect(await store!.events.count(workspaceId)).toBe(1); // nothing erased yet: the request is retried
    expect((await privacy!.suppressions.suppressedKeys(workspaceId, [{ type: 'userId', value: 'leaving' }])).size).toBe(1);
  });
});
