/**
 * What an episode is about: `failing` (most of a destination's recent delivery attempts failed) or `falling_behind`
 * (its oldest delivery not yet tried has waited longer than the workspace allows).
 */
export const ALERT_KINDS = ['failing', 'falling_behind'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Why an episode ended: `recovered` (delivering again) and `caught_up` (nothing waits too long any more) end the two kinds. */
export const ALERT_RESOLUTIONS = ['recovered', 'caught_up', 'destination_disabled', 'destination_deleted', 'alerts_off'] as const;
export type AlertResolution = (typeof ALERT_RESOLUTIONS)[number];

/** One episode of a destination failing or falling behind (src/alerts/delivery-alerts.ts). */
export interface DestinationAlert {
  readonly id: string;
  readonly workspaceId: string;
  readonly destinationId: string;
  readonly kind: AlertKind;
  /** When the episode was opened (epoch ms). */
  readonly openedAt: number;
  /** Failed attempts (retrying or given up) in the window that opened it (0 for `falling_behind`). */
  readonly failures: number;
  /** Every attempt with an outcome (delivered, retrying, failed) in that window (0 for `falling_behind`). */
  readonly attempts: number;
  /** The most frequent failure reason in that window (`http_401`, `retries_exhausted`, ...; '' for attempts that are retried, which carry no reason code, and for `falling_behind`). */
  readonly topReason: string;
  /** The latest failed attempt's error as the delivery log has it (`HTTP 503: ...`, `connect ECONNREFUSED ...`); null when none was logged. */
  readonly lastError: string | null;
  /** `falling_behind`: deliveries not yet tried when it opened (null for `failing`). */
  readonly waiting: number | null;
  /** `falling_behind`: when the oldest of them was queued (epoch ms; null for `failing`). */
  readonly oldestWaitingAt: number | null;
  /** When its opening was told (emailed, posted); null while it has not been (its destination's alerts were muted). */
  readonly notifiedAt: number | null;
  readonly resolvedAt: number | null;
  readonly resolution: AlertResolution | null;
}

export type NewDestinationAlert = Omit<DestinationAlert, 'resolvedAt' | 'resolution'>;

/**
 * Episodes of destinations failing or falling behind. At most one of each kind is open per destination, and opening
 * or resolving one is a claim: of several jobs processes doing it at once, exactly one gets `true` / the row, and
 * only that one tells anybody.
 */
export interface DestinationAlertRepository {
  /** Opens an episode unless the destination has one of that kind open; true when this call opened it. */
  open(alert: NewDestinationAlert): Promise<boolean>;
  /** Resolves the destination's open episode of that kind; the episode as resolved, or undefined when none was open (or another process resolved it first). */
  resolve(workspaceId: string, destinationId: string, kind: AlertKind, at: number, resolution: AlertResolution): Promise<DestinationAlert | undefined>;
  /** Records that an open episode's opening was told; true when this call did (of several processes, one tells it). */
  markNotified(workspaceId: string, id: string, at: number): Promise<boolean>;
  /** The workspace's open episodes. */
  openOf(workspaceId: string): Promise<DestinationAlert[]>;
  /** The workspace's episodes (optionally of one destination), newest first, at most `limit`. */
  list(workspaceId: string, options: { destinationId?: string; limit: number }): Promise<DestinationAlert[]>;
  /** Deletes episodes resolved before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
