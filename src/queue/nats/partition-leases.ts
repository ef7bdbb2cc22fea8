import { JetStreamApiError, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { ensureStream, type JetStreamSettings } from './jetstream-setup.js';
import type { JetStreamNames } from './jetstream-names.js';

/** JetStream's answer when a publish's expected last subject sequence does not match. */
const WRONG_LAST_SEQUENCE = 10071;

/**
 * Leases on JetStream, without a KV dependency: a stream of limits retention whose max age is the lease time
 * and which keeps one message per subject. A lease is a message on the partition's lease subject; taking it
 * is a publish that expects no message there (last subject sequence 0), renewing one is a publish that
 * expects our own last message, so two routers can never both hold it. A holder that stops renewing (killed,
 * partitioned away) loses the lease when its message ages out, after at most the lease time.
 *
 * Router membership (how many routers consume a destination, to share its partitions evenly) uses the same
 * stream: each router re-publishes a heartbeat on its member subject, and those of dead routers age out.
 */
export class PartitionLeases {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: JetStreamNames,
    readonly memberId: string,
  ) {}

  /** Creates the leases stream (idempotent); its max age is the lease time. */
  static async ensureStream(jsm: JetStreamManager, names: JetStreamNames, settings: JetStreamSettings): Promise<void> {
    await ensureStream(jsm, {
      name: names.leasesStream,
      subjects: [names.leasesWildcard],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: settings.replicas,
      max_msgs_per_subject: 1,
      max_age: nanos(settings.ackWaitMs),
      duplicate_window: nanos(Math.min(settings.ackWaitMs, 120_000)),
    });
  }

  /** Takes a free lease; returns its sequence (needed to renew it), or undefined when another router holds it. */
  async acquire(destinationId: string, partition: number): Promise<number | undefined> {
    return this.publishExpecting(this.names.leaseSubject(destinationId, partition), 0);
  }

  /** Renews a lease we hold; undefined when it is no longer ours (it expired and someone else took it). */
  async renew(destinationId: string, partition: number, seq: number): Promise<number | undefined> {
    return this.publishExpecting(this.names.leaseSubject(destinationId, partition), seq);
  }

  /** Gives a lease back at once (only our own message: a purge below our sequence + 1 spares a newer holder's). */
  async release(destinationId: string, partition: number, seq: number): Promise<void> {
    await this.jsm.streams.purge(this.names.leasesStream, { filter: this.names.leaseSubject(destinationId, partition), seq: seq + 1 });
  }

  /** Partitions of a destination currently leased by some router. */
  async leased(destinationId: string): Promise<Set<number>> {
    const subjects = await this.subjects(this.names.leaseSubjects(destinationId));
    return new Set(subjects.map((s) => Number(s.slice(s.lastIndexOf('.') + 1))));
  }

  /** Announces that this router consumes the destination (repeat well within the lease time). */
  async heartbeat(destinationId: string): Promise<void> {
    await this.js.publish(this.names.memberSubject(destinationId, this.memberId), this.memberId);
  }

  /** Leaves at once (a clean shutdown), rather than after the lease time. */
  async leave(destinationId: string): Promise<void> {
    await this.jsm.streams.purge(this.names.leasesStream, { filter: this.names.memberSubject(destinationId, this.memberId) });
  }

  /** Routers consuming the destination (ours included once it has sent a heartbeat). */
  async members(destinationId: string): Promise<number> {
    return (await this.subjects(this.names.memberSubjects(destinationId))).length;
  }

  private async subjects(filter: string): Promise<string[]> {
    const info = await this.jsm.streams.info(this.names.leasesStream, { subjects_filter: filter });
    return Object.keys(info.state.subjects ?? {});
  }

  private async publishExpecting(subject: string, lastSubjectSequence: number): Promise<number | undefined> {
    try {
      const ack = await this.js.publish(subject, this.memberId, { expect: { lastSubjectSequence } });
      return ack.seq;
    } catch (error) {
      if (isWrongLastSequence(error)) return undefined;
      throw error;
    }
  }
}

function isWrongLastSequence(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.code === WRONG_LAST_SEQUENCE;
  return error instanceof Error && /wrong last sequence/i.test(error.message);
}
