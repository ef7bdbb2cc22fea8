import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockReply, type MockServer } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item } from '../../../test/support/segment-events.js';
import type { DeliveryResult } from '../destination.js';
import { deliverHttp, type HttpMapping } from './http-mapping.js';

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A mapping that sends each batch as one request and reads a JSON answer `{accepted: true}` (as most tools answer). */
const jsonAnswering: HttpMapping<{ url: string }> = {
  plan: (items, config) => ({
    requests: [{ request: { method: 'POST', url: config.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(items.map((i) => i.event)) }, itemIndexes: items.map((_, i) => i) }],
    refused: new Map(),
    warnings: [],
  }),
  interpret(response): DeliveryResult {
    const body = JSON.parse(response.body) as { accepted?: boolean };
    return body.accepted ? { kind: 'ok' } : { kind: 'abort', reason: 'invalid_event', error: 'refused' };
  },
  secrets: () => [],
};

async function deliverAnswered(reply: MockReply) {
  server = await startMockServer(() => reply);
  return deliverHttp(jsonAnswering, [item({ type: 'track', userId: 'u1', event: 'A' })], { url: server.url }, testContext());
}

describe('deliverHttp, when the type cannot read the answer', () => {
  it('logs a 2xx answer it cannot read as delivered with reason answer_unreadable, not as a network error to send again', async () => {
    const outcome = await deliverAnswered({ status: 200, body: '<html>accepted</html>', headers: { 'content-type': 'text/html' } });
    expect(outcome).toMatchObject({ kind: 'ok', reason: 'answer_unreadable', note: expect.stringContaining('answered 200') });
    expect(server!.received).toHaveLength(1);
  });

  it('reads a 5xx it cannot read as the status says (retry) and a 4xx as a failure, saying the answer was unreadable', async () => {
    expect(await deliverAnswered({ status: 503, body: '<html>down</html>' })).toMatchObject({ kind: 'retry', reason: 'http_503', error: expect.stringContaining('could not read') });
    await server?.close();
    expect(await deliverAnswered({ status: 400, body: 'bad' })).toMatchObject({ kind: 'abort', reason: 'http_400', error: expect.stringContaining('could not read') });
  });

  it('still reads a network failure as one', async () => {
    server = await startMockServer(() => ({ status: 200, body: { accepted: true } }));
    const url = server.url;
    await server.close();
    server = undefined;
    expect(await deliverHttp(jsonAnswering, [item({ type: 'track', userId: 'u1', event: 'A' })], { url }, testContext())).toMatchObject({ kind: 'retry', reason: 'network_error' });
  });
});
