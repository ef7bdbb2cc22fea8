import { JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';

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
