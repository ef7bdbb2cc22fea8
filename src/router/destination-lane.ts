import type { Logger } from 'pino';
import type { Destination, DeliveryRecord, DeliveryStatus } from '../core/destination.js';
import { isSluiceError } from '../core/errors.js';
import { RequestTimeoutError } from '../destinations/http/destination-http.js';
import { sleep } from '../core/sleep.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import { isHeldReason, pauseOfOutcome, resultsOfOutcome, type DeliveryItem, type DeliveryResult, type DestinationContext, type DestinationType } from '../destinations/destination.js';
import type { DeliveryConsumer, DeliveryJob } from '../queue/queue.js';
import type { DeliveryRepository, EventRepository } from '../store/store.js';
import { ERASED_REASON, type DeliveryGate } from './delivery-gate.js';
import { withPayloads, type SendableJob } from './job-payloads.js';
import { nextAttemptAt, type RetryPolicy } from './retry-policy.js';
import { SetAsideJobs } from './set-aside-jobs.js';

/** The reason recorded for a retry whose destination gave none (see DeliveryResult). */
const UNCLASSIFIED_RETRY = 'unclassified';
/** Most jobs a lane holds in memory (waiting behind a retrying user, or not yet sent). */
const MAX_PENDING = 10_000;
/** Longest a lane waits for new jobs before looking at its retries again. */
const IDLE_WAIT_MS = 250;
/**
 * A backlog's batches are sent one after another and their outcomes written together: at most this many
 * batches, and no further batch is started once this long has passed since the first one started (a slow
 * destination writes each batch's outcomes as soon as it answers).
 */
const MAX_BATCHES_PER_WRITE = 10;
const MAX_MS_PER_WRITE = 100;

/** Outcomes of the batches sent since the last write: delivery-log entries, and the jobs to acknowledge. */
interface Outcomes {
  readonly log: DeliveryRecord[];
  readonly finished: DeliveryJob[];
}

interface Attempts {
  /** Requests the job was part of, held back unsent included (the delivery log's `attempts`). */
  attempts: number;
  /**
   * Attempts that failed on its own account, the backoff's exponent: rounds held back behind something else
   * (held_for_user, held_for_pause, held_for_batch) say nothing about the destination and do not lengthen the wait.
   */
  failures: number;
  firstAt: number;
}

/**
 * A job as a destination sees it: the event parsed only if the destination reads it (the webhook sends the
 * job's JSON as it is). A class, so an item is one small object (a getter in an object literal would cost
 * a closure per job on the router's hottest path).
 */
class JobItem implements DeliveryItem {
  private parsed: SegmentEvent | undefined;

  constructor(private readonly job: SendableJob) {}

  get messageId(): string {
    return this.job.messageId;
  }

  get sourceId(): string {
    return this.job.sourceId;
  }

  get json(): string {
    return this.job.json;
  }

  get event(): SegmentEvent {
    return (this.parsed ??= JSON.parse(this.job.json) as SegmentEvent);
  }
}

/** A job's or a delivery-log row's event, as one string: two sources' events may share a messageId. */
function eventKeyOf(e: { sourceId: string; messageId: string }): string {
  return `${e.sourceId}\u0000${e.messageId}`;
}

/** What the lane reports for metrics and benchmarks. */
export interface LaneObserver {
  onOutcome?(destination: Destination, status: DeliveryStatus, reason: string | null, job: DeliveryJob): void;
  /**
   * Writing a batch's outcomes to the delivery log failed (the lane tries again, and sends nothing more until
   * it succeeds): a destination whose lane keeps failing here has stalled.
   */
  onRecordFailure?(destination: Destination, error: unknown): void;
}

export interface LaneDeps {
  readonly consumer: DeliveryConsumer;
  readonly deliveries: Pick<DeliveryRepository, 'record' | 'retrying' | 'pause' | 'pauseOf'>;
  /** Where the payloads of jobs queued by reference are read (job-payloads.ts). */
  readonly events: Pick<EventRepository, 'storedPayloads'>;
  readonly type: DestinationType<unknown>;
  readonly http: DestinationContext['http'];
  readonly logger: Logger;
  readonly policy: RetryPolicy;
  readonly observer?: LaneObserver;
  /** The last privacy check (suppressed, deleted or restricted since the job was queued); none in bare tests. */
  readonly gate?: DeliveryGate;
  /** Most jobs held in memory (default 10,000; tests lower it). */
  readonly maxPending?: number;
}

/**
 * Delivers one destination's jobs: its own loop, so a slow or failing destination never holds up another.
 *
 * - Batches up to the type's `maxBatchSize` (or the smaller size the destination's configuration asks for,
 *   `batchSizeOf`), one deliver() call at a time, in queue order.
 * - A job that fails with `retry` becomes its user's head: it is tried again after backoff with jitter
 *   (honouring Retry-After) and the same user's later jobs wait behind it (the barrier); other users flow.
 * - `abort` (also a non-retriable SluiceError thrown by deliver(), such as `destination_address_refused`),
 *   or running out of the retry window, fails the job (dead letter: visible as `failed` in the
 *   delivery log, retriable by hand); the barrier lifts.
 * - Outcomes are written to the delivery log (and finished jobs acknowledged) after each batch, or, through a
 *   backlog of a fast destination, once for up to 10 batches sent within 100 ms.
 * - A whole batch refused with Retry-After (429, or 503 with a maintenance time) pauses the destination, not
 *   only that batch's users: the server asked this client to wait (capped at the policy's longest delay).
 *   Retry-After on single items of a per-item answer (a tool throttling one user) holds back only their users.
 * - A `retrying` outcome keeps its retry state in the log (attempts, next attempt, first attempt). A job the
 *   queue hands out again (after a restart, or from another router process whose partition moved here) has it
 *   read back, so a job that was retrying waits for its next attempt, keeps counting attempts and keeps its
 *   retry window instead of starting over.
 * - A lane holds at most 10,000 jobs in memory. When they are full and users' jobs waiting behind their retrying
 *   ones take much of it, the queues that can hand a job out again (`DeliveryConsumer.reread`: both) let
 *   the lane set those users' waiting jobs aside, in the queue, and read them back in order once the retrying job is
 *   done; meanwhile their new jobs are set aside too, and every other user flows (`SetAsideJobs`).
 */
export class DestinationLane {
  private pending: DeliveryJob[] = [];
  /** Users' jobs set aside in the queue (not in memory) behind their retrying job. */
  private readonly setAside: SetAsideJobs;
  /** Per partition key: the job that is retrying (its user's later jobs wait). */
  private readonly heads = new Map<string, { job: DeliveryJob; nextAt: number }>();
  private readonly attempts = new Map<number, Attempts>();
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;
  /** Until when the destination asked to be left alone (Retry-After on a whole batch); 0 when it did not. */
  private pausedUntil = 0;
  /** A pause not yet written to the store: written after the outcomes of the batch that asked for it. */
  private unrecordedPause: { until: number; error: string } | undefined;

  constructor(
    private destination: Destination,
    private readonly deps: LaneDeps,
  ) {
    this.setAside = new SetAsideJobs(deps.consumer, deps.logger, destination.id);
  }

  get id(): string {
    return this.destination.id;
  }

  get workspaceId(): string {
    return this.destination.workspaceId;
  }

  /**
   * Jobs held in memory, users waiting on a retry, users whose waiting jobs are set aside in the queue, and until when
   * the destination asked to wait (for tests and metrics).
   */
  get state(): { pending: number; retrying: number; setAside: number; pausedUntil: number } {
    return { pending: this.pending.length, retrying: this.heads.size, setAside: this.setAside.size, pausedUntil: this.pausedUntil };
  }

  private get maxPending(): number {
    return this.deps.maxPending ?? MAX_PENDING;
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.deps.logger.error({ err: error, destination: this.destination.id }, 'destination lane stopped on an error');
    });
  }

  /** Applies a config change (the next batch uses it). */
  update(destination: Destination): void {
    this.destination = destination;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    // A pause the destination asked for before this lane started (a restart, another router) still holds.
    try {
      const saved = await this.deps.deliveries.pauseOf(this.destination.workspaceId, this.destination.id);
      if (saved && saved.until > this.pausedUntil) this.pausedUntil = saved.until;
    } catch (error) {
      this.deps.logger.warn({ err: error, destination: this.destination.id }, 'could not read whether the destination asked to wait; starting without');
    }
    while (!signal.aborted) {
      try {
        await this.step(signal);
      } catch (error) {
        this.deps.logger.error({ err: error, destination: this.destination.id }, 'destination lane step failed; retrying in 1 s');
        await sleep(1000, signal);
      }
    }
  }

  private async step(signal: AbortSignal): Promise<void> {
    {
      await this.setAside.readBack(this.heads, () => this.maxPending - this.pending.length, (jobs) => this.admit(jobs, true));
      const now = Date.now();
      const ready = this.hasReadyWork(now);
      if (this.pending.length < this.maxPending) {
        const waitMs = ready ? 0 : this.idleWaitMs(now);
        const jobs = await this.deps.consumer.fetch(Math.min(this.maxPending - this.pending.length, 1000), { signal, waitMs });
        await this.admit(jobs);
      } else if (!ready) {
        await sleep(this.idleWaitMs(now), signal);
      }
      this.pending = this.setAside.setAsideHeld(this.pending, this.heads, this.maxPending);
      if (signal.aborted) return;
      const outcomes: Outcomes = { log: [], finished: [] };
      const started = Date.now();
      try {
        for (let n = 0; n < MAX_BATCHES_PER_WRITE && !signal.aborted && Date.now() >= this.pausedUntil; n++) {
          this.dropRevoked();
          // Picked only after the previous batch's outcomes are applied, so a user whose job just failed waits.
          const batch = this.pickBatch(Date.now());
          if (batch.length === 0) break;
          await this.deliver(batch, outcomes);
          if (Date.now() - started >= MAX_MS_PER_WRITE) break;
        }
      } finally {
        // Also when a later batch failed: what was sent before it is written and acknowledged.
        if (outcomes.log.length > 0 || outcomes.finished.length > 0) await this.persist(outcomes.log, outcomes.finished);
        this.recordPause();
      }
    }
  }

  /**
   * Takes fetched jobs in. A job handed out before whose delivery is `retrying` in the log becomes its user's
   * retrying head again (waiting for its next attempt) unless an earlier job of that user is pending; the rest
   * queue up.
   */
  private async admit(fetched: readonly DeliveryJob[], readBack = false): Promise<void> {
    // A user whose waiting jobs are set aside: their new ones join them in the queue (read back in order later).
    const jobs = readBack ? fetched : this.setAside.admit(fetched);
    const states = await this.retryStatesOf(jobs);
    if (states.size === 0) {
      this.pending.push(...jobs);
      return;
    }
    const waiting = new Set(this.pending.map((j) => j.partitionKey));
    for (const job of jobs) {
      const state = states.get(eventKeyOf(job));
      if (state !== undefined) {
        // The log keeps no count of held rounds: an event last held back is taken as not having failed itself.
        const failures = state.reason !== null && isHeldReason(state.reason) ? 0 : state.attempts;
        this.attempts.set(job.seq, { attempts: state.attempts, failures, firstAt: state.firstAttemptAt ?? state.updatedAt });
        if (!this.heads.has(job.partitionKey) && !waiting.has(job.partitionKey)) {
          this.heads.set(job.partitionKey, { job, nextAt: state.nextAttemptAt ?? 0 });
          continue;
        }
      }
      this.pending.push(job);
      waiting.add(job.partitionKey);
    }
  }

  /** The delivery log's retry states of the jobs handed out before, by {@link eventKeyOf} (see the class comment). */
  private async retryStatesOf(jobs: readonly DeliveryJob[]): Promise<Map<string, DeliveryRecord>> {
    const states = new Map<string, DeliveryRecord>();
    const again = jobs.filter((job) => job.redelivered === true && !this.attempts.has(job.seq));
    if (again.length === 0) return states;
    try {
      for (const row of await this.deps.deliveries.retrying(this.destination.workspaceId, this.destination.id, again)) states.set(eventKeyOf(row), row);
    } catch (error) {
      // Not fatal: those jobs are tried again at once, their attempts counted from one.
      this.deps.logger.warn({ err: error, destination: this.destination.id }, 'could not read the retry states of the delivery log; retrying jobs start over');
    }
    return states;
  }

  private idleWaitMs(now: number): number {
    if (now < this.pausedUntil) return Math.min(IDLE_WAIT_MS, this.pausedUntil - now);
    let wait = IDLE_WAIT_MS;
    for (const head of this.heads.values()) wait = Math.min(wait, Math.max(0, head.nextAt - now));
    return wait;
  }

  private hasReadyWork(now: number): boolean {
    if (now < this.pausedUntil) return false;
    for (const head of this.heads.values()) if (head.nextAt <= now) return true;
    // Jobs set aside to read back, once there is room for them (a full lane waits for its sends to make room).
    if (this.pending.length < this.maxPending && this.setAside.readable(this.heads)) return true;
    return this.pending.some((job) => !this.heads.has(job.partitionKey));
  }

  /**
   * Drops the jobs the queue says this router may no longer deliver (scale mode: their partition is moving
   * to another router process, which delivers them instead) and hands them back. A retrying head in flight
   * stays until its outcome is known.
   */
  private dropRevoked(): void {
    const consumer = this.deps.consumer;
    if (!consumer.owns) return;
    const dropped: DeliveryJob[] = [];
    this.pending = this.pending.filter((job) => consumer.owns!(job) || (dropped.push(job), false));
    for (const [key, head] of this.heads) {
      if (head.nextAt === Number.POSITIVE_INFINITY || consumer.owns(head.job)) continue;
      this.heads.delete(key);
      dropped.push(head.job);
    }
    if (dropped.length === 0) return;
    for (const job of dropped) this.attempts.delete(job.seq);
    void consumer.giveBack?.(dropped).catch((error: unknown) => {
      this.deps.logger.error({ err: error, destination: this.destination.id }, 'could not hand back jobs of a partition that moved');
    });
  }

  /** Due retries first (oldest first), then pending jobs of users not waiting on a retry, in order. */
  private pickBatch(now: number): DeliveryJob[] {
    const type = this.deps.type;
    const max = Math.min(type.maxBatchSize, type.batchSizeOf?.(this.destination.config) ?? type.maxBatchSize);
    const batch: DeliveryJob[] = [];
    const due = [...this.heads.values()].filter((h) => h.nextAt <= now).sort((a, b) => a.job.seq - b.job.seq);
    for (const head of due) {
      if (batch.length >= max) break;
      batch.push(head.job);
      head.nextAt = Number.POSITIVE_INFINITY; // in flight
    }
    if (batch.length < max) {
      // Up to 10,000 jobs wait here: walk only as far as the batch needs, keep the rest in order.
      const skipped: DeliveryJob[] = [];
      let i = 0;
      for (; i < this.pending.length && batch.length < max; i++) {
        const job = this.pending[i]!;
        if (this.heads.has(job.partitionKey)) skipped.push(job);
        else batch.push(job);
      }
      // In place: copying the rest of up to 10,000 jobs for every batch was the router's largest allocation.
      if (i > 0) this.pending.splice(0, i, ...skipped);
    }
    return batch;
  }

  /** Sends one batch and applies its outcomes in memory (retries, barrier); adds what to write to `outcomes`. */
  private async deliver(all: DeliveryJob[], outcomes: Outcomes): Promise<void> {
    const destination = this.destination;
    // Events queued by reference are read now; withheld at the last moment: dropped with the reason, never
    // sent (an event no longer stored as `erased`). If the read or the check fails, nothing of the batch is
    // sent (it is retried like a failed delivery).
    let withheld = new Map<number, string>();
    let batch: SendableJob[] = [];
    let gateError: string | undefined;
    try {
      const { ready, gone } = await withPayloads(this.deps.events, all);
      for (const job of gone) withheld.set(job.seq, ERASED_REASON);
      if (this.deps.gate) for (const [seq, reason] of await this.deps.gate(ready)) withheld.set(seq, reason);
      batch = ready.filter((job) => !withheld.has(job.seq));
    } catch (error) {
      gateError = `reading the events or the privacy check before delivery failed: ${error instanceof Error ? error.message : String(error)}`;
      withheld = new Map();
    }
    // The jobs the results below are for: the batch sent, or every job when the checks before it failed.
    const tried: readonly DeliveryJob[] = gateError === undefined ? batch : all;
    const context: DestinationContext = { http: this.deps.http, logger: this.deps.logger, signal: this.controller.signal };
    // A first attempt is timed from when it started (the retry window counts from there).
    const startedAt = Date.now();
    let results: readonly DeliveryResult[];
    try {
      if (gateError !== undefined) throw new Error(gateError);
      if (batch.length === 0) results = [];
      else {
        const outcome = await this.deps.type.deliver(batch.map((job) => new JobItem(job)), destination.config, context);
        const pause = pauseOfOutcome(outcome);
        if (pause) this.pause(pause.afterMs, pause.error);
        results = resultsOfOutcome(outcome, batch.length);
        if (results.length !== batch.length) throw new Error(`${destination.type}.deliver returned ${results.length} results for ${batch.length} events`);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A refusal that sending again cannot change (e.g. destination_address_refused: the SSRF guard) fails
      // the batch at once; anything else thrown (network errors, timeouts, bugs) is retried.
      const refusal: DeliveryResult | undefined = isSluiceError(error) && !error.retriable ? { kind: 'abort', reason: error.code, error: message } : undefined;
      const retry: DeliveryResult = gateError !== undefined
        ? { kind: 'retry', reason: 'privacy_check_failed', error: message }
        : { kind: 'retry', reason: error instanceof RequestTimeoutError ? 'timeout' : 'delivery_error', error: message };
      results = tried.map(() => refusal ?? retry);
    }
    const now = Date.now();
    const { log, finished } = outcomes;
    const requeue: DeliveryJob[] = [];
    const resultOf = new Map(tried.map((job, i) => [job.seq, results[i]!] as const));
    all.forEach((job) => {
      const reason = withheld.get(job.seq);
      const result: DeliveryResult | { kind: 'withheld'; reason: string } = reason !== undefined ? { kind: 'withheld', reason } : resultOf.get(job.seq)!;
      const tries = this.attempts.get(job.seq) ?? { attempts: 0, failures: 0, firstAt: startedAt };
      tries.attempts += 1;
      const entry = (status: DeliveryStatus, reason: string | null, lastError: string | null): DeliveryRecord => ({
        workspaceId: job.workspaceId, destinationId: job.destinationId, messageId: job.messageId, sourceId: job.sourceId,
        status, attempts: tries.attempts, reason, lastError, updatedAt: now,
      });
      const isHead = this.heads.get(job.partitionKey)?.job.seq === job.seq;
      const finish = (record: DeliveryRecord, logged = true) => {
        if (logged) log.push(record);
        finished.push(job);
        this.attempts.delete(job.seq);
        if (isHead) this.heads.delete(job.partitionKey);
        this.deps.observer?.onOutcome?.(destination, record.status, record.reason, job);
      };
      // A job of a person erased since it was queued leaves no row (the erasure deleted theirs); it is still counted.
      if (result.kind === 'withheld') return finish(entry('dropped', result.reason, null), result.reason !== ERASED_REASON);
      if (result.kind === 'ok') {
        const delivered = entry('delivered', result.reason ?? null, result.note ?? null);
        // The first outcome of a job without a row, plain: the embedded log may keep it in a delivered run (decision 0109).
        // A job handed out again may have an outcome already (a row then tells the truth).
        if (job.unlogged && !job.redelivered && tries.attempts === 1 && delivered.reason === null && delivered.lastError === null && job.eventSeq !== undefined) delivered.runEventSeq = job.eventSeq;
        return finish(delivered);
      }
      if (result.kind === 'abort') return finish(entry('failed', result.reason, result.error));
      if (result.reason === undefined || !isHeldReason(result.reason)) tries.failures += 1;
      const at = nextAttemptAt(this.deps.policy, tries.firstAt, Math.max(1, tries.failures), now, result.afterMs);
      if (at === undefined) return finish(entry('failed', 'retries_exhausted', result.error));
      this.attempts.set(job.seq, tries);
      const retryReason = result.reason ?? UNCLASSIFIED_RETRY;
      const head = this.heads.get(job.partitionKey);
      // Behind an earlier retrying job of its user it has no time of its own: it goes once that one is done (the log
      // row says so by having no nextAttemptAt, instead of a time that passes while it waits).
      const waitsBehind = head !== undefined && head.job.seq < job.seq;
      log.push({ ...entry('retrying', retryReason, result.error), ...(!waitsBehind && { nextAttemptAt: at }), firstAttemptAt: tries.firstAt });
      this.deps.observer?.onOutcome?.(destination, 'retrying', retryReason, job);
      if (head === undefined || head.job.seq === job.seq) this.heads.set(job.partitionKey, { job, nextAt: at });
      else if (head.job.seq < job.seq) requeue.push(job); // waits behind its user's earlier retrying job
      else {
        // An earlier job of the user failed after a later one became head: the earlier one leads.
        requeue.push(head.job);
        this.heads.set(job.partitionKey, { job, nextAt: at });
      }
    });
    if (requeue.length > 0) this.pending = [...requeue, ...this.pending].sort((a, b) => a.seq - b.seq);
  }

  /** The destination refused a whole batch with Retry-After: nothing is sent to it before then (see the class comment). */
  private pause(afterMs: number, error: string): void {
    const until = Date.now() + Math.min(afterMs, this.deps.policy.maxDelayMs);
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.deps.logger.info({ destination: this.destination.id, until: new Date(until).toISOString(), error }, 'destination asked to wait (Retry-After): pausing all its deliveries');
    this.unrecordedPause = { until, error };
  }

  /**
   * Records the pause for the backlog API and for a lane started before it ends (a restart); the lane holds it
   * meanwhile. Written after the outcomes of the batch that asked for it, so the backlog never shows a pause
   * without the deliveries it holds back.
   */
  private recordPause(): void {
    const pause = this.unrecordedPause;
    if (pause === undefined) return;
    this.unrecordedPause = undefined;
    this.deps.deliveries.pause(this.destination.workspaceId, this.destination.id, pause.until, pause.error).catch((failure: unknown) => {
      this.deps.logger.warn({ err: failure, destination: this.destination.id }, 'could not record the pause the destination asked for');
    });
  }

  /** Writes the batches' outcomes and acknowledges finished jobs, insisting through store hiccups. */
  private async persist(log: DeliveryRecord[], finished: DeliveryJob[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.deliveries.record(log);
        await this.deps.consumer.ack(finished);
        return;
      } catch (error) {
        this.deps.logger.error({ err: error, destination: this.destination.id, attempt }, 'could not record delivery outcomes; retrying');
        this.deps.observer?.onRecordFailure?.(this.destination, error);
        if (this.controller.signal.aborted) return;
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * attempt)));
      }
    }
  }
}
