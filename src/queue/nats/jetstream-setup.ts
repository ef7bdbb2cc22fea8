import { JetStreamApiError, RetentionPolicy, StorageType, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from './nats-connection.js';

/** JetStream settings that matter in production (docs/deploying.md). */
export interface JetStreamSettings {
  /** Stream replicas (1 on a single server; 3 on a three-node cluster). */
  replicas: number;
  /** How long a consumer has to acknowledge a message before JetStream redelivers it. */
  ackWaitMs: number;
}

const STREAM_NAME_IN_USE = 10058;

/** Creates the stream, or brings an existing one to this configuration (idempotent; safe from many processes). */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string; subjects: string[] }): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE) {
      await jsm.streams.update(config.name, config);
      return;
    }
    throw error;
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
