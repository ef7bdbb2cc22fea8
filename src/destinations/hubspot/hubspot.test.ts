import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer, type ReceivedRequest } from '../../../test/support/mock-server.js';
import { testContext } from '../../../test/support/plain-http.js';
import { item } from '../../../test/support/segment-events.js';
import type { DeliveryOutcome } from '../destination.js';
import { contactProperties, hubspot } from './index.js';

type Inputs = { inputs: Record<string, unknown>[] };

/**
 * HubSpot per its API docs: Bearer private-app token; POST /crm/v3/objects/contacts/batch/upsert (at most
 * 100 inputs with idProperty email, no two naming the same contact -> else 400 for the whole batch; a property
 * the account does not define -> 400 VALIDATION_ERROR for the whole batch, "Property values were not valid:
 * [{...,"error":"PROPERTY_DOESNT_EXIST","name":...}]", or with multi-status on, 207 with errors naming the ids;
 * an email HubSpot finds invalid -> 207 naming the id); POST
 * /events/v3/send/batch (at most 500, eventName + email + occurredAt) -> 204; POST
 * /crm/v3/objects/contacts/gdpr-delete {objectId, idProperty} -> 204.
 */
function hubSpotDocs(known: Set<string>, contacts: Map<string, Record<string, unknown>>, multiStatus = false) {
  return (r: ReceivedRequest) => {
    if (r.headers.authorization !== 'Bearer pat-1') return { status: 401, body: { status: 'error', category: 'INVALID_AUTHENTICATION' } };
    const body = r.json as Inputs & { objectId?: string };
    if (r.path === '/crm/v3/objects/contacts/gdpr-delete') {
      if (!contacts.has(body.objectId ?? '')) return { status: 404, body: { status: 'error', category: 'OBJECT_NOT_FOUND' } };
      contacts.delete(body.objectId!);
      return { status: 204 };
    }
    if (r.path === '/events/v3/send/batch') {
      if (body.inputs.length > 500 || body.inputs.some((i) => !String(i.eventName).startsWith('pe') || !i.email)) return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR' } };
      return { status: 204 };
    }
    if (r.path !== '/crm/v3/objects/contacts/batch/upsert') return { status: 404, body: {} };
    if (body.inputs.length > 100) return { status: 400, body: { status: 'error', message: 'too many inputs' } };
    const ids = body.inputs.map((i) => String(i.id).toLowerCase());
    if (new Set(ids).size !== ids.length) return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: 'Duplicate IDs found in batch input' } };
    const unknownOf = (input: Record<string, unknown>) => Object.keys(input.properties as object).filter((p) => !known.has(p));
    const invalid = (names: string[]) => names.map((name) => ({ isValid: false, message: `Property "${name}" does not exist`, error: 'PROPERTY_DOESNT_EXIST', name, localizedErrorMessage: `Property "${name}" does not exist` }));
    const everyUnknown = body.inputs.flatMap(unknownOf);
    if (everyUnknown.length && !multiStatus) return { status: 400, body: { status: 'error', message: `Property values were not valid: ${JSON.stringify(invalid(everyUnknown))}`, correlationId: 'c-1', category: 'VALIDATION_ERROR' } };
    const errors: { status: string; category: string; message: string; context: { ids: string[] } }[] = [];
    for (const input of body.inputs) {
      const unknown = unknownOf(input);
      if (unknown.length) errors.push({ status: 'error', category: 'VALIDATION_ERROR', message: `Property values were not valid: ${JSON.stringify(invalid(unknown))}`, context: { ids: [String(input.id)] } });
      else if (String(input.id).endsWith('@invalid.test')) errors.push({ status: 'error', category: 'VALIDATION_ERROR', message: `Email address ${String(input.id)} is invalid`, context: { ids: [String(input.id)] } });
      else contacts.set(String(input.id).toLowerCase(), { ...contacts.get(String(input.id).toLowerCase()), ...(input.properties as Record<string, unknown>) });
    }
    return errors.length ? { status: 207, body: { status: 'COMPLETE', results: [], errors } } : { status: 200, body: { status: 'COMPLETE', results: [] } };
  };
}

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const config = (url: string) => ({ accessToken: 'pat-1', eventNamePrefix: 'pe123_', baseUrl: url });
const KNOWN = new Set(['email', 'firstname', 'lastname', 'plan', 'zip', 'city']);

describe('HubSpot destination', () => {
  it('upserts two identifies of the same email in one batch as two requests, the later traits last', async () => {
    const contacts = new Map<string, Record<string, unknown>>();
    server = await startMockServer(hubSpotDocs(KNOWN, contacts));
    const items = [
      item({ type: 'identify', userId: 'u1', traits: { email: 'ada@example.com', plan: 'free' } }),
      item({ type: 'identify', userId: 'u2', traits: { email: 'grace@example.com', plan: 'free' } }),
      item({ type: 'identify', userId: 'u1', traits: { email: 'Ada@Example.com', plan: 'pro' } }),
    ];
    expect(await hubspot.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(server.received.map((r) => (r.json as Inputs).inputs.map((i) => i.id))).toEqual([['ada@example.com', 'grace@example.com'], ['Ada@Example.com']]);
    expect(contacts.get('ada@example.com')).toMatchObject({ plan: 'pro' });
    expect(contacts.get('grace@example.com')).toMatchObject({ plan: 'free' });
  });

  it('maps traits to HubSpot contact properties', () => {
    expect(contactProperties({ firstName: 'Ada', address: { city: 'Paris', postalCode: '75001' }, planTier: { a: 1 } })).toEqual({ firstname: 'Ada', city: 'Paris', zip: '75001', plan_tier: '{"a":1}' });
  });

  it('upserts contacts by email and sends custom behavioral events', async () => {
    const contacts = new Map<string, Record<string, unknown>>();
    server = await startMockServer(hubSpotDocs(KNOWN, contacts));
    const items = [
      item({ type: 'identify', userId: 'u1', traits: { email: 'ada@example.com', firstName: 'Ada', plan: 'pro' } }),
      item({ type: 'track', userId: 'u1', event: 'Order Completed', properties: { orderTotal: 42 }, context: { traits: { email: 'ada@example.com' } } }),
    ];
    expect(await hubspot.deliver(items, config(server.url), testContext())).toEqual({ kind: 'ok' });
    expect(contacts.get('ada@example.com')).toEqual({ email: 'ada@example.com', firstname: 'Ada', plan: 'pro' });
    expect((server.received[1]!.json as Inputs).inputs[0]).toMatchObject({ eventName: 'pe123_order_completed', email: 'ada@example.com', properties: { order_total: 42 } });
  });

  it('sends a contact with a property the account does not define without it, and the log says which and how to create it', async () => {
    const contacts = new Map<string, Record<string, unknown>>();
    server = await startMockServer(hubSpotDocs(KNOWN, contacts));
    const items = [item({ type: 'identify', userId: 'a', traits: { email: 'a@x.test', plan: 'p' } }), item({ type: 'identify', userId: 'b', traits: { email: 'b@x.test', firstName: 'Bea', shoeSize: 9, eyeColor: 'green' } })];
    const outcome = (await hubspot.deliver(items, config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results[0]).toEqual({ kind: 'ok' });
    expect(outcome.results[1]).toMatchObject({ kind: 'ok', reason: 'properties_left_out', note: expect.stringMatching(/"shoe_size", "eye_color".*Settings > Properties/) });
    expect(contacts.get('a@x.test')).toEqual({ email: 'a@x.test', plan: 'p' });
    expect(contacts.get('b@x.test')).toEqual({ email: 'b@x.test', firstname: 'Bea' });
    expect(server.received).toHaveLength(2);
  });

  it('resends only the contacts a 207 refused for a missing property; other refusals stand', async () => {
    const contacts = new Map<string, Record<string, unknown>>();
    server = await startMockServer(hubSpotDocs(KNOWN, contacts, true));
    const items = [
      item({ type: 'identify', userId: 'a', traits: { email: 'a@x.test', plan: 'p' } }),
      item({ type: 'identify', userId: 'b', traits: { email: 'b@x.test', plan: 'q', shoeSize: 9 } }),
      item({ type: 'identify', userId: 'c', traits: { email: 'c@invalid.test', plan: 'r' } }),
    ];
    const outcome = (await hubspot.deliver(items, config(server.url), testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results[0]).toEqual({ kind: 'ok' });
    expect(outcome.results[1]).toMatchObject({ kind: 'ok', reason: 'properties_left_out', note: expect.stringContaining('"shoe_size"') });
    expect(outcome.results[2]).toMatchObject({ kind: 'abort', error: expect.stringContaining('c@invalid.test is invalid') });
    expect((server.received[1]!.json as Inputs).inputs.map((i) => i.id)).toEqual(['b@x.test']);
    expect(contacts.get('b@x.test')).toEqual({ email: 'b@x.test', plan: 'q' });
  });

  it('does not send identify without email or track without an event prefix, and says why', async () => {
    server = await startMockServer(hubSpotDocs(KNOWN, new Map()));
    const outcome = (await hubspot.deliver([item({ type: 'identify', userId: 'a', traits: {} }), item({ type: 'track', userId: 'a', event: 'X', context: { traits: { email: 'a@x.test' } } })], { accessToken: 'pat-1', baseUrl: server.url }, testContext())) as Extract<DeliveryOutcome, { kind: 'per_item' }>;
    expect(outcome.results.map((r) => (r.kind === 'abort' ? r.reason : r.kind))).toEqual(['missing_email', 'unmapped_event']);
    expect(server.received).toHaveLength(0);
  });

  it('GDPR-deletes the subject’s contacts by email', async () => {
    const contacts = new Map([['ada@example.com', {}]]);
    server = await startMockServer(hubSpotDocs(KNOWN, contacts));
    expect(await hubspot.deleteSubject!({ workspaceId: 'w', requestId: 'r', userIds: ['u1'], anonymousIds: [], emails: ['ada@example.com', 'never@seen.test'] }, config(server.url), testContext())).toMatchObject({ kind: 'deleted' });
    expect(contacts.size).toBe(0);
  });
});
