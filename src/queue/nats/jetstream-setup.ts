import { AckPolicy, DeliverPolicy, JetStreamApiError, RetentionPolicy, StorageType, type ConsumerConfig, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

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

/** Creates the durable pull consumer, or updates its ack wait / limits when the configuration changed. */
export async function ensureDurableConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig> & { durable_name: string }, settings: JetStreamSettings): Promise<void> {
  const full: Partial<ConsumerConfig> & { durable_name: string } = {
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: -1,
    ...config,
  };
  try {
    const info = await jsm.consumers.info(stream, config.durable_name);
    if (info.config.ack_wait !== full.ack_wait || info.config.max_ack_pending !== full.max_ack_pending) {
      const { durable_name: _name, ack_policy: _ack, deliver_policy: _deliver, ...updatable } = full;
      await jsm.consumers.update(stream, config.durable_name, updatable);
    }
  } catch (error) {
    if (error instanceof JetStreamApiError && error.status === 404) {
      await jsm.consumers.add(stream, full);
      return;
    }
    throw error;
  }
}
