import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import { completedRequest } from './support/privacy-requests.js';
import type { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * After a deletion, nothing of the person is left in Sluice's embedded files, not even in their free pages or
 * write-ahead logs: SQLite's secure_delete zeroes deleted rows, and the erasure empties the logs afterwards
 * (decision 0403). Checked on the raw bytes of every file in the data directory, with values only the person's
 * events carried (their anonymousId, email and name; the request names them by userId, which the request's own
 * record keeps as proof it was handled).
 */
let sluice: TestSluice;
const servers: RecordingServer[] = [];
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

const CANARIES = ['anon-residue-5b1e9c', 'zebulon.residue@example.com', 'Zebulon Quixote-Residue'];

/** Which canaries appear anywhere in the data directory's files (raw bytes). */
function canariesOnDisk(dir: string): string[] {
  const found = new Set<string>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const file = path.join(at, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const bytes = readFileSync(file);
        for (const canary of CANARIES) if (bytes.includes(Buffer.from(canary, 'utf8'))) found.add(`${canary} in ${name}`);
      }
    }
  };
  walk(dir);
  return [...found].sort();
}

beforeAll(async () => {
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await sluice?.stop();
});

describe('what a deletion leaves on disk', () => {
  it('leaves no byte of the person in the database files, their free pages or their logs', async () => {
    const hook = await createWebhook(sluice, servers, 'CRM hook');
    const [anonymousId, email, name] = CANARIES;
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'residue-user', anonymousId, messageId: 'residue-identify', traits: { email, name } });
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'residue-user', anonymousId, messageId: 'residue-track', event: 'Viewed', properties: { note: name } });
    await eventually(async () => (hook.server.events().length === 2 ? true : undefined), 30_000);
    // Someone else's events after them, so the person's rows sit on pages shared with data that stays.
    for (let i = 0; i < 20; i++) await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: `other-${i}`, messageId: `other-${i}`, event: 'Viewed', properties: { note: `someone else ${i}` } });
    await eventually(async () => (hook.server.events().length === 22 ? true : undefined), 30_000);
    // The check can see them: every canary is on disk now.
    expect(canariesOnDisk(sluice.dataDir).map((f) => f.split(' in ')[0])).toEqual(expect.arrayContaining(CANARIES));

    const certificate = (await completedRequest(sluice, { type: 'delete', subject: { userId: 'residue-user' } })) as { systems?: { system: string; note?: string }[] };
    expect(certificate.systems?.find((s) => s.system === 'events')?.note).toMatch(/secure_delete.*write-ahead logs are emptied once this request is recorded as complete/);

    // The logs are emptied right after the request is recorded as complete.
    await eventually(async () => (canariesOnDisk(sluice.dataDir).length === 0 ? true : undefined), 10_000).catch(() => undefined);
    expect(canariesOnDisk(sluice.dataDir)).toEqual([]);
    // Someone else's data is still there.
    expect((await api('GET', '/profiles/other-3')).status).toBe(200);
  });
});
