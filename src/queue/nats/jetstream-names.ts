/**
 * Every JetStream stream, subject and durable consumer name Sluice uses, derived from SLUICE_QUEUE_PREFIX so
 * several installations (or test runs) can share one NATS server without seeing each other.
 */
export interface JetStreamNames {
  readonly prefix: string;
  /** Stream holding ingested batches until the processor acknowledges them (work-queue retention). */
  readonly inboxStream: string;
  readonly inboxSubject: string;
  /** Durable pull consumer shared by every processor process. */
  readonly inboxConsumer: string;
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
  /** Lease of one destination partition: its one message names the router that consumes it. */
  leaseSubject(destinationId: string, partition: number): string;
  /** All leases of one destination. */
  leaseSubjects(destinationId: string): string;
  /** Heartbeat of one router consuming a destination. */
  memberSubject(destinationId: string, memberId: string): string;
  memberSubjects(destinationId: string): string;
}

const PREFIX = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/** True when `prefix` is usable in stream, subject and consumer names. */
export function isValidQueuePrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

/** A destination id as one subject token (ids are `dst_<hex>`; anything else would split or widen subjects). */
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
    inboxSubject: `${prefix}.inbox`,
    inboxConsumer: `${prefix}_processor`,
    changesSubject: `${prefix}.changes`,
    deliveriesStream: `${prefix}_deliveries`,
    deliveriesWildcard: `${prefix}.deliveries.>`,
    leasesStream: `${prefix}_leases`,
    leasesWildcard: `${prefix}.leases.>`,
    deliverySubject: (d, p) => `${prefix}.deliveries.${token(d)}.${p}`,
    destinationSubjects: (d) => `${prefix}.deliveries.${token(d)}.*`,
    deliveryConsumer: (d, p) => `${prefix}_router_${token(d)}_${p}`,
    leaseSubject: (d, p) => `${prefix}.leases.lease.${token(d)}.${p}`,
    leaseSubjects: (d) => `${prefix}.leases.lease.${token(d)}.*`,
    memberSubject: (d, m) => `${prefix}.leases.member.${token(d)}.${token(m)}`,
    memberSubjects: (d) => `${prefix}.leases.member.${token(d)}.*`,
  };
}
