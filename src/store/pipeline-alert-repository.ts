/** What a pipeline episode is about: events accepted long ago still waiting to be processed. */
export const PIPELINE_ALERT_KINDS = ['processing_behind'] as const;
export type PipelineAlertKind = (typeof PIPELINE_ALERT_KINDS)[number];

/** Why a pipeline episode ended: `caught_up` (nothing waits long any more) or `alerts_off` (no workspace wants alerts). */
export const PIPELINE_ALERT_RESOLUTIONS = ['caught_up', 'alerts_off'] as const;
export type PipelineAlertResolution = (typeof PIPELINE_ALERT_RESOLUTIONS)[number];

/** One episode of the installation's processing falling behind (src/alerts/processing-alerts.ts). */
export interface PipelineAlert {
  readonly id: string;
  readonly kind: PipelineAlertKind;
  /** When the episode was opened (epoch ms). */
  readonly openedAt: number;
  /** Events accepted before this time were still waiting when it opened (epoch ms). */
  readonly waitingSince: number;
  /** Events accepted and not yet processed when it opened. */
  readonly backlog: number;
  readonly resolvedAt: number | null;
  readonly resolution: PipelineAlertResolution | null;
}

export type NewPipelineAlert = Omit<PipelineAlert, 'resolvedAt' | 'resolution'>;

/**
 * Episodes of the installation's pipeline falling behind. At most one of a kind is open, and opening or resolving one
 * is a claim: of several jobs processes doing it at once, exactly one gets `true` / the row and tells anybody.
 */
export interface PipelineAlertRepository {
  /** Opens an episode unless one of its kind is open; true when this call opened it. */
  open(alert: NewPipelineAlert): Promise<boolean>;
  /** Resolves the open episode of that kind; the episode as resolved, or undefined when none was open (or another process resolved it first). */
  resolve(kind: PipelineAlertKind, at: number, resolution: PipelineAlertResolution): Promise<PipelineAlert | undefined>;
  /** The open episodes. */
  openNow(): Promise<PipelineAlert[]>;
  /** Episodes, newest first, at most `limit`. */
  list(limit: number): Promise<PipelineAlert[]>;
  /** Deletes episodes resolved before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
