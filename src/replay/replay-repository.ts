import type { NewReplay, Replay, ReplayProgress } from './replay.js';

/**
 * Where replays are kept (store/sql/sql-replay-repository.ts). A process runs a replay while it holds its
 * lease; every write of a running replay names the lease it holds (`heldUntil`), so a process that lost the
 * lease (it stalled past it and another took over) or whose replay was cancelled learns it from `false`.
 */
export interface ReplayRepository {
  create(input: NewReplay, now: number): Promise<Replay>;
  get(workspaceId: string, id: string): Promise<Replay | undefined>;
  /** A destination's replays, newest first. */
  list(workspaceId: string, destinationId: string, limit: number): Promise<Replay[]>;
  /** Leases the oldest running replay no process holds (never held, or its lease ran out) until now + leaseMs. */
  claim(now: number, leaseMs: number): Promise<Replay | undefined>;
  /** Saves progress and moves the lease to `leaseUntil`; false when the replay no longer runs under `heldUntil`. */
  advance(id: string, heldUntil: number, progress: ReplayProgress, leaseUntil: number, now: number): Promise<boolean>;
  /** Ends a replay held under `heldUntil` as completed or failed; false when it no longer runs under it. */
  finish(id: string, heldUntil: number, outcome: { status: 'completed' | 'failed'; error?: string }, progress: ReplayProgress, now: number): Promise<boolean>;
  /** Cancels a running replay (its runner stops at its next write); the replay as it is now, undefined when unknown. */
  cancel(workspaceId: string, id: string, now: number): Promise<Replay | undefined>;
  /**
   * Records on a cancelled replay how far its runner got: the page it queued before it learnt of the cancel (its
   * write failed) is counted. Only progress further than the one saved (a runner that lost the lease earlier
   * never moves it back); false when nothing changed.
   */
  noteCancelledProgress(id: string, progress: ReplayProgress, now: number): Promise<boolean>;
}
