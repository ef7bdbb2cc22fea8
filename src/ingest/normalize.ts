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

function parseTime(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new SluiceError('invalid_timestamp', `${field} must be an ISO-8601 string, got ${typeof value}.`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new SluiceError('invalid_timestamp', `${field} "${String(value)}" is not an ISO-8601 date (example: 2026-11-30T09:00:00.000Z).`);
  }
  return date;
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

/**
 * Normalizes one raw Segment call the way Segment's servers do: type from the endpoint, messageId
 * generated when missing, receivedAt from the server, timestamp corrected for clock skew, context.ip
 * from the request, batch-level context/integrations as defaults.
 */
export function normalizeEvent(
  raw: unknown,
  type: EventType | undefined,
  facts: RequestFacts,
  defaults: { context?: JsonObject; integrations?: JsonObject } = {},
): AcceptedEvent {
  if (!isObject(raw)) {
    throw new SluiceError('invalid_body', `An event must be a JSON object, got ${Array.isArray(raw) ? 'array' : typeof raw}.`);
  }
  if (nestingDepth(raw, LIMITS.maxNestingDepth) > LIMITS.maxNestingDepth) {
    throw new SluiceError('nesting_too_deep', `The event nests deeper than ${LIMITS.maxNestingDepth} levels; flatten it.`);
  }
  const eventType = type ?? raw.type;
  if (typeof eventType !== 'string' || !(EVENT_TYPES as readonly string[]).includes(eventType)) {
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

  const event: SegmentEvent = { ...(raw as Record<string, JsonValue>) } as SegmentEvent;
  delete event.writeKey;
  event.type = eventType as EventType;
  event.messageId = messageId;
  if (userId !== undefined) event.userId = userId;
  else delete event.userId;
  if (anonymousId !== undefined) event.anonymousId = anonymousId;
  else delete event.anonymousId;

  const mergedContext: JsonObject = defaults.context ? { ...defaults.context, ...(context ?? {}) } : { ...(context ?? {}) };
  if (mergedContext.ip === undefined && facts.ip !== undefined) mergedContext.ip = facts.ip;
  event.context = mergedContext;
  event.integrations = defaults.integrations ? { ...defaults.integrations, ...(integrations ?? {}) } : (integrations ?? {});

  switch (eventType) {
    case 'track':
      event.event = requiredString(raw, 'event', 'event_not_string', 'A track call');
      event.properties = properties ?? {};
      break;
    case 'page':
    case 'screen':
      if (raw.name !== undefined && raw.name !== null && typeof raw.name !== 'string') {
        throw new SluiceError('invalid_field', `${eventType} "name" must be a string.`);
      }
      event.properties = properties ?? {};
      break;
    case 'identify':
      event.traits = traits ?? {};
      break;
    case 'group':
      event.groupId = requiredString(raw, 'groupId', 'missing_group_id', 'A group call');
      event.traits = traits ?? {};
      break;
    case 'alias':
      event.previousId = requiredString(raw, 'previousId', 'missing_previous_id', 'An alias call');
      break;
  }

  const receivedAt = facts.receivedAt;
  const original = parseTime(raw.timestamp, 'timestamp') ?? parseTime(raw.originalTimestamp, 'originalTimestamp') ?? receivedAt;
  const sentAt = parseTime(raw.sentAt, 'sentAt');
  const timestamp = sentAt ? new Date(receivedAt.getTime() - (sentAt.getTime() - original.getTime())) : original;
  event.originalTimestamp = original.toISOString();
  event.timestamp = timestamp.toISOString();
  if (sentAt) event.sentAt = sentAt.toISOString();
  event.receivedAt = receivedAt.toISOString();
  event.version = 2;

  const json = JSON.stringify(event);
  if (Buffer.byteLength(json) > LIMITS.maxEventBytes) {
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
  if (type !== 'batch') {
    return { accepted: [normalizeEvent(body, type, facts)], rejected: [] };
  }
  const batch = body.batch;
  if (!Array.isArray(batch)) {
    throw new SluiceError('invalid_body', 'A batch request needs a "batch" array of events.');
  }
  if (batch.length === 0) throw new SluiceError('empty_batch', 'The batch is empty: send at least one event.');
  if (batch.length > LIMITS.maxBatchEvents) {
    throw new SluiceError('batch_too_many_events', `The batch has ${batch.length} events; the limit is ${LIMITS.maxBatchEvents}. Split it.`);
  }
  const defaults: { context?: JsonObject; integrations?: JsonObject } = {};
  const context = objectField(body, 'context');
  const integrations = objectField(body, 'integrations');
  if (context) defaults.context = context;
  if (integrations) defaults.integrations = integrations;
  const accepted: AcceptedEvent[] = [];
  const rejected: RejectedEvent[] = [];
  batch.forEach((item, index) => {
    try {
      const itemObject = isObject(item) ? item : undefined;
      if (itemObject && itemObject.sentAt === undefined && body.sentAt !== undefined) {
        accepted.push(normalizeEvent({ ...itemObject, sentAt: body.sentAt }, undefined, facts, defaults));
      } else {
        accepted.push(normalizeEvent(item, undefined, facts, defaults));
      }
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      rejected.push({ index, code: error.code, message: error.message });
    }
  });
  return { accepted, rejected };
}
