import type { EventKey } from '../store.js';

/**
 * Events' keys by source, each messageId once: a lookup per source probes a key that holds both (the events'
 * `(source_id, message_id)`, the delivery log's `(message_id, source_id, ...)`), for a few sources per call (the
 * events of a batch or of a person).
 */
export function messageIdsBySource(events: readonly EventKey[]): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  for (const { sourceId, messageId } of events) {
    let ids = sets.get(sourceId);
    if (!ids) sets.set(sourceId, (ids = new Set()));
    ids.add(messageId);
  }
  return new Map([...sets].map(([sourceId, ids]) => [sourceId, [...ids]]));
}
