import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * Connects to NATS and keeps reconnecting for ever (a NATS restart or failover must not kill a Sluice
 * process; JetStream publishes fail with a timeout meanwhile, so ingest answers 5xx and clients retry).
 */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  const servers = url.split(',').map((s) => s.trim()).filter(Boolean);
  return connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false });
}
