/** Why an episode of a destination failing ended. */
export const ALERT_RESOLUTIONS = ['recovered', 'destination_disabled', 'destination_deleted', 'alerts_off'] as const;
export type AlertResolution = (typeof ALERT_RESOLUTIONS)[number];

/** One episode of a destination failing (src/alerts/delivery-alerts.ts). */
export interface DestinationAlert {
  readonly id: string;
  readonly workspaceId: string;
  readonly destinationId: string;
  /** When the episode was opened (epoch ms). */
  readonly openedAt: number;
  /** Failed attempts (retrying or given up) in the window that opened it. */
  readonly failures: number;
  /** Every attempt with an outcome (delivered, retrying, failed) in that window. */
  readonly attempts: number;
  /** The most frequent failure reason in that window (`http_401`, `retries_exhausted`, ...; '' for attempts that are retried, which carry no reason code). */
  readonly topReason: string;
  /** The latest failed attempt's error as the delivery log has it (`HTTP 503: ...`, `connect ECONNREFUSED ...`); null when none was logged. */
  readonly lastError: string | null;
  readonly resolvedAt: number | null;
  readonly resolution: AlertResolution | null;
}

export type NewDestinationAlert = Omit<DestinationAlert, 'resolvedAt' | 'resolution'>;

/**
 * Episodes of destinations failing. At most one is open per destination, and opening or resolving one is a claim:
 * of several jobs processes doing it at once, exactly one gets `true` / the row, and only that one tells anybody.
 */
export interface DestinationAlertRepository {
  /** Opens an episode unless the destination has one open; true when this call opened it. */
  open(alert: NewDestinationAlert): Promise<boolean>;
  /** Resolves the destination's open episode; the episode as resolved, or undefined when none was open (or another process resolved it first). */
  resolve(workspaceId: string, destinationId: string, at: number, resolution: AlertResolution): Promise<DestinationAlert | undefined>;
  /** The workspace's open episodes. */
  openOf(workspaceId: string): Promise<DestinationAlert[]>;
  /** The workspace's episodes (optionally of one destination), newest first, at most `limit`. */
  list(workspaceId: string, options: { destinationId?: string; limit: number }): Promise<DestinationAlert[]>;
  /** Deletes episodes resolved before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
