import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { serviceUnavailable } from './services.js';

/** The NATS server (JetStream enabled) the tests use; override with SLUICE_TEST_QUEUE_URL. */
export const TEST_QUEUE_URL = process.env.SLUICE_TEST_QUEUE_URL ?? 'nats://127.0.0.1:4222';

/** True when NATS with JetStream answers; otherwise reports it (skip locally, throw under CI=true). */
export async function natsAvailable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: TEST_QUEUE_URL, timeout: 3000, maxReconnectAttempts: 0 });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.getAccountInfo();
    } finally {
      await nc.close();
    }
    return true;
  } catch (error) {
    serviceUnavailable('NATS JetStream', `${TEST_QUEUE_URL}: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

/** A queue prefix no other test run uses. */
export function uniqueQueuePrefix(label = 't'): string {
  return `sluice_${label}_${randomBytes(5).toString('hex')}`;
}

/** Deletes every stream whose name starts with `${prefix}_` (consumers go with their stream). */
export async function deleteStreams(prefix: string): Promise<void> {
  const nc = await connect({ servers: TEST_QUEUE_URL, maxReconnectAttempts: 0 });
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(`${prefix}_`)) names.push(name);
    for (const name of names) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}
