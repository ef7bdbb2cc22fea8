import type { Role } from '../config/config.js';

/** How a role alert ended: a process runs the role again, or no workspace had alerts on any more (nobody was told). */
export const ROLE_ALERT_RESOLUTIONS = ['running', 'alerts_off'] as const;
export type RoleAlertResolution = (typeof ROLE_ALERT_RESOLUTIONS)[number];

/** One episode of a role running in no process of the installation (src/alerts/role-alerts.ts). */
export interface RoleAlert {
  readonly id: string;
  readonly role: Role;
  /** Since when no process has run it: the last time one was seen, or when the checker first looked (epoch ms). */
  readonly missingSince: number;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
  /** How it ended (null while open, and for episodes ended before migration 1100). */
  readonly resolution: RoleAlertResolution | null;
}

/** Episodes of roles missing. At most one is open per role; opening or resolving one is a claim (one process tells it). */
export interface RoleAlertRepository {
  /** Opens an episode unless one of its role is open; true when this call opened it. */
  open(alert: Omit<RoleAlert, 'resolvedAt' | 'resolution'>): Promise<boolean>;
  /** Resolves the open episode of the role; the episode as resolved, or undefined when none was open (or another process resolved it). */
  resolve(role: Role, at: number, resolution: RoleAlertResolution): Promise<RoleAlert | undefined>;
  /** The open episodes. */
  openNow(): Promise<RoleAlert[]>;
  /** The latest `limit` episodes, open or ended, newest first. */
  list(limit: number): Promise<RoleAlert[]>;
  /** Deletes episodes resolved before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
