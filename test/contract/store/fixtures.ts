import { randomUUID } from 'node:crypto';
import type { SegmentEvent } from '../../../src/protocol/segment-event.js';
import type { Store } from '../../../src/store/store.js';

/** A fresh workspace for one test, so tests sharing a store never see each other's rows. */
export async function freshWorkspace(store: Store, name = 'Contract workspace'): Promise<string> {
  const workspace = await store.workspaces.create({ name });
  return workspace.id;
}

/** A valid normalized Segment event with overridable fields. */
export function segmentEvent(overrides: Partial<SegmentEvent> = {}): SegmentEvent {
  const now = new Date().toISOString();
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: `msg-${randomUUID()}`,
    userId: 'user-1',
    anonymousId: null,
    properties: { total: 42 },
    context: { library: { name: 'contract', version: '1' } },
    integrations: {},
    originalTimestamp: now,
    timestamp: now,
    receivedAt: now,
    version: 2,
    ...overrides,
  };
}
