import { randomUUID } from 'node:crypto';
import { SluiceError } from '../core/errors.js';
import {
  EVENT_TYPES,
  LIMITS,
  type EventType,
  type JsonObject,
  type JsonValue,
  type SegmentEvent,
} from '../protocol/segment-event.js';

/** What the server knows about the request an event came in. */
export interface RequestFacts {
  receivedAt: Date;
  /** `receivedAt` as ISO text, when the caller has it (one conversion per request instead of per event). */
  receivedAtIso?: string;
  ip: string | undefined;
}

/** One event that passed validation: the normalized event and its serialized form (sized once). */
export interface AcceptedEvent {
  event: SegmentEvent;
  json: string;
}

/** One event that failed validation, with its position in the request. */
export interface RejectedEvent {
  index: number;
  code: string;
  message: string;
}

export interface NormalizedRequest {
  accepted: AcceptedEvent[];
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

/** Depth of the deepest nesting, stopping early once it passes `limit`. */
export function nestingDepth(value: unknown, limit: number, depth = 0): number {
  if (depth > limit) return depth;
  let deepest = depth;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'object' && item !== null) {
        deepest = Math.max(deepest, nestingDepth(item, limit, depth + 1));
        if (deepest > limit) return deepest;
      }
    }
  } else if (isObject(value)) {
    for (const key in value) {
      const item = value[key];
      if (typeof item === 'object' && item !== null) {
        deepest = Math.max(deepest, nestingDepth(item, limit, depth + 1));
        if (deepest > limit) return deepest;
      }
    }
  }
  return deepest;
}

/**
 * A client time in the ISO form Segment's libraries send (`2026-11-30T09:00:00.000Z`) that is certainly a valid
 * date: month 01-12, day 01-28, hour < 24. Such a string is its own normalized form, so no Date round trip is
 * needed; anything else (other formats, numbers, days 29-31) goes through `Date`.
 */
const CANONICAL_ISO = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** A client-supplied time as its normalized ISO string, or undefined when absent. */
function parseTime(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && value.length === 24 && CANONICAL_ISO.test(value)) return value;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new SluiceError('invalid_timestamp', `${field} must be an ISO-8601 string, got ${typeof value}.`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new SluiceError('invalid_timestamp', `${field} "${String(value)}" is not an ISO-8601 date (example: 2026-11-30T09:00:00.000Z).`);
  }
  return date.toISOString();
}

function identifier(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') {
    throw new SluiceError('invalid_field', `${field} must be a string, got ${Array.isArray(value) ? 'array' : typeof value}.`);
  }
  return value === '' ? undefined : value;
}

function objectField(raw: JsonObject, field: 'properties' | 'traits' | 'context' | 'integrations'): JsonObject | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    const code = `${field}_not_object` as const;
    throw new SluiceError(code, `${field} must be a JSON object, got ${Array.isArray(value) ? 'array' : typeof value}.`);
  }
  return value;
}

function requiredString(raw: JsonObject, field: string, code: 'event_not_string' | 'missing_group_id' | 'missing_previous_id', what: string): string {
  const given = raw[field];
  if (code === 'event_not_string' && given !== undefined && given !== null && typeof given !== 'string') {
    throw new SluiceError(code, `${what} needs "${field}" to be a string, got ${typeof given}.`);
  }
  const value = identifier(given, field);
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

/**
 * Normalizes one raw Segment call the way Segment's servers do: type from the endpoint, messageId
 * generated when missing, receivedAt from the server, timestamp corrected for clock skew, context.ip
 * from the request, batch-level context/integrations as defaults.
 */
export function normalizeEvent(
  raw: unknown,
  type: EventType | undefined,
  facts: RequestFacts,
  defaults: EventDefaults = {},
): AcceptedEvent {
  if (!isObject(raw)) {
    throw new SluiceError('invalid_body', `An event must be a JSON object, got ${Array.isArray(raw) ? 'array' : typeof raw}.`);
  }
  if (nestingDepth(raw, LIMITS.maxNestingDepth) > LIMITS.maxNestingDepth) {
    throw new SluiceError('nesting_too_deep', `The event nests deeper than ${LIMITS.maxNestingDepth} levels; flatten it.`);
  }
  const eventType = type ?? raw.type;
  if (typeof eventType !== 'string' || !KNOWN_TYPES.has(eventType)) {
    throw new SluiceError('invalid_type', `"type" must be one of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(eventType ?? null)}.`);
  }
  const userId = identifier(raw.userId, 'userId');
  const anonymousId = identifier(raw.anonymousId, 'anonymousId');
  if (userId === undefined && anonymousId === undefined) {
    throw new SluiceError('no_user_anon_id', 'Every event needs a userId or an anonymousId.');
  }
  let messageId = identifier(raw.messageId, 'messageId');
  if (messageId !== undefined && messageId.length > LIMITS.maxMessageIdLength) {
    throw new SluiceError('message_id_too_long', `messageId is ${messageId.length} characters; the limit is ${LIMITS.maxMessageIdLength}.`);
  }
  messageId ??= `api-${randomUUID()}`;

  const context = objectField(raw, 'context');
  const integrations = objectField(raw, 'integrations');
  const properties = objectField(raw, 'properties');
  const traits = objectField(raw, 'traits');

  // context.ip from the request unless the client (or the batch) gave one.
  const mergedContext: JsonObject = facts.ip === undefined ? { ...defaults.context, ...context } : { ip: facts.ip, ...defaults.context, ...context };

  // Fields each type requires, checked as Segment does; other types keep what the client sent.
  let eventName: string | undefined;
  let groupId: string | undefined;
  let previousId: string | undefined;
  let typedProperties = properties;
  let typedTraits = traits;
  switch (eventType) {
    case 'track':
      eventName = requiredString(raw, 'event', 'event_not_string', 'A track call');
      typedProperties = properties ?? {};
      break;
    case 'page':
    case 'screen':
      if (raw.name !== undefined && raw.name !== null && typeof raw.name !== 'string') {
        throw new SluiceError('invalid_field', `${eventType} "name" must be a string.`);
      }
      typedProperties = properties ?? {};
      break;
    case 'identify':
      typedTraits = traits ?? {};
      break;
    case 'group':
      groupId = requiredString(raw, 'groupId', 'missing_group_id', 'A group call');
      typedTraits = traits ?? {};
      break;
    case 'alias':
      previousId = requiredString(raw, 'previousId', 'missing_previous_id', 'An alias call');
      break;
  }

  const receivedAt = facts.receivedAtIso ?? facts.receivedAt.toISOString();
  const original = parseTime(raw.timestamp, 'timestamp') ?? parseTime(raw.originalTimestamp, 'originalTimestamp') ?? receivedAt;
  const sentAt = parseTime(raw.sentAt ?? defaults.sentAt, 'sentAt');
  // Segment's clock-skew correction: timestamp = receivedAt - (sentAt - originalTimestamp).
  const timestamp = sentAt ? new Date(facts.receivedAt.getTime() - (Date.parse(sentAt) - Date.parse(original))).toISOString() : original;

  // Built as one literal (one object shape for every event; JSON.stringify omits the undefined fields), then
  // the client's other top-level fields. Copying the raw object and patching it is several times slower.
  const event: SegmentEvent = {
    type: eventType as EventType,
    messageId,
    userId,
    anonymousId,
    event: eventName,
    groupId,
    previousId,
    properties: typedProperties,
    traits: typedTraits,
    context: mergedContext,
    integrations: defaults.integrations ? { ...defaults.integrations, ...(integrations ?? {}) } : (integrations ?? {}),
    originalTimestamp: original,
    timestamp,
    sentAt,
    receivedAt,
    version: 2,
  };
  for (const key in raw) {
    if (!SERVER_SET_FIELDS.has(key) && event[key] === undefined) event[key] = raw[key];
  }

  const json = JSON.stringify(event);
  // UTF-8 needs at most 3 bytes per UTF-16 code unit, so only a long text needs its bytes counted.
  if (json.length * 3 > LIMITS.maxEventBytes && Buffer.byteLength(json) > LIMITS.maxEventBytes) {
    throw new SluiceError('event_too_large', `The event is ${Buffer.byteLength(json)} bytes; the limit is 32 KB per event. Move large data out of properties.`);
  }
  return { event, json };
}

/**
 * Normalizes a request body for an endpoint. `type` is the endpoint's event type, or 'batch'.
 * Valid events are kept even when others in the same batch are rejected.
 */
export function normalizeRequest(body: unknown, type: EventType | 'batch', facts: RequestFacts): NormalizedRequest {
  if (!isObject(body)) {
    throw new SluiceError('invalid_body', `The request body must be a JSON object, got ${Array.isArray(body) ? 'array' : typeof body}.`);
  }
  const requestFacts: RequestFacts = { ...facts, receivedAtIso: facts.receivedAt.toISOString() };
  if (type !== 'batch') {
    return { accepted: [normalizeEvent(body, type, requestFacts)], rejected: [] };
  }
  const batch = body.batch;
  if (!Array.isArray(batch)) {
    throw new SluiceError('invalid_body', 'A batch request needs a "batch" array of events.');
  }
  if (batch.length === 0) throw new SluiceError('empty_batch', 'The batch is empty: send at least one event.');
  if (batch.length > LIMITS.maxBatchEvents) {
    throw new SluiceError('batch_too_many_events', `The batch has ${batch.length} events; the limit is ${LIMITS.maxBatchEvents}. Split it.`);
  }
  const defaults: EventDefaults = {};
  if (body.sentAt !== undefined && body.sentAt !== null) defaults.sentAt = body.sentAt;
  const context = objectField(body, 'context');
  const integrations = objectField(body, 'integrations');
  if (context) defaults.context = context;
  if (integrations) defaults.integrations = integrations;
  const accepted: AcceptedEvent[] = [];
  const rejected: RejectedEvent[] = [];
  batch.forEach((item, index) => {
    try {
      accepted.push(normalizeEvent(item, undefined, requestFacts, defaults));
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      rejected.push({ index, code: error.code, message: error.message });
    }
  });
  return { accepted, rejected };
}
