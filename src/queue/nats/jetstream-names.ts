/**
 * Every JetStream stream, subject and durable consumer name Sluice uses, derived from SLUICE_QUEUE_PREFIX so
 * several installations (or test runs) can share one NATS server without seeing each other.
 */
export interface JetStreamNames {
  readonly prefix: string;
  /** Stream holding ingested batches until the processor acknowledges them (work-queue retention). */
  readonly inboxStream: string;
  /** Every inbox subject (`<prefix>.inbox.<partition>`). */
  readonly inboxWildcard: string;
  /** Lease group of the inbox partitions (lease and member subjects; destinations are `dst_...`). */
  readonly inboxGroup: string;
  /** Subject of one inbox partition's messages. */
  inboxSubject(partition: number): string;
  /** Durable consumer of one inbox partition (created by the processor that holds its lease). */
  inboxConsumer(partition: number): string;
  /** The one shared consumer of the inbox before it was partitioned (0501); removed when found. */
  readonly legacyInboxConsumer: string;
  /** Core NATS subject carrying configuration-change notices between processes. */
  readonly changesSubject: string;
  /** Stream holding delivery jobs until a router acknowledges them (work-queue retention). */
  readonly deliveriesStream: string;
  /** Every delivery subject (`<prefix>.deliveries.<destination>.<partition>`). */
  readonly deliveriesWildcard: string;
  /** Stream of partition leases and router membership (limits retention, max age = the lease time). */
  readonly leasesStream: string;
  readonly leasesWildcard: string;
  /** Subject of one destination partition's jobs. */
  deliverySubject(destinationId: string, partition: number): string;
  /** All of one destination's delivery subjects. */
  destinationSubjects(destinationId: string): string;
  /** Durable consumer of one destination partition (created by the router that holds its lease). */
  deliveryConsumer(destinationId: string, partition: number): string;
  /** Lease of one partition of a group (a destination, or the inbox): its one message names the holder. */
  leaseSubject(group: string, partition: number): string;
  /** All leases of one group. */
  leaseSubjects(group: string): string;
  /** Heartbeat of one process consuming a group. */
  memberSubject(group: string, memberId: string): string;
  memberSubjects(group: string): string;
}

const PREFIX = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/** True when `prefix` is usable in stream, subject and consumer names. */
export function isValidQueuePrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

/** A destination id (or lease group) as one subject token (ids are `dst_<hex>`; anything else would split or widen subjects). */
function token(id: string): string {
  if (!TOKEN.test(id)) throw new Error(`"${id}" cannot be used in a JetStream subject: use 1-128 letters, digits, _ or -`);
  return id;
}

export function jetStreamNames(prefix: string): JetStreamNames {
  if (!isValidQueuePrefix(prefix)) {
    throw new Error(`queue prefix "${prefix}" is not valid: use 1-64 letters, digits, _ or -`);
  }
  return {
    prefix,
    inboxStream: `${prefix}_inbox`,
    inboxWildcard: `${prefix}.inbox.*`,
    inboxGroup: 'inbox',
    inboxSubject: (p) => `${prefix}.inbox.${p}`,
    inboxConsumer: (p) => `${prefix}_processor_${p}`,
    legacyInboxConsumer: `${prefix}_processor`,
    changesSubject: `${prefix}.changes`,
    deliveriesStream: `${prefix}_deliveries`,
    deliveriesWildcard: `${prefix}.deliveries.>`,
    leasesStream: `${prefix}_leases`,
    leasesWildcard: `${prefix}.leases.>`,
    deliverySubject: (d, p) => `${prefix}.deliveries.${token(d)}.${p}`,
    destinationSubjects: (d) => `${prefix}.deliveries.${token(d)}.*`,
    deliveryConsumer: (d, p) => `${prefix}_router_${token(d)}_${p}`,
    leaseSubject: (g, p) => `${prefix}.leases.lease.${token(g)}.${p}`,
    leaseSubjects: (g) => `${prefix}.leases.lease.${token(g)}.*`,
    memberSubject: (g, m) => `${prefix}.leases.member.${token(g)}.${token(m)}`,
    memberSubjects: (g) => `${prefix}.leases.member.${token(g)}.*`,
  };
}
