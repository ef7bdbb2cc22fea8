import pino from 'pino';
import type { DestinationContext, OutboundRequest, OutboundResponse } from '../../src/destinations/destination.js';

/**
 * A destination context whose HTTP client sends nothing: it records each request and answers `reply(request)`.
 * For checking where a type sends a call it makes to a real vendor host (a regional privacy API), which a
 * local stand-in cannot take the place of.
 */
export function recordingContext(reply: (request: OutboundRequest) => OutboundResponse): { context: DestinationContext; sent: OutboundRequest[] } {
  const sent: OutboundRequest[] = [];
  const context: DestinationContext = {
    http: {
      async send(request) {
        sent.push(request);
        return reply(request);
      },
    },
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
  };
  return { context, sent };
}

/** A 200 answer with a JSON body. */
export function jsonReply(body: unknown): OutboundResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
