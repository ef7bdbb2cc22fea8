import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ROLES, type Role } from '../config/config.js';
import type { Workspace } from '../core/workspace.js';
import type { Mailer } from '../mail/mailer.js';
import { missingRoles, ROLE_WORK, roleLastSeen } from '../runtime/process-heartbeat.js';
import type { RoleAlert, RoleAlertResolution } from '../store/role-alert-repository.js';
import type { Store } from '../store/store.js';
import { AlertLoop } from './alert-loop.js';
import { roleMissingNotice, roleRunningNotice } from './alert-notices.js';
import type { AlertWebhookOutbox } from './alert-webhook-outbox.js';
import { deliveryAlertSettingsOf } from './delivery-alert-settings.js';

/** A role no process has run for this long is an episode: a restart or a rolling deploy takes less. */
export const ROLE_MISSING_MS = 5 * 60_000;

export interface RoleAlertsOptions {
  readonly store: Store;
  readonly mailer: Mailer;
  readonly publicUrl: string;
  readonly logger: Logger;
  /** How often the processes are checked (SLUICE_DELIVERY_ALERT_CHECK_SECONDS, as for the other alerts). */
  readonly intervalMs: number;
  readonly webhook?: AlertWebhookOutbox;
}

/** What one check did (for tests and the log). */
export interface RoleCheck {
  readonly opened: RoleAlert[];
  readonly resolved: RoleAlert[];
}

/**
 * Role alerts, in the api and the jobs roles (each may be the one missing, so each watches the other): from the
 * processes' heartbeats (`process_heartbeats`), a role that no process has run for {@link ROLE_MISSING_MS} opens an
 * episode (a claim in the store: several checking processes tell it once) and every workspace with delivery alerts on
 * is told (email, alert webhook, PagerDuty `critical`); once a process runs it again the episode ends and they are told
 * again. Missing since: the last time a process with the role was seen (heartbeats are kept a day; a cleanly stopped
 * process removes its own) or this checker found one running, whichever is later, or, for a role not seen in that day,
 * this checker's first look. An episode opens only once this checker has itself watched for that long. The api role
 * is watched only once it has been seen in that day: an installation may run without the admin API for good (set up,
 * then left to collect), and is not told so every day.
 */
export class RoleAlerts extends AlertLoop {
  private firstLook: number | undefined;
  /**
   * When this checker last found each role running. A process stopped cleanly removes its heartbeat, so once a role's
   * processes are all stopped (a restart) the store no longer says when it last ran: without this the role would count
   * as missing since the first look, and a check landing in a restart's gap of seconds would open an episode.
   */
  private readonly lastRunning = new Map<Role, number>();

  constructor(private readonly options: RoleAlertsOptions) {
    super(options, 'which roles run', (before) => options.store.roleAlerts.prune(before));
  }

  /** One check: each role running or not, episodes opened and ended. */
  async check(now = Date.now()): Promise<RoleCheck> {
    const { store } = this.options;
    this.firstLook ??= now;
    const seen = await store.processes.seenSince(now - 24 * 3600_000);
    const lastSeen = roleLastSeen(seen);
    const watched = ROLES.filter((role) => role !== 'api' || lastSeen.has('api'));
    const missing = new Set(missingRoles(seen, now, watched));
    const open = new Map((await store.roleAlerts.openNow()).map((a) => [a.role, a]));
    const workspaces = await store.workspaces.list();
    const told = workspaces.filter((w) => deliveryAlertSettingsOf(w).enabled);
    const done: RoleCheck = { opened: [], resolved: [] };
    await this.history.pruneIfDue(now);
    for (const role of watched) if (!missing.has(role)) this.lastRunning.set(role, now);
    for (const role of ROLES) {
      const episode = open.get(role);
      if (!missing.has(role) || told.length === 0) {
        if (episode) await this.end(role, now, missing.has(role) ? 'alerts_off' : 'running', told, workspaces, done);
        continue;
      }
      const known = [lastSeen.get(role), this.lastRunning.get(role)].filter((at) => at !== undefined);
      const missingSince = known.length > 0 ? Math.max(...known) : this.firstLook;
      // And this checker has watched that long: when a whole deployment starts at once, a slow process has not noted
      // itself yet while the only row of its role may be that of one that died hours ago.
      if (episode || now - Math.max(missingSince, this.firstLook) < ROLE_MISSING_MS) continue;
      const alert = { id: `ralert_${randomUUID().replace(/-/g, '')}`, role, missingSince, openedAt: now };
      if (!(await store.roleAlerts.open(alert))) continue; // another checking process opened it
      const opened: RoleAlert = { ...alert, resolvedAt: null, resolution: null };
      done.opened.push(opened);
      this.options.logger.warn({ role, missingSinceMs: now - missingSince }, 'no process runs a role: role alert opened');
      for (const workspace of told) {
        await this.messenger.tell(workspace, roleMissingNotice({ workspaceName: workspace.name, alert: opened, stopped: ROLE_WORK[role] }), { role: opened }, '/', { role });
      }
    }
    return done;
  }

  /** Ends a role's episode: the `told` workspaces hear it runs again; the others only have a PagerDuty incident resolved. */
  private async end(role: Role, now: number, resolution: RoleAlertResolution, told: readonly Workspace[], workspaces: readonly Workspace[], done: RoleCheck): Promise<void> {
    const resolved = await this.options.store.roleAlerts.resolve(role, now, resolution);
    if (!resolved) return; // another checking process ended it
    done.resolved.push(resolved);
    this.options.logger.info({ role, missingForMs: now - resolved.missingSince }, 'a process runs the role again: role alert resolved');
    for (const workspace of workspaces) {
      if (told.includes(workspace)) await this.messenger.tell(workspace, roleRunningNotice({ alert: resolved }), { role: resolved }, '/', { role });
      else await this.messenger.endedQuietly(workspace, { role: resolved }, '/', { role });
    }
  }
}
