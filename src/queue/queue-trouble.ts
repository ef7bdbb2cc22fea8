import type { Logger } from 'pino';

/**
 * A partition a process held under a lease and dropped by its own clock, the renewal having failed (cut off from NATS,
 * a long pause): docs/deploying.md, "Leases and network partitions". Its own class so it is logged as the error it is.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/**
 * How a stage worker logs its queue's trouble: a lost lease at level error with its sentence as the message (what
 * docs/deploying.md tells operators to watch for), anything else (a timeout, an acknowledgement not confirmed) at
 * `level` under `what`.
 */
export function logQueueTrouble(logger: Logger, what: string, level: 'warn' | 'error'): (error: unknown) => void {
  return (error) => {
    if (error instanceof LeaseLostError) logger.error({ err: error }, error.message);
    else logger[level]({ err: error }, what);
  };
}
