import { hideEmailsIn, hidePersonalDataIn, looksLikeEmail } from '../privacy/personal-text.js';

/**
 * What Sluice keeps of a rejected event to show why it was rejected (the source's "Rejected events" in the
 * console, `GET /api/v1/sources/:id/rejections`): its type, event name and messageId, and its shape - every
 * key with the JSON type of its value, never the value. A rejected event is not stored, so nothing a person
 * could ask to see or delete is kept either: the shape says which call in the app sent what, which is what the
 * engineer fixing it needs.
 */
export interface RejectionExample {
  /** The event's `type` as sent (when it was a string). */
  readonly type?: string;
  /** A track event's name (a name in the app's tracking plan, not about a person). */
  readonly event?: string;
  readonly messageId?: string;
  /** The event with each value replaced by its JSON type: `{"userId":"string","properties":{"price":"number"}}`. */
  readonly shape: unknown;
}

/** Longest kept strings (type, event name, messageId) and keys; deeper objects read `"object"`. */
const MAX_TEXT = 200;
const MAX_DEPTH = 6;
/** Keys kept per object; the rest are counted under `"…"`. */
const MAX_KEYS = 50;
/** A key that is itself an email address (some apps key maps by email) is shown as this. */
const EMAIL_KEY = '<email>';

/** A string kept from what was sent (a key, the type, event name or messageId): email addresses hidden, bounded. */
function kept(value: string): string {
  return looksLikeEmail(value) ? EMAIL_KEY : hideEmailsIn(value, EMAIL_KEY).slice(0, MAX_TEXT);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? kept(value) : undefined;
}

/**
 * Words a kept message may quote: the Segment fields and request parts the messages name. Anything else in double
 * quotes is a value the client sent (a timestamp, a type, the text near a JSON syntax error), which may be about a
 * person: the kept message reads `"…"` there. The client was told the whole message in its 400.
 */
const FIELD_WORDS = new Set([
  'type', 'userId', 'anonymousId', 'event', 'name', 'category', 'messageId', 'groupId', 'previousId', 'timestamp', 'originalTimestamp',
  'sentAt', 'receivedAt', 'properties', 'traits', 'context', 'integrations', 'batch', 'writeKey', 'channel', 'version',
]);
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

/**
 * An error message as kept (the source's rejections, the live debugger): values the client sent, quoted in it,
 * read `"…"` (see FIELD_WORDS), and an email address or phone number left outside quotes reads `<email>` or `<phone>`.
 */
export function rejectionMessageOf(message: string): string {
  const withoutValues = message.replace(QUOTED, (quoted) => (FIELD_WORDS.has(quoted.slice(1, -1)) ? quoted : '"…"'));
  return hidePersonalDataIn(withoutValues, EMAIL_KEY, '<phone>').slice(0, 1000);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function shapeOf(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return 'array';
    // The first element stands for the rest.
    return value.length === 0 ? [] : [shapeOf(value[0], depth + 1)];
  }
  if (value === null || typeof value !== 'object') return typeOf(value);
  if (depth >= MAX_DEPTH) return 'object';
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [key, v] of entries.slice(0, MAX_KEYS)) out[kept(key)] = shapeOf(v, depth + 1);
  if (entries.length > MAX_KEYS) out['…'] = `${entries.length - MAX_KEYS} more keys`;
  return out;
}

/** The example kept of a rejected event (any JSON value a client sent as an event). */
export function rejectionExampleOf(raw: unknown): RejectionExample {
  const object = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  const type = text(object?.type);
  const event = text(object?.event);
  const messageId = text(object?.messageId);
  return { ...(type !== undefined && { type }), ...(event !== undefined && { event }), ...(messageId !== undefined && { messageId }), shape: shapeOf(raw, 0) };
}
