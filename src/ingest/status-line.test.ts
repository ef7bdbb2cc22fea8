import { describe, expect, it } from 'vitest';
import { reasonPhrase } from './status-line.js';

describe('the status line of a refused Tracking API call', () => {
  it('carries the standard phrase, the code and the message', () => {
    expect(reasonPhrase(401, 'unknown_source', 'The writeKey matches no source; send the source\'s writeKey.')).toBe(
      "Unauthorized: unknown_source: The writeKey matches no source; send the source's writeKey.",
    );
  });

  it('hides the values the client sent, so app logs do not collect personal data', () => {
    const line = reasonPhrase(400, 'invalid_timestamp', 'event 0: timestamp "yesterday" is not an ISO-8601 date (user ada@example.com, phone +44 20 7946 0958)');
    expect(line).toMatch(/^Bad Request: invalid_timestamp: event 0: timestamp "\.\.\." is not an ISO-8601 date/);
    expect(line).not.toMatch(/yesterday|ada@example\.com|7946/);
  });

  it('keeps to printable ASCII, which every client and proxy reads (Node refuses the rest)', () => {
    const line = reasonPhrase(400, 'validation_failed', 'property "naïve\u0000\nname" is too long: 5 000 € over');
    expect(line).toMatch(/^[\x20-\x7e]+$/);
  });

  it('cuts a long message so the status line stays short', () => {
    const line = reasonPhrase(413, 'payload_too_large', 'x'.repeat(2_000));
    expect(line.length).toBe(300);
    expect(line.endsWith('...')).toBe(true);
    expect(line.startsWith('Payload Too Large: payload_too_large: xxx')).toBe(true);
  });
});
