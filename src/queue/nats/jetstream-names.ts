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
}

const PREFIX = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `prefix` is usable in stream, subject and consumer names. */
export function isValidQueuePrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
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
  };
}
