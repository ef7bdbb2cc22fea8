import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { normalizeEvent, normalizeRequest, validateEvent, validateRequest } from './normalize.js';

const facts = { receivedAt: new Date('2026-11-30T12:00:10.000Z'), ip: '203.0.113.7' };

function rejection(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SluiceError) return error;
    throw error;
  }
  throw new Error('expected a SluiceError');
}

describe('normalizeEvent', () => {
  it('corrects the timestamp for client clock skew and keeps the original', () => {
    const event = normalizeEvent(
      { userId: 'u1', event: 'Order Completed', timestamp: '2026-11-30T11:00:00.000Z', sentAt: '2026-11-30T11:00:05.000Z' },
      'track',
      facts,
    );
    expect(event.originalTimestamp).toBe('2026-11-30T11:00:00.000Z');
    expect(event.sentAt).toBe('2026-11-30T11:00:05.000Z');
    expect(event.receivedAt).toBe('2026-11-30T12:00:10.000Z');
    // receivedAt - (sentAt - originalTimestamp) = 12:00:10 - 5 s
    expect(event.timestamp).toBe('2026-11-30T12:00:05.000Z');
  });

  it('uses originalTimestamp when no timestamp is given, and the server time when neither is', () => {
    expect(normalizeEvent({ userId: 'u', originalTimestamp: '2026-01-01T00:00:00Z' }, 'identify', facts).timestamp).toBe('2026-01-01T00:00:00.000Z');
    const event = normalizeEvent({ userId: 'u' }, 'identify', facts);
    expect(event.timestamp).toBe(facts.receivedAt.toISOString());
    expect(event.originalTimestamp).toBe(facts.receivedAt.toISOString());
  });

  it('keeps the server time for an event without a client time, whatever sentAt says', () => {
    // A client whose clock is an hour behind, or a batch that waited: sentAt is an hour before receivedAt.
    const alone = normalizeEvent({ userId: 'u', sentAt: '2026-11-30T11:00:10.000Z' }, 'identify', facts);
    expect(alone.timestamp).toBe('2026-11-30T12:00:10.000Z');
    expect(alone.originalTimestamp).toBe('2026-11-30T12:00:10.000Z');
    expect(alone.sentAt).toBe('2026-11-30T11:00:10.000Z');
    const { accepted } = normalizeRequest({ batch: [{ type: 'track', userId: 'u', event: 'A' }], sentAt: '2026-11-30T11:00:10.000Z' }, 'batch', facts);
    expect(accepted[0]!.timestamp).toBe('2026-11-30T12:00:10.000Z');
    // A client time given as originalTimestamp is still corrected: 12:00:10 - (11:00:10 - 11:00:00).
    expect(normalizeEvent({ userId: 'u', originalTimestamp: '2026-11-30T11:00:00.000Z', sentAt: '2026-11-30T11:00:10.000Z' }, 'identify', facts).timestamp).toBe('2026-11-30T12:00:00.000Z');
  });

  it('generates a messageId when missing and keeps one that is given', () => {
    expect(normalizeEvent({ userId: 'u' }, 'identify', facts).messageId).toMatch(/^api-[0-9a-f-]{36}$/);
    expect(normalizeEvent({ userId: 'u', messageId: 'm-1' }, 'identify', facts).messageId).toBe('m-1');
  });

  it('refuses a messageId over 100 characters', () => {
    expect(rejection(() => normalizeEvent({ userId: 'u', messageId: 'x'.repeat(101) }, 'identify', facts)).code).toBe('message_id_too_long');
  });

  it('sets context.ip from the request only when the client did not', () => {
    expect(normalizeEvent({ userId: 'u' }, 'identify', facts).context.ip).toBe('203.0.113.7');
    expect(normalizeEvent({ userId: 'u', context: { ip: '198.51.100.1' } }, 'identify', facts).context.ip).toBe('198.51.100.1');
  });

  it('takes the type from the endpoint, sets version 2 and removes the writeKey', () => {
    const event = normalizeEvent({ userId: 'u', type: 'identify', event: 'X', writeKey: 'secret' }, 'track', facts);
    const json = JSON.stringify(event);
    expect(event.type).toBe('track');
    expect(event.version).toBe(2);
    expect(json).not.toContain('secret');
  });

  it.each([
    [{ event: 'x' }, 'track', 'no_user_anon_id'],
    [{ userId: 'u' }, 'track', 'event_not_string'],
    [{ userId: 'u', event: 42 }, 'track', 'event_not_string'],
    [{ userId: 'u', event: 'x', properties: [] }, 'track', 'properties_not_object'],
    [{ userId: 'u', traits: 'a' }, 'identify', 'traits_not_object'],
    [{ userId: 'u', context: 1 }, 'identify', 'context_not_object'],
    [{ userId: 'u', integrations: 'all' }, 'identify', 'integrations_not_object'],
    [{ userId: 'u' }, 'group', 'missing_group_id'],
    [{ userId: 'u' }, 'alias', 'missing_previous_id'],
    [{ userId: { id: 1 } }, 'identify', 'invalid_field'],
    [{ userId: 'u', timestamp: 'yesterday' }, 'identify', 'invalid_timestamp'],
    [{ userId: 'u', name: 5 }, 'page', 'invalid_field'],
  ] as const)('rejects %j on %s with %s', (raw, type, code) => {
    expect(rejection(() => normalizeEvent(raw, type, facts)).code).toBe(code);
  });

  it('normalizes client times that are not in the canonical ISO form, and keeps those that are', () => {
    const at = (timestamp: string | number) => normalizeEvent({ userId: 'u', timestamp }, 'identify', facts).originalTimestamp;
    expect(at('2026-11-30T11:00:00.000Z')).toBe('2026-11-30T11:00:00.000Z');
    expect(at('2026-11-30T12:00:00+01:00')).toBe('2026-11-30T11:00:00.000Z');
    expect(at('2026-11-30T11:00:00Z')).toBe('2026-11-30T11:00:00.000Z');
    expect(at('2024-02-29T23:59:59.999Z')).toBe('2024-02-29T23:59:59.999Z');
    expect(at(Date.parse('2026-11-30T11:00:00.000Z'))).toBe('2026-11-30T11:00:00.000Z');
    expect(rejection(() => at('2026-13-01T00:00:00.000Z')).code).toBe('invalid_timestamp');
    expect(at('2026-11-30T23:59:59.999Z')).toBe('2026-11-30T23:59:59.999Z');
    expect(at('2026-12-31T00:00:00.000Z')).toBe('2026-12-31T00:00:00.000Z');
    expect(at('2000-02-29T00:00:00.000Z')).toBe('2000-02-29T00:00:00.000Z');
    // Days a month lacks are refused, not rolled over into the next month (client-time.test.ts has the rest).
    for (const missing of ['2026-02-29T00:00:00.000Z', '2100-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z']) {
      expect(rejection(() => at(missing)).code).toBe('invalid_timestamp');
    }
  });

  it.each([
    ['timestamp', { timestamp: '2020-02-30T00:00:00.000Z' }],
    ['originalTimestamp', { originalTimestamp: '2020-02-31' }],
    ['originalTimestamp', { timestamp: '2026-11-30T11:00:00.000Z', originalTimestamp: '01/02/2020' }],
    ['sentAt', { sentAt: '0' }],
    ['sentAt', { sentAt: -1 }],
  ])('refuses an invalid %s with invalid_timestamp naming the field (%j)', (field, times) => {
    const error = rejection(() => normalizeEvent({ userId: 'u', ...times }, 'identify', facts));
    expect(error.code).toBe('invalid_timestamp');
    expect(error.message.startsWith(`${field} `)).toBe(true);
    expect(rejection(() => validateEvent({ userId: 'u', ...times }, 'identify')).message).toBe(error.message);
  });

  it('keeps the client\'s other top-level fields as sent, and fields other types require when given', () => {
    const event = normalizeEvent(
      { userId: 'u', channel: 'server', _metadata: { bundled: ['X'] }, event: 'kept', properties: { a: 1 }, version: 1, receivedAt: 'forged', writeKey: 'wk' },
      'identify',
      facts,
    );
    expect(event.channel).toBe('server');
    expect(event._metadata).toEqual({ bundled: ['X'] });
    expect(event.event).toBe('kept');
    expect(event.properties).toEqual({ a: 1 });
    expect(event.traits).toEqual({});
    expect(event.version).toBe(2);
    expect(event.receivedAt).toBe(facts.receivedAt.toISOString());
    const stored = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
    expect(stored).not.toHaveProperty('writeKey');
    expect(stored).not.toHaveProperty('groupId');
    expect(stored).not.toHaveProperty('sentAt');
    expect(stored.channel).toBe('server');
  });

  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['a tab and a newline', '\t\n'],
    ['no-break and ideographic spaces', '\u00a0\u3000'],
  ])('treats a userId or anonymousId that is %s like an absent one', (_case, blank) => {
    expect(rejection(() => normalizeEvent({ userId: blank }, 'identify', facts)).code).toBe('no_user_anon_id');
    expect(rejection(() => normalizeEvent({ anonymousId: blank }, 'identify', facts)).code).toBe('no_user_anon_id');
    expect(rejection(() => validateEvent({ userId: blank, anonymousId: blank }, 'identify')).code).toBe('no_user_anon_id');
    const withAnonymous = normalizeEvent({ userId: blank, anonymousId: 'a1' }, 'identify', facts);
    expect(withAnonymous.anonymousId).toBe('a1');
    expect(JSON.parse(JSON.stringify(withAnonymous))).not.toHaveProperty('userId');
    expect(normalizeEvent({ userId: 'u1', anonymousId: blank }, 'identify', facts).anonymousId).toBeUndefined();
  });

  it('generates a messageId for a blank one (each event keeps its own), and refuses a blank event name, groupId or previousId', () => {
    const ids = ['  ', '\t'].map((blank) => normalizeEvent({ userId: 'u1', event: 'E', messageId: blank }, 'track', facts).messageId);
    expect(ids.every((id) => id.trim() !== '')).toBe(true);
    expect(new Set(ids).size).toBe(2);
    expect(rejection(() => normalizeEvent({ userId: 'u1', event: '   ' }, 'track', facts)).code).toBe('event_not_string');
    expect(rejection(() => normalizeEvent({ userId: 'u1', groupId: ' ' }, 'group', facts)).code).toBe('missing_group_id');
    expect(rejection(() => normalizeEvent({ userId: 'u1', previousId: ' ' }, 'alias', facts)).code).toBe('missing_previous_id');
  });

  it('keeps an identifier with text in it as sent, spaces included', () => {
    expect(normalizeEvent({ userId: ' u1 ' }, 'identify', facts).userId).toBe(' u1 ');
  });

  it('accepts numeric userIds as strings', () => {
    expect(normalizeEvent({ userId: 42 }, 'identify', facts).userId).toBe('42');
  });

  it('refuses an id given as a number past 2^53, which JSON has rounded: two people would share one id', () => {
    // 12345678901234567890 and 12345678901234567891 both parse as 12345678901234567000.
    const raw = JSON.parse('{"userId": 12345678901234567891, "event": "Paid"}') as Record<string, unknown>;
    const error = rejection(() => validateEvent(raw, 'track'));
    expect(error.code).toBe('invalid_field');
    expect(error.message).toBe('userId is a number larger than 9007199254740991 (2^53 - 1), which JSON numbers cannot hold exactly: it reads as 12345678901234567000, so two ids could become one. Send userId as a string.');
    for (const field of ['anonymousId', 'messageId', 'groupId', 'previousId']) {
      const type = field === 'groupId' ? 'group' : field === 'previousId' ? 'alias' : 'identify';
      expect(rejection(() => validateEvent({ userId: 'u', groupId: 'g', previousId: 'p', [field]: 2 ** 60 }, type)).message, field).toMatch(new RegExp(`^${field} is a number larger than`));
    }
    // The largest exact integer is fine; a request acknowledged before this rule is read as then, not lost.
    expect(normalizeEvent({ userId: Number.MAX_SAFE_INTEGER }, 'identify', facts).userId).toBe('9007199254740991');
    expect(normalizeEvent(raw, 'track', { ...facts, acknowledged: true }).userId).toBe('12345678901234567000');
  });

  it('rejects an event over 32 KB', () => {
    const error = rejection(() => normalizeEvent({ userId: 'u', event: 'big', properties: { blob: 'x'.repeat(33 * 1024) } }, 'track', facts));
    expect(error.code).toBe('event_too_large');
    expect(error.status).toBe(413);
  });

  it('rejects nesting deeper than 64 levels and accepts 64', () => {
    const nest = (depth: number) => {
      let value: Record<string, unknown> = {};
      for (let i = 0; i < depth; i++) value = { a: value };
      return value;
    };
    // properties itself is level 1 inside the event
    expect(() => normalizeEvent({ userId: 'u', event: 'x', properties: nest(63) }, 'track', facts)).not.toThrow();
    expect(rejection(() => normalizeEvent({ userId: 'u', event: 'x', properties: nest(70) }, 'track', facts)).code).toBe('nesting_too_deep');
  });
});

describe('normalizeRequest', () => {
  it('merges batch-level context and integrations into each item, the item winning', () => {
    const { accepted } = normalizeRequest(
      {
        batch: [
          { type: 'track', userId: 'u', event: 'A', context: { locale: 'fr' } },
          { type: 'identify', anonymousId: 'a', integrations: { Mixpanel: true } },
        ],
        context: { locale: 'en', library: { name: 'x' } },
        integrations: { All: false, Mixpanel: false },
      },
      'batch',
      facts,
    );
    expect(accepted.map((a) => a.context.locale)).toEqual(['fr', 'en']);
    expect(accepted[0]!.context.library).toEqual({ name: 'x' });
    expect(accepted[1]!.integrations).toEqual({ All: false, Mixpanel: true });
  });

  it('keeps the valid events of a batch when some carry invalid timestamps, and names the batch sentAt when it is the bad one', () => {
    const batch = [
      { type: 'track', userId: 'u', event: 'Good', timestamp: '2026-11-30T11:00:00.000Z' },
      { type: 'track', userId: 'u', event: 'Feb 30', timestamp: '2020-02-30T00:00:00.000Z' },
      { type: 'track', userId: 'u', event: 'Local', timestamp: '01/02/2020' },
      { type: 'track', userId: 'u', event: 'Good too', originalTimestamp: '2026-11-30T12:00:00+01:00' },
    ];
    const { accepted, rejected } = normalizeRequest({ batch }, 'batch', facts);
    expect(accepted.map((e) => [e.event, e.originalTimestamp])).toEqual([['Good', '2026-11-30T11:00:00.000Z'], ['Good too', '2026-11-30T11:00:00.000Z']]);
    expect(rejected).toEqual([expect.objectContaining({ index: 1, code: 'invalid_timestamp' }), expect.objectContaining({ index: 2, code: 'invalid_timestamp' })]);
    expect(validateRequest({ batch }, 'batch')).toEqual({ accepted: 2, rejected });

    const badSentAt = validateRequest({ batch: [{ type: 'track', userId: 'u', event: 'A' }, { type: 'track', userId: 'u', event: 'B', sentAt: '2026-11-30T12:00:00.000Z' }], sentAt: 'now' }, 'batch');
    expect(badSentAt.accepted).toBe(1);
    expect(badSentAt.rejected).toEqual([expect.objectContaining({ index: 0, code: 'invalid_timestamp', message: expect.stringContaining('the batch\'s sentAt "now"') })]);
  });

  it('names the batch as the owner of a shared context or integrations that is not an object', () => {
    const context = rejection(() => validateRequest({ batch: [{ type: 'track', userId: 'u', event: 'A' }], context: [] }, 'batch'));
    expect(context.code).toBe('context_not_object');
    expect(context.message).toBe("The batch's context (it applies to every event of the batch) must be a JSON object, got array.");
    expect(rejection(() => validateRequest({ batch: [{ type: 'track', userId: 'u', event: 'A' }], integrations: 'all' }, 'batch')).code).toBe('integrations_not_object');
    // An event's own context is still the event's.
    expect(validateRequest({ batch: [{ type: 'track', userId: 'u', event: 'A', context: [] }] }, 'batch').rejected[0]!.message).toBe('context must be a JSON object, got array.');
  });

  it('says a single event posted to a batch path is one event, and what to do with it', () => {
    const single = rejection(() => validateRequest({ type: 'track', userId: 'u', event: 'A' }, 'batch'));
    expect(single.code).toBe('invalid_body');
    expect(single.message).toBe('A batch request needs a "batch" array of events. This body is one event: POST it to its type\'s path (/v1/track, /v1/identify, ...), or send {"batch": [<the event>]}.');
    expect(rejection(() => validateRequest({ batch: { type: 'track' } }, 'batch')).message).toBe('A batch request needs a "batch" array of events, got object.');
    expect(rejection(() => validateRequest({ events: [] }, 'batch')).message).toBe('A batch request needs a "batch" array of events.');
  });

  it('says how to wrap a list of events sent as the body', () => {
    const list = rejection(() => validateRequest([{ type: 'track', userId: 'u', event: 'A' }], 'batch'));
    expect(list.code).toBe('invalid_body');
    expect(list.message).toBe('The request body must be a JSON object, got array. A batch is an object holding the events: send {"batch": [...]} with this array as "batch".');
    expect(rejection(() => validateRequest([{ userId: 'u', event: 'A' }], 'track')).message).toBe('The request body must be a JSON object, got array. Several events go to /v1/batch as {"batch": [...]}.');
    expect(rejection(() => validateRequest('text', 'track')).message).toBe('The request body must be a JSON object, got string.');
  });

  it('applies the batch sentAt to items without their own', () => {
    const { accepted } = normalizeRequest(
      { batch: [{ type: 'track', userId: 'u', event: 'A', timestamp: '2026-11-30T11:59:00.000Z' }], sentAt: '2026-11-30T12:00:00.000Z' },
      'batch',
      facts,
    );
    expect(accepted[0]!.timestamp).toBe('2026-11-30T11:59:10.000Z');
  });

  it('keeps the valid events of a batch and reports the invalid ones by index', () => {
    const { accepted, rejected } = normalizeRequest({ batch: [{ type: 'track', userId: 'u', event: 'A' }, { type: 'track' }, { type: 'nope', userId: 'u' }] }, 'batch', facts);
    expect(accepted).toHaveLength(1);
    expect(rejected).toEqual([
      expect.objectContaining({ index: 1, code: 'no_user_anon_id' }),
      expect.objectContaining({ index: 2, code: 'invalid_type' }),
    ]);
  });

  it.each([
    ['a body of null', null, 'batch', 'invalid_body', 'The request body must be a JSON object, got null.'],
    ['a body of null on a single-event endpoint', null, 'track', 'invalid_body', 'The request body must be a JSON object, got null.'],
    ['a batch item of null', { batch: [null] }, 'batch', 'invalid_body', 'An event must be a JSON object, got null.'],
    ['a batch item that is an array', { batch: [[]] }, 'batch', 'invalid_body', 'An event must be a JSON object, got array.'],
    ['a batch item without type', { batch: [{ userId: 'u' }] }, 'batch', 'invalid_type', 'Each event of a batch needs a "type", one of identify, track, page, screen, group, alias; it has none.'],
    ['a batch item with type null', { batch: [{ type: null, userId: 'u' }] }, 'batch', 'invalid_type', '; it has none.'],
    ['a batch item with an unknown type', { batch: [{ type: 'purchase', userId: 'u' }] }, 'batch', 'invalid_type', '; got "purchase".'],
    ['a batch item with an object as type', { batch: [{ type: {}, userId: 'u' }] }, 'batch', 'invalid_type', '; got object.'],
    ['an array as event name', { batch: [{ type: 'track', userId: 'u', event: [] }] }, 'batch', 'event_not_string', 'got array.'],
  ] as const)('names what was wrong with %s', (_case, body, endpoint, code, message) => {
    const problem = (fn: () => { rejected: { code: string; message: string }[] }) => {
      try {
        const { rejected } = fn();
        return rejected[0];
      } catch (error) {
        if (error instanceof SluiceError) return { code: error.code, message: error.message };
        throw error;
      }
    };
    for (const found of [problem(() => validateRequest(body, endpoint)), problem(() => normalizeRequest(body, endpoint, facts))]) {
      expect(found?.code).toBe(code);
      expect(found?.message).toContain(message);
    }
  });

  it.each([
    [{ batch: [] }, 'empty_batch'],
    [{ batch: {} }, 'invalid_body'],
    [[], 'invalid_body'],
    [{ batch: Array.from({ length: 2501 }, () => ({ type: 'identify', userId: 'u' })) }, 'batch_too_many_events'],
  ])('rejects a malformed batch (%#) with %s', (body, code) => {
    expect(rejection(() => normalizeRequest(body, 'batch', facts)).code).toBe(code);
  });
});

describe('validateRequest', () => {
  const bad: [unknown, string][] = [
    [{ event: 'x' }, 'no_user_anon_id'],
    [{ userId: 'u' }, 'event_not_string'],
    [{ userId: 'u', event: 'x', properties: [] }, 'properties_not_object'],
    [{ userId: 'u', event: 'x', context: 1 }, 'context_not_object'],
    [{ userId: 'u', event: 'x', messageId: 'x'.repeat(101) }, 'message_id_too_long'],
    [{ userId: 'u', event: 'x', timestamp: 'yesterday' }, 'invalid_timestamp'],
    [{ userId: 'u', event: 'x', sentAt: {} }, 'invalid_timestamp'],
    [{ userId: 'u', event: 'big', properties: { blob: 'x'.repeat(33 * 1024) } }, 'event_too_large'],
    [{ userId: 'u', event: 'x', properties: { a: { b: { c: { d: { e: { f: {} } } } } } } }, ''],
    ['not an object', 'invalid_body'],
  ];

  it.each(bad)('refuses what normalization refuses, with the same code (%#)', (event, code) => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
        return '';
      } catch (error) {
        if (error instanceof SluiceError) return error.code;
        throw error;
      }
    };
    expect(codeOf(() => validateEvent(event, 'track'))).toBe(code);
    expect(codeOf(() => normalizeEvent(event, 'track', facts))).toBe(code);
  });

  it('counts the valid events of a batch and names the invalid ones by position', () => {
    const result = validateRequest({ batch: [{ type: 'track', userId: 'u', event: 'A' }, { type: 'track' }, { type: 'identify', userId: 'u' }] }, 'batch');
    expect(result.accepted).toBe(2);
    expect(result.rejected).toEqual([expect.objectContaining({ index: 1, code: 'no_user_anon_id' })]);
  });

  it('refuses a single-event request as a whole', () => {
    expect(rejection(() => validateRequest({ event: 'x' }, 'track')).code).toBe('no_user_anon_id');
    expect(rejection(() => validateRequest({ batch: [] }, 'batch')).code).toBe('empty_batch');
  });

  it('measures the 32 KB limit on the event as compact UTF-8 JSON, exactly near the limit, and says so', () => {
    const sized = (bytes: number) => {
      const event = { userId: 'u', event: 'x', properties: { blob: '' } };
      const overhead = Buffer.byteLength(JSON.stringify(event));
      event.properties.blob = 'é'.repeat(Math.floor((bytes - overhead) / 2));
      return event;
    };
    expect(Buffer.byteLength(JSON.stringify(sized(32 * 1024)))).toBeLessThanOrEqual(32 * 1024);
    expect(() => validateEvent(sized(32 * 1024), 'track')).not.toThrow();
    expect(rejection(() => validateEvent(sized(32 * 1024 + 4), 'track')).code).toBe('event_too_large');
    // Characters JSON escapes count as their escapes.
    const escaped = { userId: 'u', event: 'x', properties: { blob: '\u0001'.repeat(5500) } };
    const tooLarge = rejection(() => validateEvent(escaped, 'track'));
    expect(tooLarge.code).toBe('event_too_large');
    expect(tooLarge.message).toBe(`The event is ${Buffer.byteLength(JSON.stringify(escaped))} bytes as compact JSON (UTF-8); the limit is 32 KB (32,768 bytes) per event. Move large data out of properties.`);
  });

  it('does not count the escapes a client chose: 6,000 \\u00e9 escapes are 36 KB as sent and 12 KB as compact JSON', () => {
    const sent = `{"userId":"u","event":"x","properties":{"blob":"${'\\u00e9'.repeat(6000)}"}}`;
    expect(sent.length).toBeGreaterThan(36_000);
    const event = JSON.parse(sent) as unknown;
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(12_100);
    expect(() => validateEvent(event, 'track')).not.toThrow();
    expect(validateRequest({ batch: [{ type: 'track', ...(event as object) }] }, 'batch')).toEqual({ accepted: 1, rejected: [] });
  });
});
