import type { Role } from '../config/config.js';

/** One episode of a role running in no process of the installation (src/alerts/role-alerts.ts). */
export interface RoleAlert {
  readonly id: string;
  readonly role: Role;
  /** Since when no process has run it: the last time one was seen, or when the checker first looked (epoch ms). */
  readonly missingSince: number;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
}

/** Episodes of roles missing. At most one is open per role; opening or resolving one is a claim (one process tells it). */
export interface RoleAlertRepository {
  /** Opens an episode unless one of its role is open; true when this call opened it. */
  open(alert: Omit<RoleAlert, 'resolvedAt'>): Promise<boolean>;
  /** Resolves the open episode of the role; the episode as resolved, or undefined when none was open (or another process resolved it). */
  resolve(role: Role, at: number): Promise<RoleAlert | undefined>;
  /** The open episodes. */
  openNow(): Promise<RoleAlert[]>;
  /** Deletes episodes resolved before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
