import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { deliveriesOf } from './support/destinations.js';
import { startMockServer, type MockServer } from './support/mock-server.js';
import { completedRequest } from './support/privacy-requests.js';
import { S3_CREDENTIALS, s3Store } from './support/s3-store.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * The S3 archive keeps no index by person, so a deletion used to read every file of the bucket's prefix. The
 * delivery log knows the source and hour of receipt of each event of the person sent to the archive, which are
 * the folders the archive files them in: a deletion now reads only those. Real Sluice, a local S3-compatible
 * store checking Signature V4, everything through the APIs.
 */
let sluice: TestSluice;
let store: MockServer;
const objects = new Map<string, Buffer>();
const rejected: string[] = [];

beforeAll(async () => {
  store = await startMockServer(s3Store(objects, rejected), { decodeGzip: false });
  sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
});
afterAll(async () => {
  await sluice?.stop();
  await store?.close();
});

describe('deleting a person from the S3 archive', () => {
  it('reads only the hour folders of their events the delivery log names, and removes their events there', async () => {
    const api = ownerApi(sluice);
    const created = await api('POST', '/destinations', { name: 'Archive', type: 's3', config: { bucket: 'archive', region: 'us-east-1', endpoint: store.url, prefix: 'raw/', ...S3_CREDENTIALS } });
    expect(created.status, created.text).toBe(201);
    const destinationId = String(created.body.id);
    // Files of other hours, months ago: the archive's history, which the deletion has no reason to read.
    for (let day = 1; day <= 5; day++) objects.set(`raw/src_old/2026/06/0${day}/09/old${day}.ndjson.gz`, gzipSync(`${JSON.stringify({ type: 'track', userId: 'someone-else', messageId: `old-${day}` })}\n`));
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'ada-s3', event: 'Signed Up', messageId: 'ada-s3-1' });
    await sendTracking(sluice.url, sluice.writeKey, 'track', { userId: 'ivan-s3', event: 'Signed Up', messageId: 'ivan-s3-1' });
    await eventually(async () => {
      const rows = await deliveriesOf(sluice, destinationId);
      return rows.filter((r) => r.status === 'delivered').length === 2 ? rows : undefined;
    }, 30_000);
    store.received.length = 0;

    const certificate = (await completedRequest(sluice, { type: 'delete', subject: { userId: 'ada-s3' } })) as unknown as { destinations: { destinationId: string; outcome: string; detail: string }[] };
    const archive = certificate.destinations.find((d) => d.destinationId === destinationId);
    expect(archive).toMatchObject({ outcome: 'deleted', detail: expect.stringContaining('1 event(s) removed') });
    expect(archive?.detail).toContain('hour folder(s) the delivery log names');
    const listed = store.received.filter((r) => r.query.has('list-type')).map((r) => r.query.get('prefix') ?? '');
    expect(listed.length).toBeGreaterThan(0);
    for (const prefix of listed) expect(prefix).toMatch(/^raw\/[^/]+\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/$/);
    expect(store.received.filter((r) => r.method === 'GET' && r.path.includes('/src_old/'))).toEqual([]);
    const left = [...objects.keys()].filter((k) => !k.includes('/src_old/'));
    expect(left).toHaveLength(1); // Ivan's file (both events in one batch file: rewritten without Ada's) or his own
    expect(rejected).toEqual([]);
  });
});
