import type { Logger } from 'pino';
import type { DeliveryConsumer, DeliveryJob } from '../queue/queue.js';

/** Jobs read back per user and step once that user's retrying job is done. */
const READ_BACK_PAGE = 1000;

/**
 * The users whose jobs a {@link DestinationLane} has set aside in the queue (unacknowledged, out of memory), and
 * which of their jobs: those after `after` up to `upTo` by queue seq.
 *
 * When the lane's memory is full and users' jobs waiting behind their retrying one take much of it, those users'
 * waiting jobs leave memory (the users with the most first, each with at least 1 % of the limit and 10, until half
 * the limit is left), and their jobs fetched meanwhile join them. Once a user's retrying job is done (delivered or
 * failed) their jobs are read back in order, a page per step while there is room. Without it one user's backlog
 * behind one failing event filled the lane and it fetched nothing more, so every other user's events waited too, up
 * to the whole retry window. Needs a queue that can hand a job out again (`DeliveryConsumer.reread`: the embedded one
 * reads it from `queue.db`; on JetStream the job is still unacknowledged in the router process, which keeps the
 * messages of its partitions until they are acknowledged); without one the lane stops fetching when full.
 */
export class SetAsideJobs {
  private readonly users = new Map<string, { after: number; upTo: number }>();

  constructor(
    private readonly consumer: DeliveryConsumer,
    private readonly logger: Logger,
    private readonly destinationId: string,
  ) {}

  /** Users with jobs set aside. */
  get size(): number {
    return this.users.size;
  }

  /** Fetched jobs minus those of users set aside (they stay set aside, in the queue, read back in order later). */
  admit(fetched: readonly DeliveryJob[]): readonly DeliveryJob[] {
    if (this.users.size === 0) return fetched;
    return fetched.filter((job) => {
      const aside = this.users.get(job.partitionKey);
      if (aside === undefined) return true;
      aside.upTo = Math.max(aside.upTo, job.seq);
      return false;
    });
  }

  /**
   * When `pending` fills `max`, sets aside the waiting jobs of the users with the most jobs held behind their retrying
   * one (`retrying`: users with a retrying head): the jobs to keep in memory.
   */
  setAsideHeld(pending: DeliveryJob[], retrying: ReadonlyMap<string, unknown>, max: number): DeliveryJob[] {
    if (this.consumer.reread === undefined || pending.length < max || retrying.size === 0) return pending;
    const held = new Map<string, number>();
    for (const job of pending) if (retrying.has(job.partitionKey)) held.set(job.partitionKey, (held.get(job.partitionKey) ?? 0) + 1);
    const least = Math.max(10, Math.floor(max / 100));
    const chosen = new Set<string>();
    let left = pending.length;
    for (const [key, count] of [...held].filter(([, n]) => n >= least).sort((a, b) => b[1] - a[1])) {
      if (left <= max / 2) break;
      chosen.add(key);
      left -= count;
    }
    if (chosen.size === 0) return pending;
    const kept: DeliveryJob[] = [];
    for (const job of pending) {
      if (!chosen.has(job.partitionKey)) {
        kept.push(job);
        continue;
      }
      // In seq order: the first one met is the key's lowest (a page read back and held again lowers `after`).
      const aside = this.users.get(job.partitionKey);
      if (aside === undefined) this.users.set(job.partitionKey, { after: job.seq - 1, upTo: job.seq });
      else {
        aside.after = Math.min(aside.after, job.seq - 1);
        aside.upTo = Math.max(aside.upTo, job.seq);
      }
    }
    this.logger.info(
      { destination: this.destinationId, jobs: pending.length - kept.length, users: chosen.size },
      "lane full: jobs waiting behind their users' retrying events set aside in the queue, read back once those are done",
    );
    return kept;
  }

  /** Whether a user whose retrying job is done has jobs to read back. */
  readable(retrying: ReadonlyMap<string, unknown>): boolean {
    for (const key of this.users.keys()) if (!retrying.has(key)) return true;
    return false;
  }

  /**
   * Reads back, a page per user while there is `room`, the jobs of users whose retrying job is done, in order;
   * `take` admits each page (a user's jobs fetched meanwhile stay set aside until the last page).
   */
  async readBack(retrying: ReadonlyMap<string, unknown>, room: () => number, take: (jobs: DeliveryJob[]) => Promise<void>): Promise<void> {
    const reread = this.consumer.reread;
    if (reread === undefined) return;
    for (const [key, aside] of this.users) {
      if (retrying.has(key)) continue;
      const want = Math.min(READ_BACK_PAGE, room());
      if (want <= 0) return;
      const jobs = await reread.call(this.consumer, key, aside.after, aside.upTo, want);
      if (jobs.length < want) this.users.delete(key);
      else aside.after = jobs[jobs.length - 1]!.seq;
      if (jobs.length > 0) await take(jobs);
    }
  }
}
