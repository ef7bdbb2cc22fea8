import { randomUUID } from 'node:crypto';
import { SluiceError } from '../errors.js';
import { parseClientTime } from './client-time.js';
import {
  EVENT_TYPES,
  LIMITS,
  type EventType,
  type JsonObject,
  type JsonValue,
  type SegmentEvent,
} from '../../protocol/segment-event.js';

/** What the server knows about the request an event came in. */
export interface RequestFacts {
  receivedAt: Date;
  /** `receivedAt` as ISO text, when the caller has it (one conversion per request instead of per event). */
  receivedAtIso?: string;
  ip: string | undefined;
  /**
   * The messageId of an event sent without one, by its position in the request. Reading a stored request
   * again must give its events the same ids (so a redelivered event deduplicates); a random UUID otherwise.
   */
  messageIdFor?: (index: number) => string;
  /**
   * The request was acknowledged already (an inbox row read back): what today's rules refuse but the version
   * that answered 200 accepted is read as that version did, so tightening the rules never loses an event that
   * was accepted: a time refused now is read as absent (the event keeps the time it was received), a
   * whitespace-only userId, anonymousId, event name, groupId or previousId is kept as sent.
   */
  acknowledged?: boolean;
}

/** One event that failed validation, with its position in the request. */
export interface RejectedEvent {
  index: number;
  code: string;
  message: string;
}

/** The outcome of validating a request: how many events pass, and which do not. */
export interface ValidatedRequest {
  accepted: number;
  rejected: RejectedEvent[];
}

export interface NormalizedRequest {
  accepted: SegmentEvent[];
  rejected: RejectedEvent[];
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * Top-level fields the normalized event always sets itself. Every other field of the client's event is kept as
 * sent, including `event`, `groupId`, `previousId`, `properties` and `traits` on types that do not require them.
 */
const SERVER_SET_FIELDS: ReadonlySet<string> = new Set([
  'type', 'messageId', 'userId', 'anonymousId', 'context', 'integrations', 'originalTimestamp', 'timestamp', 'sentAt',
  'receivedAt', 'version', 'writeKey',
]);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a parsed value, for messages: null, array, object, string, number or boolean. */
function jsonTypeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Marks a value nested deeper than the limit (the walk below stops there). */
const TOO_DEEP = -1;

/**
 * An upper bound of a JSON value's serialized size in UTF-8 bytes, or TOO_DEEP once it nests deeper than
 * `limit`. One walk of the parsed value instead of serializing it: a string of n UTF-16 units never takes more
 * than 6n + 2 bytes (escapes like \u0001 are 6, a UTF-8 character at most 3 per unit), a number at most 24.
 */
function sizeBound(value: unknown, limit: number, depth: number): number {
  if (typeof value === 'string') return 6 * value.length + 2;
  if (typeof value !== 'object' || value === null) return 24;
  if (depth >= limit) return TOO_DEEP;
  let size = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      const inner = sizeBound(item, limit, depth + 1);
      if (inner === TOO_DEEP) return TOO_DEEP;
      size += inner + 1;
    }
  } else {
    const object = value as JsonObject;
    for (const key in object) {
      const inner = sizeBound(object[key], limit, depth + 1);
      if (inner === TOO_DEEP) return TOO_DEEP;
      size += 6 * key.length + 4 + inner;
    }
  }
  return size;
}

/**
 * Checks what every event must be before its fields are read: a JSON object, nested at most 64 levels, at
 * most 32 KB (32,768 bytes) as compact JSON: the UTF-8 bytes of JSON.stringify of the event as parsed (a batch
 * item without the batch's shared context), which is how Segment's libraries measure their 32 KB limit. The
 * client's own whitespace and escapes do not count (`\u00e9` is the 2 bytes of é), so the same event has the
 * same size from every client. The exact size is only computed when the cheap bound says the event might be over.
 */
function checkEventShape(raw: unknown): asserts raw is JsonObject {
  if (!isObject(raw)) {
    throw new SluiceError('invalid_body', `An event must be a JSON object, got ${jsonTypeOf(raw)}.`);
  }
  const bound = sizeBound(raw, LIMITS.maxNestingDepth + 1, 0);
  if (bound === TOO_DEEP) {
    throw new SluiceError('nesting_too_deep', `The event nests deeper than ${LIMITS.maxNestingDepth} levels; flatten it.`);
  }
  if (bound > LIMITS.maxEventBytes) {
    const bytes = Buffer.byteLength(JSON.stringify(raw));
    if (bytes > LIMITS.maxEventBytes) {
      throw new SluiceError('event_too_large', `The event is ${bytes} bytes as compact JSON (UTF-8); the limit is 32 KB (32,768 bytes) per event. Move large data out of properties.`);
    }
  }
}

/**
 * An id or name the client sent (userId, anonymousId, messageId, event, groupId, previousId); one that is empty
 * or only whitespace is none: a blank userId is blocked by the identity graph's merge protection
 * (`isBlockedIdentifier`), and a blank messageId would deduplicate every such event of the source into one.
 * Other values are kept as sent, surrounding spaces included. `keepBlank`: a request acknowledged before this rule
 * (read back from the inbox, and refused by it) keeps a whitespace-only value as that version did.
 */
function identifier(value: unknown, field: string, keepBlank = false, lenient = keepBlank): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Past 2^53 a JSON number has lost digits before it got here: 12345678901234567890 and ...891 both read as
    // 12345678901234567000, which would give two people one id (and merge their profiles). Refused, unless the
    // request was acknowledged by a version that kept it (`lenient`).
    if (!lenient && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new SluiceError('invalid_field', `${field} is a number larger than ${Number.MAX_SAFE_INTEGER} (2^53 - 1), which JSON numbers cannot hold exactly: it reads as ${String(value)}, so two ids could become one. Send ${field} as a string.`);
    }
    return String(value);
  }
  if (typeof value !== 'string') {
    throw new SluiceError('invalid_field', `${field} must be a string, got ${jsonTypeOf(value)}.`);
  }
  if (value === '') return undefined;
  const first = value.charCodeAt(0);
  return keepBlank || (first > 32 && first < 127) || value.trim() !== '' ? value : undefined;
}

/** `owner`: whose field it is in the message, when not the event's (the batch's shared context). */
function objectField(raw: JsonObject, field: 'properties' | 'traits' | 'context' | 'integrations', owner?: string): JsonObject | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    const code = `${field}_not_object` as const;
    const what = owner === undefined ? field : `${owner}'s ${field} (it applies to every event of the batch)`;
    throw new SluiceError(code, `${what} must be a JSON object, got ${jsonTypeOf(value)}.`);
  }
  return value;
}

function requiredString(raw: JsonObject, field: string, code: 'event_not_string' | 'missing_group_id' | 'missing_previous_id', what: string, keepBlank: boolean): string {
  const given = raw[field];
  if (code === 'event_not_string' && given !== undefined && given !== null && typeof given !== 'string') {
    throw new SluiceError(code, `${what} needs "${field}" to be a string, got ${jsonTypeOf(given)}.`);
  }
  const value = identifier(given, field, keepBlank);
  if (value === undefined) throw new SluiceError(code, `${what} needs a non-empty "${field}" string.`);
  return value;
}

/** What a batch request gives every event in it that does not say otherwise. */
export interface EventDefaults {
  context?: JsonObject;
  integrations?: JsonObject;
  /** The batch's `sentAt` (analytics-node sends it once per batch). */
  sentAt?: JsonValue;
}

/** The fields of a valid event, read and checked (what normalization builds the stored event from). */
interface EventFields {
  type: EventType;
  userId: string | undefined;
  anonymousId: string | undefined;
  messageId: string | undefined;
  context: JsonObject | undefined;
  integrations: JsonObject | undefined;
  eventName: string | undefined;
  groupId: string | undefined;
  previousId: string | undefined;
  properties: JsonObject | undefined;
  traits: JsonObject | undefined;
  timestamp: string | undefined;
  sentAt: string | undefined;
}

/** A client time, or (`lenient`: an acknowledged request, see RequestFacts) undefined where today's rules refuse it. */
function readClientTime(value: unknown, field: string, lenient: boolean): string | undefined {
  if (!lenient) return parseClientTime(value, field);
  try {
    return parseClientTime(value, field);
  } catch (error) {
    if (error instanceof SluiceError && error.code === 'invalid_timestamp') return undefined;
    throw error;
  }
}

/**
 * Reads and checks an event's fields as Segment does; throws a SluiceError naming the first problem. `lenient`:
 * as the versions before the stricter time and blank-identifier rules read them (readAcknowledgedFields).
 */
function readEventFields(raw: JsonObject, type: EventType | undefined, defaults: EventDefaults, lenient = false): EventFields {
  const eventType = type ?? raw.type;
  if (typeof eventType !== 'string' || !KNOWN_TYPES.has(eventType)) {
    const given = eventType === undefined || eventType === null
      ? 'it has none'
      : `got ${typeof eventType === 'object' ? jsonTypeOf(eventType) : JSON.stringify(typeof eventType === 'string' ? eventType.slice(0, 64) : eventType)}`;
    throw new SluiceError('invalid_type', `Each event of a batch needs a "type", one of ${EVENT_TYPES.join(', ')}; ${given}.`);
  }
  const userId = identifier(raw.userId, 'userId', lenient);
  const anonymousId = identifier(raw.anonymousId, 'anonymousId', lenient);
  if (userId === undefined && anonymousId === undefined) {
    throw new SluiceError('no_user_anon_id', 'Every event needs a userId or an anonymousId (one that is empty or only whitespace counts as none).');
  }
  const messageId = identifier(raw.messageId, 'messageId', false, lenient);
  if (messageId !== undefined && messageId.length > LIMITS.maxMessageIdLength) {
    throw new SluiceError('message_id_too_long', `messageId is ${messageId.length} characters; the limit is ${LIMITS.maxMessageIdLength}.`);
  }
  const context = objectField(raw, 'context');
  const integrations = objectField(raw, 'integrations');
  let properties = objectField(raw, 'properties');
  let traits = objectField(raw, 'traits');

  // Fields each type requires, checked as Segment does; other types keep what the client sent.
  let eventName: string | undefined;
  let groupId: string | undefined;
  let previousId: string | undefined;
  switch (eventType) {
    case 'track':
      eventName = requiredString(raw, 'event', 'event_not_string', 'A track call', lenient);
      properties ??= {};
      break;
    case 'page':
    case 'screen':
      if (raw.name !== undefined && raw.name !== null && typeof raw.name !== 'string') {
        throw new SluiceError('invalid_field', `${eventType} "name" must be a string.`);
      }
      properties ??= {};
      break;
    case 'identify':
      traits ??= {};
      break;
    case 'group':
      groupId = requiredString(raw, 'groupId', 'missing_group_id', 'A group call', lenient);
      traits ??= {};
      break;
    case 'alias':
      previousId = requiredString(raw, 'previousId', 'missing_previous_id', 'An alias call', lenient);
      break;
  }
  // Both are checked (a bad originalTimestamp beside a good timestamp is refused, not dropped unread).
  const timestamp = readClientTime(raw.timestamp, 'timestamp', lenient);
  const originalTimestamp = readClientTime(raw.originalTimestamp, 'originalTimestamp', lenient);
  const ownSentAt = raw.sentAt !== undefined && raw.sentAt !== null;
  const sentAt = ownSentAt ? readClientTime(raw.sentAt, 'sentAt', lenient) : readClientTime(defaults.sentAt, "the batch's sentAt", lenient);
  return { type: eventType as EventType, userId, anonymousId, messageId, context, integrations, eventName, groupId, previousId, properties, traits, timestamp: timestamp ?? originalTimestamp, sentAt };
}

/**
 * The fields of an event the Tracking API acknowledged already: read by today's rules, and only where those
 * refuse it, read as the version that acknowledged it did (RequestFacts.acknowledged), so an event accepted
 * today reads the same either way and one accepted before a rule was tightened is not lost.
 */
function readAcknowledgedFields(raw: JsonObject, type: EventType | undefined, defaults: EventDefaults): EventFields {
  try {
    return readEventFields(raw, type, defaults);
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    return readEventFields(raw, type, defaults, true);
  }
}

/**
 * Checks one raw Segment call without building the stored event: throws the SluiceError that
 * `normalizeEvent` would throw for it, and returns nothing otherwise. The Tracking API runs this before it
 * acknowledges; the processor normalizes what it accepted (`normalizeEvent` repeats the same checks).
 */
export function validateEvent(raw: unknown, type: EventType | undefined, defaults: EventDefaults = {}): void {
  checkEventShape(raw);
  readEventFields(raw, type, defaults);
}

/**
 * Normalizes one raw Segment call the way Segment's servers do: type from the endpoint, messageId
 * generated when missing, receivedAt from the server, timestamp corrected for clock skew, context.ip
 * from the request, batch-level context/integrations as defaults. `index` is the event's position in its
 * request (for `facts.messageIdFor`).
 */
export function normalizeEvent(
  raw: unknown,
  type: EventType | undefined,
  facts: RequestFacts,
  defaults: EventDefaults = {},
  index = 0,
): SegmentEvent {
  checkEventShape(raw);
  const fields = facts.acknowledged ? readAcknowledgedFields(raw, type, defaults) : readEventFields(raw, type, defaults);
  const messageId = fields.messageId ?? facts.messageIdFor?.(index) ?? `api-${randomUUID()}`;
  // context.ip from the request unless the client (or the batch) gave one.
  const context: JsonObject = facts.ip === undefined ? { ...defaults.context, ...fields.context } : { ip: facts.ip, ...defaults.context, ...fields.context };
  const receivedAt = facts.receivedAtIso ?? facts.receivedAt.toISOString();
  const original = fields.timestamp ?? receivedAt;
  const sentAt = fields.sentAt;
  // Segment's clock-skew correction: timestamp = receivedAt - (sentAt - originalTimestamp). Only a time the client
  // gave is corrected: an event without one happened when it was received (correcting receivedAt against sentAt
  // would move it into the future by the time the request took, or by how far the client's clock is behind).
  const timestamp = sentAt && fields.timestamp !== undefined ? new Date(facts.receivedAt.getTime() - (Date.parse(sentAt) - Date.parse(original))).toISOString() : original;

  // Built as one literal (one object shape for every event; JSON.stringify omits the undefined fields), then
  // the client's other top-level fields. Copying the raw object and patching it is several times slower.
  const event: SegmentEvent = {
    type: fields.type,
    messageId,
    userId: fields.userId,
    anonymousId: fields.anonymousId,
    event: fields.eventName,
    groupId: fields.groupId,
    previousId: fields.previousId,
    properties: fields.properties,
    traits: fields.traits,
    context,
    integrations: defaults.integrations ? { ...defaults.integrations, ...(fields.integrations ?? {}) } : (fields.integrations ?? {}),
    originalTimestamp: original,
    timestamp,
    sentAt,
    receivedAt,
    version: 2,
  };
  for (const key in raw) {
    if (!SERVER_SET_FIELDS.has(key) && event[key] === undefined) event[key] = raw[key];
  }
  return event;
}

/** The items of a batch request and what they share, after the request-level checks. */
function readBatch(body: JsonObject): { items: unknown[]; defaults: EventDefaults } {
  const batch = body.batch;
  if (!Array.isArray(batch)) {
    // One event posted to /v1/batch (or /v1/import, /v1/b) on its own, as to its type's path.
    const oneEvent = batch === undefined && (typeof body.type === 'string' || body.userId !== undefined || body.anonymousId !== undefined);
    const hint = oneEvent ? ' This body is one event: POST it to its type\'s path (/v1/track, /v1/identify, ...), or send {"batch": [<the event>]}.' : '';
    throw new SluiceError('invalid_body', `A batch request needs a "batch" array of events${batch === undefined ? '' : `, got ${jsonTypeOf(batch)}`}.${hint}`);
  }
  if (batch.length === 0) throw new SluiceError('empty_batch', 'The batch is empty: send at least one event.');
  if (batch.length > LIMITS.maxBatchEvents) {
    throw new SluiceError('batch_too_many_events', `The batch has ${batch.length} events; the limit is ${LIMITS.maxBatchEvents}. Split it.`);
  }
  const defaults: EventDefaults = {};
  if (body.sentAt !== undefined && body.sentAt !== null) defaults.sentAt = body.sentAt;
  const context = objectField(body, 'context', 'The batch');
  const integrations = objectField(body, 'integrations', 'The batch');
  if (context) defaults.context = context;
  if (integrations) defaults.integrations = integrations;
  return { items: batch, defaults };
}

function requestObject(body: unknown, type: EventType | 'batch'): JsonObject {
  // No body at all (a POST without one, which no content-type parser saw), as an empty one is told.
  if (body === undefined) throw new SluiceError('invalid_json', 'The request body is empty; send a JSON object.');
  if (!isObject(body)) {
    // A list of events sent as the body is the usual first try at a batch: say how to wrap it.
    const hint = Array.isArray(body) ? (type === 'batch' ? ' A batch is an object holding the events: send {"batch": [...]} with this array as "batch".' : ' Several events go to /v1/batch as {"batch": [...]}.') : '';
    throw new SluiceError('invalid_body', `The request body must be a JSON object, got ${jsonTypeOf(body)}.${hint}`);
  }
  return body;
}

/**
 * Validates a request body for an endpoint (`type` is the endpoint's event type, or 'batch') without building
 * events. Throws when the request as a whole is refused (a single event that is invalid, a malformed batch);
 * for a batch, returns the count of valid events and the invalid ones by position (decision 0003).
 */
export function validateRequest(body: unknown, type: EventType | 'batch'): ValidatedRequest {
  const object = requestObject(body, type);
  if (type !== 'batch') {
    validateEvent(object, type);
    return { accepted: 1, rejected: [] };
  }
  const { items, defaults } = readBatch(object);
  const rejected: RejectedEvent[] = [];
  for (let index = 0; index < items.length; index++) {
    try {
      validateEvent(items[index], undefined, defaults);
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      rejected.push({ index, code: error.code, message: error.message });
    }
  }
  return { accepted: items.length - rejected.length, rejected };
}

/**
 * Normalizes a request body for an endpoint. `type` is the endpoint's event type, or 'batch'.
 * Valid events are kept even when others in the same batch are rejected; `skip` leaves out batch positions
 * (those already refused when the request was acknowledged).
 */
export function normalizeRequest(body: unknown, type: EventType | 'batch', facts: RequestFacts, skip?: ReadonlySet<number>): NormalizedRequest {
  const object = requestObject(body, type);
  const requestFacts: RequestFacts = facts.receivedAtIso ? facts : { ...facts, receivedAtIso: facts.receivedAt.toISOString() };
  if (type !== 'batch') {
    return { accepted: [normalizeEvent(object, type, requestFacts)], rejected: [] };
  }
  const { items, defaults } = readBatch(object);
  const accepted: SegmentEvent[] = [];
  const rejected: RejectedEvent[] = [];
  for (let index = 0; index < items.length; index++) {
    if (skip?.has(index)) continue;
    try {
      accepted.push(normalizeEvent(items[index], undefined, requestFacts, defaults, index));
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      rejected.push({ index, code: error.code, message: error.message });
    }
  }
  return { accepted, rejected };
}
