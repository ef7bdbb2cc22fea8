import type { DeliveryItem } from '../../src/destinations/destination.js';
import type { JsonObject, SegmentEvent } from '../../src/protocol/segment-event.js';

let counter = 0;

/** A normalized Segment event as the router hands it to a destination. */
export function segmentEvent(fields: Partial<SegmentEvent> & { type: SegmentEvent['type'] }): SegmentEvent {
  counter++;
  const at = '2026-11-30T10:00:00.000Z';
  return {
    messageId: `msg-${counter}`,
    context: { ip: '203.0.113.9', library: { name: 'analytics-node', version: '3.1.0' } } as JsonObject,
    integrations: {},
    originalTimestamp: at,
    timestamp: at,
    receivedAt: at,
    version: 2,
    ...fields,
  } as SegmentEvent;
}

export function item(fields: Partial<SegmentEvent> & { type: SegmentEvent['type'] }): DeliveryItem {
  const event = segmentEvent(fields);
  return { messageId: event.messageId, event };
}
