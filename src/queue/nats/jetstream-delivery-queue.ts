import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DeliveryConsumer, DeliveryJob, DeliveryJobRecord, DeliveryQueue } from '../queue.js';
import { DELIVERY_PARTITIONS, partitionOf } from './partition.js';
import { deleteConsumerIfPresent, ensureStream, openJetStream, partitionConsumers, workQueueStream, type JetStreamSettings } from './jetstream-setup.js';
import { jetStreamNames, type JetStreamNames } from './jetstream-names.js';
import { PartitionedConsumer } from './partitioned-consumer.js';
import { PartitionLeases } from './partition-leases.js';
import { queueOutage } from './queue-outage.js';

/** Jobs one partition's pull keeps buffered in the client. */
const PULL_MESSAGES = 256;
/** Jobs received and not yet handed to the lane, over all partitions; the pulls pause above it. */
const MAX_BUFFERED = 4096;
/** Unacknowledged jobs one partition may have out (users waiting behind a retry hold theirs). */
const PARTITION_MAX_ACK_PENDING = 20_000;

export interface JetStreamDeliveryQueueOptions extends JetStreamSettings {
  url: string;
  prefix: string;
  clientName?: string;
  /** Partitions per destination (tests only; production uses DELIVERY_PARTITIONS). */
  partitions?: number;
  /** Lease and acknowledgement trouble that the queue survives (logged by the router). */
  onError?: (error: unknown) => void;
}

/**
 * The delivery queues on NATS JetStream (scale mode): one work-queue stream `<prefix>_deliveries`, one job
 * per message on `<prefix>.deliveries.<destination>.<partition>`, the partition a stable hash of workspace
 * and ordering key (the user). Publishing resolves on the PubAcks. Each router process consumes a share of
 * every destination's partitions, one router per partition at a time (leases, see
 * {@link PartitionedConsumer}), and acknowledges a job only once its outcome is recorded.
 */
export class JetStreamDeliveryQueue implements DeliveryQueue {
  private readonly consumers = new Map<string, JetStreamDeliveryConsumer>();
  private readonly closing = new Map<string, Promise<void>>();
  private readonly leases: PartitionLeases;
  private readonly partitions: number;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly names: JetStreamNames,
    private readonly options: JetStreamDeliveryQueueOptions,
  ) {
    this.leases = new PartitionLeases(js, jsm, names, randomBytes(6).toString('hex'));
    this.partitions = options.partitions ?? DELIVERY_PARTITIONS;
  }

  /** Connects and makes sure the deliveries and leases streams exist. */
  static async open(options: JetStreamDeliveryQueueOptions): Promise<JetStreamDeliveryQueue> {
    const names = jetStreamNames(options.prefix);
    const { nc, js, jsm } = await openJetStream(options.url, options.clientName ?? `sluice-deliveries-${process.pid}`, async (jsm) => {
      await ensureStream(jsm, workQueueStream(names.deliveriesStream, [names.deliveriesWildcard], options));
      await PartitionLeases.ensureStream(jsm, names, options);
    });
    return new JetStreamDeliveryQueue(nc, js, jsm, names, options);
  }

  /** The underlying connection. */
  get connection(): NatsConnection {
    return this.nc;
  }

  /** This process's identity in leases and membership. */
  get memberId(): string {
    return this.leases.memberId;
  }

  async publishDeliveries(jobs: readonly DeliveryJobRecord[]): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    // One connection keeps publish order, so a user's jobs get increasing stream sequences.
    await Promise.all(
      jobs.map((job) => this.js.publish(this.names.deliverySubject(job.destinationId, partitionOf(job.workspaceId, job.partitionKey, this.partitions)), JSON.stringify(job))),
    ).catch((error: unknown) => {
      throw queueOutage(error);
    });
  }

  /** The destination's consumer in this process; a second call replaces the first (which gives its leases back). */
  deliveryConsumer(destinationId: string): JetStreamDeliveryConsumer {
    const previous = this.consumers.get(destinationId);
    const after = previous ? this.retire(destinationId, previous) : (this.closing.get(destinationId) ?? Promise.resolve());
    const consumer = new JetStreamDeliveryConsumer({
      nc: this.nc,
      js: this.js,
      jsm: this.jsm,
      leases: this.leases,
      stream: this.names.deliveriesStream,
      group: destinationId,
      partitions: this.partitions,
      subject: (p) => this.names.deliverySubject(destinationId, p),
      subjects: this.names.destinationSubjects(destinationId),
      durable: (p) => this.names.deliveryConsumer(destinationId, p),
      decode: (msg, redelivered) => ({ ...msg.json<DeliveryJobRecord>(), seq: msg.seq, ...(redelivered && { redelivered: true }) }),
      pullMessages: PULL_MESSAGES,
      maxBuffered: MAX_BUFFERED,
      maxAckPending: PARTITION_MAX_ACK_PENDING,
      leaseMs: this.options.ackWaitMs,
      after,
      holder: 'router',
      onError: this.options.onError ?? (() => undefined),
    });
    this.consumers.set(destinationId, consumer);
    return consumer;
  }

  async waiting(destinationId: string): Promise<number> {
    // The stream keeps a job until it is acknowledged (work-queue retention): its messages per subject are the backlog.
    const info = await this.jsm.streams.info(this.names.deliveriesStream, { subjects_filter: this.names.destinationSubjects(destinationId) }).catch((error: unknown) => {
      throw queueOutage(error);
    });
    return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  }

  async purgeDeliveries(destinationId: string): Promise<void> {
    const consumer = this.consumers.get(destinationId);
    if (consumer) await this.retire(destinationId, consumer);
    this.consumers.delete(destinationId);
    await this.jsm.streams.purge(this.names.deliveriesStream, { filter: this.names.destinationSubjects(destinationId) });
    for (let p = 0; p < this.partitions; p++) {
      for (const consumer of await partitionConsumers(this.jsm, this.names.deliveriesStream, this.names.deliveryConsumer(destinationId, p))) {
        await deleteConsumerIfPresent(this.jsm, this.names.deliveriesStream, consumer.name);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers.values()].map((c) => c.close()));
    await Promise.all(this.closing.values());
    this.consumers.clear();
    await this.nc.drain().catch(() => this.nc.close());
  }

  private retire(destinationId: string, consumer: JetStreamDeliveryConsumer): Promise<void> {
    const done = consumer.close().finally(() => {
      if (this.closing.get(destinationId) === done) this.closing.delete(destinationId);
    });
    this.closing.set(destinationId, done);
    return done;
  }
}

/**
 * One destination's jobs in this router process. Besides the partitioned consumer's fetch, ack and hand-back, it
 * hands a user's set-aside jobs out again (`reread`): they are still unacknowledged in the stream and in this
 * process, so a lane full of one user's jobs waiting behind a retrying one lets every other user flow.
 */
export class JetStreamDeliveryConsumer extends PartitionedConsumer<DeliveryJob> implements DeliveryConsumer {
  async reread(partitionKey: string, afterSeq: number, upToSeq: number, max: number): Promise<DeliveryJob[]> {
    return this.handedAgain(afterSeq, upToSeq, max, (job) => job.partitionKey === partitionKey);
  }
}
