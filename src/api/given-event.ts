import { Type } from '@sinclair/typebox';
import { SluiceError } from '../core/errors.js';
import { EVENT_TYPES, type JsonObject, type SegmentEvent } from '../protocol/segment-event.js';

/** A Segment event given in an admin request (a preview's events, a test send's event). */
export const GivenEvent = Type.Record(Type.String(), Type.Unknown(), { description: 'A Segment event (identify, track, page, screen, group, alias); messageId and timestamps are filled in when absent' });

/**
 * Fills the fields Sluice's ingest would set, so mappings see an event as it would be stored (the preview's
 * events and a test send's event). `at` names the event in error messages.
 */
export function normalizeGivenEvent(raw: Record<string, unknown>, index: number, now: string, at = `events[${index}]`): SegmentEvent {
  const type = raw.type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    throw new SluiceError('validation_failed', `${at}.type must be one of ${EVENT_TYPES.join(', ')}.`);
  }
  if (raw.userId == null && raw.anonymousId == null) throw new SluiceError('validation_failed', `${at} needs a userId or an anonymousId.`);
  if (type === 'track' && typeof raw.event !== 'string') throw new SluiceError('validation_failed', `${at} is a track call without a string "event".`);
  for (const field of ['properties', 'traits', 'context', 'integrations']) {
    const value = raw[field];
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) throw new SluiceError('validation_failed', `${at}.${field} must be a JSON object.`);
  }
  const timestamp = typeof raw.timestamp === 'string' ? raw.timestamp : now;
  return {
    ...(raw as JsonObject),
    type: type as SegmentEvent['type'],
    messageId: typeof raw.messageId === 'string' && raw.messageId !== '' ? raw.messageId : `preview-${index + 1}`,
    context: (raw.context as JsonObject | undefined) ?? {},
    integrations: (raw.integrations as JsonObject | undefined) ?? {},
    originalTimestamp: typeof raw.originalTimestamp === 'string' ? raw.originalTimestamp : timestamp,
    timestamp,
    receivedAt: typeof raw.receivedAt === 'string' ? raw.receivedAt : now,
    version: 2,
  };
}
