import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { SluiceError } from '../../core/errors.js';

/**
 * A NATS client error that means the queue cannot be reached right now (the connection is down or closing, a request
 * timed out, JetStream did not answer) as the `storage_unavailable` outage it is: 503 with Retry-After to an API
 * client, not a 500 "report it". Any other error is returned as it is.
 */
export function queueOutage(error: unknown): unknown {
  const outage = [TimeoutError, ClosedConnectionError, DrainingConnectionError, ConnectionError, RequestError, NoRespondersError].some((kind) => error instanceof kind);
  if (!outage) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SluiceError('storage_unavailable', `The queue (NATS JetStream) cannot be reached right now (${reason}); try again after the Retry-After delay.`, { retryAfterSeconds: 5 });
}
