import { describe, expect, it } from 'vitest';
import { believedEventTime } from './event-time.js';

describe('believedEventTime', () => {
  const receivedAt = '2026-12-04T10:00:00.000Z';
  it('is the event\'s timestamp when it is not after Sluice received the event (history included)', () => {
    expect(believedEventTime({ timestamp: '2026-12-04T09:59:58.500Z', receivedAt })).toBe(Date.parse('2026-12-04T09:59:58.500Z'));
    expect(believedEventTime({ timestamp: '1999-01-01T00:00:00.000Z', receivedAt })).toBe(Date.parse('1999-01-01T00:00:00.000Z'));
  });
  it('is receivedAt for an event dated after it was received, or without a usable time', () => {
    expect(believedEventTime({ timestamp: '2030-01-01T00:00:00.000Z', receivedAt })).toBe(Date.parse(receivedAt));
    expect(believedEventTime({ timestamp: 'garbage', receivedAt })).toBe(Date.parse(receivedAt));
    expect(believedEventTime({ receivedAt })).toBe(Date.parse(receivedAt));
    // Another request's receivedAt after the first (the parse of the last one is reused only for the same string).
    expect(believedEventTime({ timestamp: '2030-01-01T00:00:00.000Z', receivedAt: '2026-12-05T00:00:00.000Z' })).toBe(Date.parse('2026-12-05T00:00:00.000Z'));
  });
  it('is the timestamp when there is no receivedAt (an event not from the Tracking API)', () => {
    expect(believedEventTime({ timestamp: '2030-01-01T00:00:00.000Z' })).toBe(Date.parse('2030-01-01T00:00:00.000Z'));
    expect(believedEventTime({})).toBeNaN();
  });
});
