/**
 * A replay: stored events sent to one destination again, in the background, through the same decisions as
 * live traffic: a time range (oldest first) or the destination's failed deliveries. It survives restarts: its
 * position (`afterSeq` or `cursor`) is where the process that next holds its lease carries on.
 */
export const REPLAY_STATUSES = ['running', 'completed', 'cancelled', 'failed'] as const;
export type ReplayStatus = (typeof REPLAY_STATUSES)[number];

/**
 * What a replay sends: the stored events of a time range (`range`), or those whose delivery to the destination
 * failed (`failed`: "retry all failed", the failed deliveries as they were when it was asked for).
 */
export type ReplayKind = 'range' | 'failed';

/**
 * Where a replay of failed deliveries has got to in the delivery log: the last row read. Rows are read in the
 * order they failed (oldest first); a cursor without `oldestFirst` was saved by an earlier version, which read
 * newest first, and its replay carries on that way. `sourceId` tells apart two sources' events with one
 * messageId that failed in the same millisecond (a cursor saved before the log was keyed by source has none).
 */
export interface DeliveryCursor {
  readonly updatedAt: number;
  readonly messageId: string;
  readonly sourceId?: string;
  readonly oldestFirst?: true;
}

/** Which stored events a `range` replay sends: received in [from, to) (epoch ms), optionally narrowed. A `failed` replay's range is [0, when it was asked for). */
export interface ReplayRange {
  readonly from: number;
  readonly to: number;
  /** Only track events of this name. */
  readonly event?: string;
  /** Only events of this type (track, identify, ...). */
  readonly type?: string;
  readonly sourceId?: string;
}

/** How far a replay got: events read from the range, queued to the destination, withheld by the decisions. */
export interface ReplayProgress {
  readonly read: number;
  readonly queued: number;
  readonly dropped: number;
  /** seq of the last event read (a `range` replay); the next page starts after it. */
  readonly afterSeq: number;
  /** The last delivery-log row read (a `failed` replay); the next page starts after it. */
  readonly cursor: DeliveryCursor | null;
}

export interface Replay extends ReplayProgress {
  readonly id: string;
  readonly workspaceId: string;
  readonly destinationId: string;
  readonly kind: ReplayKind;
  readonly range: ReplayRange;
  readonly status: ReplayStatus;
  /** Events in the range when the replay was asked for (events of sources not connected to the destination included). */
  readonly total: number;
  /** Why a replay failed. */
  readonly error: string | null;
  /** Who asked: a member's or token's id, or `cli`. */
  readonly requestedBy: string;
  /** Until when the process running it holds it (epoch ms); null when none does. */
  readonly leaseUntil: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
}

export interface NewReplay {
  readonly workspaceId: string;
  readonly destinationId: string;
  /** Default `range`. */
  readonly kind?: ReplayKind;
  readonly range: ReplayRange;
  readonly total: number;
  readonly requestedBy: string;
  /** Set when the creating process runs the replay itself (the CLI); otherwise a runner claims it. */
  readonly leaseUntil?: number;
}

/**
 * Since when a running replay has had no process working on it: never claimed (its creation), released by a
 * runner that stopped, or its lease ran out (a runner that died); undefined while a runner holds it, and for a
 * finished one. Replays run in processes with the `jobs` role: a long wait means there is none.
 */
export function waitingSince(replay: Pick<Replay, 'status' | 'leaseUntil' | 'updatedAt'>, now: number): number | undefined {
  if (replay.status !== 'running') return undefined;
  if (replay.leaseUntil === null) return replay.updatedAt;
  return replay.leaseUntil < now ? replay.leaseUntil : undefined;
}
