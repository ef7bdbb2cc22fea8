import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item, segmentEvent } from '../../../test/support/segment-events.js';
import { renderTemplate, slack } from './index.js';

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Slack destination', () => {
  it('renders templates with nested fields and escapes control characters', () => {
    const event = segmentEvent({ type: 'track', userId: 'u<1>', event: 'Order Completed', properties: { total: 1200, items: [1, 2] } });
    expect(renderTemplate('{{userId}} did {{event}} for {{properties.total}} {{properties.items}} {{properties.missing}}', event)).toBe('u&lt;1&gt; did Order Completed for 1200 [1,2] ');
  });

  it('posts one message per event and aborts on a Slack error code', async () => {
    // Slack incoming webhooks: POST JSON {text}; "ok" on success, text error codes such as channel_not_found (404).
    server = await startMockServer((r) => {
      if (r.path === '/services/T0/B0/gone') return { status: 404, body: 'channel_not_found' };
      return (r.json as { text?: string }).text ? { status: 200, body: 'ok' } : { status: 400, body: 'invalid_payload' };
    });
    const items = [item({ type: 'track', userId: 'u1', event: 'Big Order' }), item({ type: 'track', userId: 'u2', event: 'Big Order' })];
    expect(await slack.deliver(items.slice(0, 1), { webhookUrl: `${server.url}/services/T0/B0/ok` }, testContext())).toEqual({ kind: 'ok' });
    expect(server.received[0]!.json).toEqual({ text: '*Big Order* by u1' });
    expect(await slack.deliver(items.slice(1), { webhookUrl: `${server.url}/services/T0/B0/gone` }, testContext())).toMatchObject({ kind: 'abort', reason: 'slack_channel_not_found' });
  });

  it('keeps the reason a code when the answer is not one of Slack\'s (a proxy\'s page), and retries a 408', async () => {
    server = await startMockServer((r) =>
      r.path.endsWith('/timeout') ? { status: 408, body: 'request_timeout' } : { status: 403, body: '<html><body><h1>403 Forbidden</h1>\n<p>Access denied by proxy</p></body></html>' },
    );
    const outcome = await slack.deliver([item({ type: 'track', userId: 'u1', event: 'x' })], { webhookUrl: `${server.url}/services/T0/B0/x` }, testContext());
    expect(outcome).toMatchObject({ kind: 'abort', reason: 'http_403', error: expect.stringContaining('Access denied by proxy') });
    expect(await slack.deliver([item({ type: 'track', userId: 'u1', event: 'x' })], { webhookUrl: `${server.url}/services/T0/B0/timeout` }, testContext())).toMatchObject({ kind: 'retry', reason: 'http_408' });
  });

  it('honours Retry-After on 429', async () => {
    server = await startMockServer(() => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } }));
    expect(await slack.deliver([item({ type: 'track', userId: 'u1', event: 'x' })], { webhookUrl: `${server.url}/services/a` }, testContext())).toMatchObject({ kind: 'retry', afterMs: 1000 });
  });
});
