import type { Workspace } from '../../core/workspace.js';
import { REGULATIONS, type Regulation } from './deadlines.js';

/** A workspace's privacy-request policy, kept under `settings.privacyRequests`. */
export interface RequestSettings {
  /** When true, a verified request waits in awaiting_approval for a privacy admin. Default false. */
  readonly requireApproval: boolean;
  /** The regulation applied when a request names none. Default `gdpr` (its one-month clock is the shorter). */
  readonly defaultRegulation: Regulation;
}

export const DEFAULT_REQUEST_SETTINGS: RequestSettings = { requireApproval: false, defaultRegulation: 'gdpr' };

export function requestSettingsOf(workspace: Pick<Workspace, 'settings'> | undefined): RequestSettings {
  const raw = workspace?.settings.privacyRequests;
  if (!raw || typeof raw !== 'object') return DEFAULT_REQUEST_SETTINGS;
  const record = raw as Record<string, unknown>;
  return {
    requireApproval: record.requireApproval === true,
    defaultRegulation: REGULATIONS.includes(record.defaultRegulation as Regulation) ? (record.defaultRegulation as Regulation) : 'gdpr',
  };
}
