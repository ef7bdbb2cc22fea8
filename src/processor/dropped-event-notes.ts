import { rejectionExampleOf, rejectionMessageOf } from '../core/tracking/rejection-example.js';
import type { SourceDrop } from '../store/store.js';
import type { DroppedItem } from './processor.js';

/** What happened to an event dropped for `reason`, and what to do about it (no values of the event). */
export function droppedEventMessage(reason: string): string {
  if (reason === 'duplicate') {
    return 'This source already sent an event with this messageId: the first one is stored and this one was dropped (Sluice, like Segment, ' +
      'deduplicates by messageId, so a client\'s retries are stored once). A different call needs its own messageId: leave messageId out and ' +
      'the library or Sluice makes one.';
  }
  if (reason === 'suppressed') {
    return 'The person is suppressed (a deletion or suppression request named them): their events are neither stored nor sent. The app ' +
      'still sends events about them.';
  }
  if (reason.startsWith('pii_blocked:')) {
    return `The workspace's PII policy blocks events holding ${reason.slice('pii_blocked:'.length)} data: the event was neither stored nor sent. ` +
      'Remove the field from the call, or change the rule (PUT /api/v1/pii/policy).';
  }
  return `The event was dropped before storage (${reason}): neither stored nor sent.`;
}

/**
 * The events of a processed batch the processor dropped before storage, as the source's latest drop per reason
 * (`CounterBuffer.keepDrop`: the live debugger's `event: dropped`). The Tracking API answered 200 for each of them,
 * so without this the engineer sees a 200 and no event. One note per source and reason per batch (its last
 * drop), so a batch of retried duplicates costs one example.
 */
export function droppedEventNotes(dropped: readonly DroppedItem[], at = Date.now()): SourceDrop[] {
  const last = new Map<string, DroppedItem>();
  for (const d of dropped) last.set(`${d.item.sourceId}\u0000${d.reason}`, d);
  return [...last.values()].map((d) => ({
    workspaceId: d.item.workspaceId,
    sourceId: d.item.sourceId,
    reason: d.reason,
    message: rejectionMessageOf(droppedEventMessage(d.reason)),
    at,
    example: rejectionExampleOf(d.item.event),
  }));
}
