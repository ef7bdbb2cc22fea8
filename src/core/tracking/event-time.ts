/** The last receivedAt parsed, and its time: the events of one request (most of a batch) share it. */
let lastReceivedAt = '';
let lastReceivedMs = Number.NaN;

function receivedMs(receivedAt: string | undefined): number {
  if (receivedAt === undefined) return Number.NaN;
  if (receivedAt !== lastReceivedAt) {
    lastReceivedAt = receivedAt;
    lastReceivedMs = Date.parse(receivedAt);
  }
  return lastReceivedMs;
}

/**
 * When an event happened, as far as Sluice can believe its client: its `timestamp` (the client's time, corrected for
 * clock skew when the request had `sentAt`), but never later than Sluice received it, and `receivedAt` when it has
 * no usable time. What "newer wins" decisions compare (a profile's traits and last seen, a group's traits, the
 * consent ledger): an event dated in the future by a client whose clock is ahead, or by an app that set `timestamp`
 * wrongly without `sentAt`, would otherwise outrank every real later event (a withdrawal of consent ignored, traits
 * frozen) until that future date. The stored event keeps its timestamp, as Segment's does. NaN when it has neither.
 */
export function believedEventTime(event: { readonly timestamp?: unknown; readonly receivedAt?: unknown }): number {
  const received = receivedMs(typeof event.receivedAt === 'string' ? event.receivedAt : undefined);
  const at = typeof event.timestamp === 'string' ? Date.parse(event.timestamp) : Number.NaN;
  if (!Number.isFinite(at)) return received;
  return at > received ? received : at;
}
