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
 * expects our own last message, so two processes can never both hold it. A holder that stops renewing (killed,
 * partitioned away) loses the lease when its message ages out, after at most the lease time.
 *
 * A group is what is partitioned: one destination's delivery jobs (held by routers) or the inbox (held by
 * processors). Membership (how many processes consume a group, to share its partitions evenly) uses the same
 * stream: each process re-publishes a heartbeat on its member subject, and those of dead processes age out.
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

  /** Takes a free lease; returns its sequence (needed to renew it), or undefined when another process holds it. */
  async acquire(group: string, partition: number): Promise<number | undefined> {
    return this.publishExpecting(this.names.leaseSubject(group, partition), 0);
  }

  /** Renews a lease we hold; undefined when it is no longer ours (it expired and someone else took it). */
  async renew(group: string, partition: number, seq: number): Promise<number | undefined> {
    return this.publishExpecting(this.names.leaseSubject(group, partition), seq);
  }

  /** Gives a lease back at once (only our own message: a purge below our sequence + 1 spares a newer holder's). */
  async release(group: string, partition: number, seq: number): Promise<void> {
    await this.jsm.streams.purge(this.names.leasesStream, { filter: this.names.leaseSubject(group, partition), seq: seq + 1 });
  }

  /** Partitions of a group currently leased by some process. */
  async leased(group: string): Promise<Set<number>> {
    const subjects = await this.subjects(this.names.leaseSubjects(group));
    return new Set(subjects.map((s) => Number(s.slice(s.lastIndexOf('.') + 1))));
  }

  /** Announces that this process consumes the group (repeat well within the lease time). */
  async heartbeat(group: string): Promise<void> {
    await this.js.publish(this.names.memberSubject(group, this.memberId), this.memberId);
  }

  /** Leaves at once (a clean shutdown), rather than after the lease time. */
  async leave(group: string): Promise<void> {
    await this.jsm.streams.purge(this.names.leasesStream, { filter: this.names.memberSubject(group, this.memberId) });
  }

  /** Processes consuming the group (ours included once it has sent a heartbeat). */
  async members(group: string): Promise<number> {
    return (await this.subjects(this.names.memberSubjects(group))).length;
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
