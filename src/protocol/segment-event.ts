/**
 * Segment Tracking API event shapes (the Segment Spec). This folder imports nothing of ours.
 */
export const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The browser library's short paths (`/v1/t`) and their event types. */
export const SHORT_PATHS: Readonly<Record<string, EventType | 'batch'>> = {
  i: 'identify',
  t: 'track',
  p: 'page',
  s: 'screen',
  g: 'group',
  a: 'alias',
  b: 'batch',
};

/** A normalized event as Sluice stores and delivers it (Segment's shape, with server fields set). */
export interface SegmentEvent {
  type: EventType;
  messageId: string;
  userId?: string | null;
  anonymousId?: string | null;
  event?: string;
  name?: string;
  category?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  groupId?: string;
  previousId?: string;
  context: JsonObject;
  integrations: JsonObject;
  /** The client's own clock (kept as sent). */
  originalTimestamp: string;
  /** receivedAt corrected for client clock skew. */
  timestamp: string;
  sentAt?: string;
  receivedAt: string;
  version: number;
  [key: string]: JsonValue | undefined;
}

/** Segment's documented limits. */
export const LIMITS = {
  maxEventBytes: 32 * 1024,
  maxRequestBytes: 500 * 1024,
  maxBatchEvents: 2500,
  maxNestingDepth: 64,
  maxMessageIdLength: 100,
} as const;
