import pino from 'pino';
import type { DestinationContext, DestinationHttp, OutboundRequest, OutboundResponse } from '../../src/destinations/destination.js';

/**
 * A DestinationHttp over Node's fetch with no address guard, for tests that call a destination's deliver()
 * directly against a local mock server (the guarded client has its own tests).
 */
export const plainHttp: DestinationHttp = {
  async send(request: OutboundRequest, options = {}): Promise<OutboundResponse> {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: typeof request.body === 'string' ? request.body : new Uint8Array(request.body) } : {}),
      signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers, body: bytes.toString('utf8'), bytes };
  },
};

export function testContext(): DestinationContext {
  return { http: plainHttp, logger: pino({ level: 'silent' }), signal: new AbortController().signal };
}
