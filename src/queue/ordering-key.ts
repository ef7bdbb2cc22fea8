/** The fields of a Segment event that say whose it is. */
export interface Identified {
  userId?: string | null;
  anonymousId?: string | null;
  messageId?: string | null;
}

/**
 * The ordering key of an event as it arrives: its userId, else its anonymousId (else its messageId: an
 * event of nobody has nothing to keep order with). Events with the same key keep the order in which they
 * were acknowledged through the inbox. Fan-out orders delivery jobs by the resolved profile first
 * (`partitionKeyOf`), which is the same key for everyone whose identity was never merged.
 */
export function orderingKeyOf(event: Identified): string {
  return String(event.userId ?? event.anonymousId ?? event.messageId ?? '');
}

/** The ordering key read from an event's serialized JSON (for records published without one). */
export function orderingKeyOfJson(json: string): string {
  try {
    const event = JSON.parse(json) as unknown;
    return typeof event === 'object' && event !== null ? orderingKeyOf(event as Identified) : '';
  } catch {
    return '';
  }
}
