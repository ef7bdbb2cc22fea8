import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Keys } from '../../core/crypto/keys.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { correctSubject } from './correction.js';
import type { PublishedIdentify } from './ports.js';
import { RequestExecutor } from './request-executor.js';
import { RequestService } from './request-service.js';

describe('a correct of traits.email', () => {
  let dir: string | undefined;
  let store: SqlStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('still finds the person by the wrong email when an attempt failed before the corrected identify was queued, unlinks it once it is, and queues it once', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-correct-email-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    const ws = (await store.workspaces.create({ name: 'W' })).id;
    const source = await store.sources.create({ workspaceId: ws, name: 'App' });
    await store.identities.applyChanges({
      profiles: [{ id: 'prof_ada', workspaceId: ws, traits: { email: 'wrong@example.com' }, traitTimes: {}, firstSeen: 1, lastSeen: 1 }],
      links: [
        { workspaceId: ws, profileId: 'prof_ada', kind: 'user_id', value: 'ada' },
        { workspaceId: ws, profileId: 'prof_ada', kind: 'email', value: 'wrong@example.com' },
      ],
      deletedProfileIds: [],
      groups: [],
    });
    const published: PublishedIdentify[] = [];
    let outage = true;
    const requests = new RequestService(store);
    const executor = new RequestExecutor({
      store,
      keys: new Keys('correct-email-test-secret-key-0123456789'),
      requests,
      logger: pino({ level: 'silent' }),
      ports: {
        pipeline: {
          async publishIdentify(input) {
            if (outage) throw new Error('inbox unavailable');
            published.push(input);
          },
        },
      },
    });
    const request = await requests.create(ws, { type: 'correct', subject: { email: 'wrong@example.com' }, params: { traits: { email: 'right@example.com' } }, verified: true, channel: 'admin_api' }, 'test');
    await expect(executor.execute(request)).rejects.toThrow('inbox unavailable');
    expect((await store.identities.linkedIdentities(ws, 'wrong@example.com'))?.userIds).toEqual(['ada']);
    outage = false;
    // Queued now: the request waits for the pipeline (this test has none processing), the wrong email unlinked.
    const retried = await executor.execute(request);
    expect(retried).toMatchObject({ kind: 'retry', reason: expect.stringContaining('waiting for the pipeline') });
    expect(published).toEqual([expect.objectContaining({ sourceId: source.id, integrations: {}, userId: 'ada', traits: { email: 'right@example.com' }, messageId: `dsr-correct-${request.id}` })]);
    expect(await store.identities.linkedIdentities(ws, 'wrong@example.com')).toBeUndefined();
    // A later attempt reads the work state: the identify is not queued again (nor is the person looked up again by
    // the wrong email, which finds no one now).
    const reloaded = (await store.privacyRequests.get(ws, request.id))!;
    expect(await executor.execute(reloaded)).toMatchObject({ kind: 'retry' });
    expect(published).toHaveLength(1);
  });

  it('fails a correction whose identify the pipeline never processed within the window, saying what to check', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-correct-email-'));
    store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    const ws = (await store.workspaces.create({ name: 'W' })).id;
    const requests = new RequestService(store);
    const request = await requests.create(ws, { type: 'correct', subject: { userId: 'ada' }, params: { traits: { name: 'Ada' } }, verified: true, channel: 'admin_api' }, 'test');
    const queued = { ...request, workState: { correction: { queuedAt: 1_000, identify: { messageId: `dsr-correct-${request.id}`, userId: 'ada' }, unlinkedEmails: 0 } } };
    const deps = (now: number) => ({ store: store!, pipeline: { publishIdentify: () => Promise.reject(new Error('must not queue it again')) }, checkpoint: async () => undefined, windowMs: 60_000, now: () => now });
    expect(await correctSubject(deps(30_000), queued)).toMatchObject({ kind: 'pending' });
    expect(await correctSubject(deps(61_001), queued)).toEqual({ kind: 'failed', failure: expect.stringContaining('never processed') });
  });
});
