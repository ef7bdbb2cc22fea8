import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SluiceError } from '../../core/errors.js';

/**
 * Connects to NATS and keeps reconnecting for ever (a NATS restart or failover must not kill a Sluice
 * process; JetStream publishes fail with a timeout meanwhile, so ingest answers 5xx and clients retry).
 * Unreachable at the first attempt (the process is starting): `queue_unreachable`, naming the address.
 */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  const servers = url.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    return await connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Credentials in the URL (nats://user:password@host) are not repeated.
    const addresses = servers.map((s) => s.replace(/\/\/[^/@]*@/, '//')).join(', ');
    throw new SluiceError('queue_unreachable', `Could not connect to NATS at ${addresses} (SLUICE_QUEUE_URL): ${reason}. Is nats-server running with JetStream (-js)?`);
  }
}
