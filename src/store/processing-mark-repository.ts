/**
 * A mark of the inbox taken by the processing alerts (src/alerts/processing-alerts.ts): how far the inbox had been
 * published (`Queue.inboxMark`) when a check first saw it there. Events accepted before `at` are at or below `mark`.
 */
export interface ProcessingMark {
  readonly mark: number;
  /** The first check that saw the inbox at this mark (epoch ms). */
  readonly at: number;
  /** The latest check that saw it there (kept on the newest mark: when the inbox was last checked). */
  readonly checkedAt: number;
  /** Since when the inbox has been marked without a gap (carried from mark to mark). */
  readonly markingSince: number;
}

/**
 * The processing alerts' marks, kept in the store so a restarted jobs process (a deploy) goes on from the marks taken
 * before it, and several jobs processes judge from one set of marks.
 */
export interface ProcessingMarkRepository {
  /** The marks kept, oldest first. */
  list(): Promise<ProcessingMark[]>;
  /** Notes a check at `mark`: a new mark, or, for a mark already kept, its `checkedAt` and `markingSince` (its `at` stays). */
  note(mark: ProcessingMark): Promise<void>;
  /** Forgets the marks below `mark` (the processor has passed them). */
  forgetBelow(mark: number): Promise<void>;
  /** Forgets every mark (the inbox went back: its queue was recreated). */
  forgetAll(): Promise<void>;
}
