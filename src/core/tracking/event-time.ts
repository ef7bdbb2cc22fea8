import { parseTime } from './parse-time.js';

/**
 * When an event happened, as far as Sluice can believe its client: its `timestamp` (the client's time, corrected for
 * clock skew when the request had `sentAt`), but never later than Sluice received it, and `receivedAt` when it has
 * no usable time. What "newer wins" decisions compare (a profile's traits and last seen, a group's traits, the
 * consent ledger): an event dated in the future by a client whose clock is ahead, or by an app that set `timestamp`
 * wrongly without `sentAt`, would otherwise outrank every real later event (a withdrawal of consent ignored, traits
 * frozen) until that future date. The stored event keeps its timestamp, as Segment's does. NaN when it has neither.
 */
export function believedEventTime(event: { readonly timestamp?: unknown; readonly receivedAt?: unknown }): number {
  const received = typeof event.receivedAt === 'string' ? parseTime(event.receivedAt) : Number.NaN;
  const at = typeof event.timestamp === 'string' ? parseTime(event.timestamp) : Number.NaN;
  if (!Number.isFinite(at)) return received;
  return at > received ? received : at;
}
