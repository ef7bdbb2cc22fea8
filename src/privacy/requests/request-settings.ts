import type { Workspace } from '../../core/workspace.js';
import { REGULATIONS, type Regulation } from './deadlines.js';

/** A workspace's privacy-request policy, kept under `settings.privacyRequests`. */
export interface RequestSettings {
  /** When true, a verified request waits in awaiting_approval for a privacy admin. Default false. */
  readonly requireApproval: boolean;
  /** The regulation applied when a request names none. Default `gdpr` (its one-month clock is the shorter). */
  readonly defaultRegulation: Regulation;
  /**
   * Days after which a request made on the hosted page and never verified (its emailed code not entered) is
   * denied, the subject told why (unverified-requests.ts); 0: never, such requests wait for an admin. Default 7;
   * at most 28, so the answer always lands before the shortest deadline (the GDPR's month).
   */
  readonly closeUnverifiedAfterDays: number;
}

/** The longest `closeUnverifiedAfterDays`: the GDPR's one month is never shorter than 28 days. */
export const MAX_CLOSE_UNVERIFIED_DAYS = 28;

export const DEFAULT_REQUEST_SETTINGS: RequestSettings = { requireApproval: false, defaultRegulation: 'gdpr', closeUnverifiedAfterDays: 7 };

export function requestSettingsOf(workspace: Pick<Workspace, 'settings'> | undefined): RequestSettings {
  const raw = workspace?.settings.privacyRequests;
  if (!raw || typeof raw !== 'object') return DEFAULT_REQUEST_SETTINGS;
  const record = raw as Record<string, unknown>;
  return {
    requireApproval: record.requireApproval === true,
    defaultRegulation: REGULATIONS.includes(record.defaultRegulation as Regulation) ? (record.defaultRegulation as Regulation) : 'gdpr',
    closeUnverifiedAfterDays: closeUnverifiedAfterDaysOf(record.closeUnverifiedAfterDays),
  };
}

function closeUnverifiedAfterDaysOf(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_CLOSE_UNVERIFIED_DAYS) return value;
  return DEFAULT_REQUEST_SETTINGS.closeUnverifiedAfterDays;
}
