import { RequestTimeoutError } from './http/destination-http.js';
import type { DeliveryResult } from './destination.js';

/**
 * The retry for a request that got no answer: `timeout` when it ran out of time, `network_error` otherwise
 * (refused connection, reset, DNS). `prefix` starts the error text (e.g. "network error: ").
 */
export function retryOfNetworkFailure(error: unknown, prefix = ''): DeliveryResult & { kind: 'retry' } {
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'retry', reason: error instanceof RequestTimeoutError ? 'timeout' : 'network_error', error: `${prefix}${message}` };
}
