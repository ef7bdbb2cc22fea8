import { JetStreamApiError, RetentionPolicy, StorageType, jetstream, jetstreamManager, type ConsumerInfo, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { SluiceError } from '../../core/errors.js';
import { connectNats } from './nats-connection.js';

/** JetStream settings that matter in production (docs/deploying.md). */
export interface JetStreamSettings {
  /** Stream replicas (1 on a single server; 3 on a three-node cluster). */
  replicas: number;
  /** How long a consumer has to acknowledge a message before JetStream redelivers it. */
  ackWaitMs: number;
}

const STREAM_NAME_IN_USE = 10058;
const STREAM_CREATE_FAILED = 10049;
/** "replicas > 1 not supported in non-clustered mode": SLUICE_QUEUE_REPLICAS above 1 on a single NATS server. */
const REPLICAS_NOT_SUPPORTED = 10074;
/** Waits between tries when the server could not create a stream's store (doubling: 100 ms .. 1.6 s, ~3 s in all). */
const STORE_RETRY_DELAYS_MS = [100, 200, 400, 800, 1600];

/**
 * Creates the stream, or brings an existing one to this configuration (idempotent; safe from many processes).
 *
 * The server answers "error creating store for stream" (10049) when it could not set up the stream's files,
 * and writes the cause only to its own log; on nats-server 2.9 a busy server does so now and then for a
 * stream it can create a moment later. That answer is tried again a few times before it is an error.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string; subjects: string[] },
  retryDelaysMs: readonly number[] = STORE_RETRY_DELAYS_MS,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await jsm.streams.add(config);
      return;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE) {
        await jsm.streams.update(config.name, config);
        return;
      }
      if (error instanceof JetStreamApiError && error.code === REPLICAS_NOT_SUPPORTED) {
        const replicas = config.num_replicas ?? 1;
        throw new SluiceError(
          'invalid_config',
          `SLUICE_QUEUE_REPLICAS=${replicas}: NATS refused the stream ${config.name} with ${replicas} replicas (${error.message}). Set SLUICE_QUEUE_REPLICAS=1 on a single NATS server, or run a JetStream cluster of at least ${replicas} nodes.`,
        );
      }
      const delay = retryDelaysMs[attempt];
      if (!(error instanceof JetStreamApiError && error.code === STREAM_CREATE_FAILED) || delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** A work-queue stream: a message lives until its one consumer acknowledges it. */
export function workQueueStream(name: string, subjects: string[], settings: JetStreamSettings): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return { name, subjects, retention: RetentionPolicy.Workqueue, storage: StorageType.File, num_replicas: settings.replicas };
}

/** Deletes a durable consumer; one that is not there (already deleted, never created) is no error. */
export async function deleteConsumerIfPresent(jsm: JetStreamManager, stream: string, consumer: string): Promise<void> {
  await jsm.consumers.delete(stream, consumer).catch((error: unknown) => {
    if (!(error instanceof JetStreamApiError && error.status === 404)) throw error;
  });
}

/**
 * The consumers of one partition (decision 0502): the ones a holder created, `<base>-<lease revision>`, one per
 * acquisition, and `<base>` itself, the one name every holder used before session 31 (kept for an upgrade).
 */
export async function partitionConsumers(jsm: JetStreamManager, stream: string, base: string): Promise<ConsumerInfo[]> {
  const found: ConsumerInfo[] = [];
  for await (const info of jsm.consumers.list(stream)) {
    if (info.name === base || info.name.startsWith(`${base}-`)) found.push(info);
  }
  return found;
}

/** The connection and JetStream handles a queue works with. */
export interface JetStreamHandles {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/**
 * Connects to NATS and runs `setup` (streams, consumers) before handing the connection over; if setup fails
 * the connection is closed, so a process that cannot start does not keep one open.
 */
export async function openJetStream(url: string, clientName: string, setup: (jsm: JetStreamManager) => Promise<void>): Promise<JetStreamHandles> {
  const nc = await connectNats(url, clientName);
  try {
    const jsm = await jetstreamManager(nc);
    await setup(jsm);
    return { nc, js: jetstream(nc), jsm };
  } catch (error) {
    await nc.close();
    throw error;
  }
}
