import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { webhookDestination } from './webhook.js';

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('webhook destination', () => {
  it('POSTs a deletion to the full URL and records it in the certificate without the query values', async () => {
    server = await startMockServer(() => ({ status: 200, body: '{}' }));
    const subject = { workspaceId: 'ws', requestId: 'prq_1', userIds: ['u1'], anonymousIds: [], emails: [] };
    const result = await webhookDestination.deleteSubject!(subject, { url: `${server.url}/erase?api_key=SECRETKEY123` }, testContext());
    expect(server.received[0]!.path).toBe('/erase');
    expect(server.received[0]!.query.get('api_key')).toBe('SECRETKEY123');
    expect(result).toEqual({ kind: 'deleted', detail: `POST ${server.url}/erase answered 2xx` });
  });
});
