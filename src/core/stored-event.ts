import type { SegmentEvent } from '../protocol/segment-event.js';

/** An event as the store holds it: the Segment event plus where it came from. */
export interface StoredEvent {
  seq: number;
  workspaceId: string;
  sourceId: string;
  event: SegmentEvent;
}

/** Filters of the events query; every field optional, newest first. */
export interface EventQuery {
  workspaceId: string;
  userId?: string;
  anonymousId?: string;
  messageId?: string;
  /** Only these messageIds. */
  messageIds?: readonly string[];
  /** Oldest first instead of newest first. */
  ascending?: boolean;
  /** Events of any of these identifiers (a profile's events). */
  identities?: { userIds: readonly string[]; anonymousIds: readonly string[] };
  sourceId?: string;
  type?: string;
  event?: string;
  /** Inclusive lower bound on receivedAt (epoch ms). */
  from?: number;
  /** Exclusive upper bound on receivedAt (epoch ms). */
  to?: number;
  /** Only events older than this sequence number (the cursor). */
  beforeSeq?: number;
  /** Only events newer than this sequence number (the live debugger's position). */
  afterSeq?: number;
  /** Sequence order; default `desc` (newest first). */
  order?: 'asc' | 'desc';
  limit: number;
}
