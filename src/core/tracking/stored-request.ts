import { randomUUID } from 'node:crypto';
import type { EventType, SegmentEvent } from '../../protocol/segment-event.js';
import { SluiceError } from '../errors.js';
import { normalizeRequest, type NormalizedRequest, type RejectedEvent } from './normalize.js';

/**
 * A Tracking API request as the inbox keeps it (decision 0004): the body exactly as received, and what the
 * server knew when it acknowledged it. The Tracking API validates the body and stores it; the processor
 * normalizes it (`expandStoredRequest`). Normalization is deterministic given these fields, so reading a
 * request again (after a crash) gives the same events, with the same generated messageIds.
 */
export interface StoredRequest {
  /** The endpoint's event type, or 'batch' (`/v1/batch`, `/v1/import`, `/v1/b`). */
  endpoint: EventType | 'batch';
  /** The request body as received, decompressed: JSON text or its UTF-8 bytes. */
  body: string | Uint8Array;
  /** When the server received it (epoch milliseconds). */
  receivedAt: number;
  /** The client's address, for `context.ip`. */
  ip?: string;
  /** Seeds the messageIds of events sent without one. */
  requestId: string;
  /** Batch positions refused when the request was acknowledged (left out). */
  skip?: number[];
  /** Events the request holds once `skip` is left out. */
  events: number;
}

/** A fresh request id (a random UUID). */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * The messageId of the event at `index` of a request sent without one: `api-` and a UUID that is the request
 * id with the index added to its last 48 bits (so distinct per event, random across requests, and stable).
 */
export function generatedMessageId(requestId: string, index: number): string {
  if (index === 0) return `api-${requestId}`;
  const head = requestId.slice(0, 24);
  const tail = (Number.parseInt(requestId.slice(24), 16) + index) % 2 ** 48;
  return `api-${head}${tail.toString(16).padStart(12, '0')}`;
}

const decoder = new TextDecoder();

/** How U+0000 can appear in JSON text: only escaped (a raw control character is not JSON). */
const NUL_ESCAPE = '\\u0000';
/** What U+0000 becomes: the replacement character, so the place where a character was dropped stays visible. */
const NUL_REPLACEMENT = '\ufffd';

const replaceNul = (text: string): string => (text.includes('\0') ? text.replaceAll('\0', NUL_REPLACEMENT) : text);

/** A copy of parsed JSON with U+0000 replaced in every string and key (only built for a body that has one). */
function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return replaceNul(value);
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Defined, not assigned: a "__proto__" key stays a field, as JSON.parse made it.
    Object.defineProperty(out, replaceNul(key), { value: withoutNul(item), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The normalized events of a stored request, in request order. `failed` holds events that no longer pass
 * validation (only possible when the rules changed between the version that acknowledged the request and
 * this one); a body that is not JSON any more throws (the inbox row is damaged).
 */
export function expandStoredRequest(request: StoredRequest): { events: SegmentEvent[]; failed: RejectedEvent[] } {
  const text = typeof request.body === 'string' ? request.body : decoder.decode(request.body);
  // U+0000 (valid JSON as \u0000) cannot be stored in a PostgreSQL text column: one such event failed every
  // processor batch that held it, so nothing after it was stored. It is replaced, in every dialect alike.
  const parsed = JSON.parse(text) as unknown;
  const body = text.includes(NUL_ESCAPE) ? withoutNul(parsed) : parsed;
  const { requestId } = request;
  let normalized: NormalizedRequest;
  try {
    normalized = normalizeRequest(
      body,
      request.endpoint,
      { receivedAt: new Date(request.receivedAt), ip: request.ip, messageIdFor: (index) => generatedMessageId(requestId, index), acknowledged: true },
      request.skip && request.skip.length > 0 ? new Set(request.skip) : undefined,
    );
  } catch (error) {
    // A single-event request (or a whole batch) that fails now: its events are reported, not lost silently.
    if (!(error instanceof SluiceError)) throw error;
    return { events: [], failed: [{ index: 0, code: error.code, message: error.message }] };
  }
  return { events: normalized.accepted, failed: normalized.rejected };
}
