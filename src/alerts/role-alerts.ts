import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ROLES, type Role } from '../config/config.js';
import type { Mailer } from '../mail/mailer.js';
import { PROCESS_GONE_MS, ROLE_WORK } from '../runtime/process-heartbeat.js';
import { WakeableLoop } from '../runtime/wakeable-loop.js';
import type { RoleAlert } from '../store/role-alert-repository.js';
import type { Store } from '../store/store.js';
import { AlertHistoryPruner } from './alert-history.js';
import { AlertMessenger } from './alert-messenger.js';
import { roleMissingNotice, roleRunningNotice } from './alert-notices.js';
import type { AlertWebhook } from './alert-webhook.js';
import { deliveryAlertSettingsOf } from './delivery-alert-settings.js';

/** A role no process has run for this long is an episode: a restart or a rolling deploy takes less. */
export const ROLE_MISSING_MS = 5 * 60_000;

/** The roles judged: the checker runs in api processes, so the api role is never missing where it runs. */
const JUDGED: readonly Role[] = ROLES.filter((r) => r !== 'api');

export interface RoleAlertsOptions {
  readonly store: Store;
  readonly mailer: Mailer;
  readonly publicUrl: string;
  readonly logger: Logger;
  /** How often the processes are checked (SLUICE_DELIVERY_ALERT_CHECK_SECONDS, as for the other alerts). */
  readonly intervalMs: number;
  readonly webhook?: AlertWebhook;
}

/** What one check did (for tests and the log). */
export interface RoleCheck {
  readonly opened: RoleAlert[];
  readonly resolved: RoleAlert[];
}

/**
 * Role alerts, in the api role (the jobs role, which sends the other alerts, may be the one missing): from the
 * processes' heartbeats (`process_heartbeats`), a role that no process has run for {@link ROLE_MISSING_MS} opens an
 * episode (a claim in the store: several api processes tell it once) and every workspace with delivery alerts on is
 * told (email, alert webhook, PagerDuty `critical`); once a process runs it again the episode ends and they are told
 * again. Missing since: the last time a process with the role was seen (heartbeats are kept a day), or, for a role not
 * seen in that day, this checker's first look.
 */
export class RoleAlerts extends WakeableLoop {
  private readonly messenger: AlertMessenger;
  private readonly history: AlertHistoryPruner;
  private firstLook: number | undefined;

  constructor(private readonly options: RoleAlertsOptions) {
    super({ pollMs: options.intervalMs, onError: (error) => options.logger.warn({ err: error }, 'could not check which roles run; checking again at the next interval') });
    this.messenger = new AlertMessenger(options);
    this.history = new AlertHistoryPruner((before) => options.store.roleAlerts.prune(before));
  }

  protected async step(): Promise<boolean> {
    await this.check();
    return false;
  }

  /** One check: each role running or not, episodes opened and ended. */
  async check(now = Date.now()): Promise<RoleCheck> {
    const { store } = this.options;
    this.firstLook ??= now;
    const seen = await store.processes.seenSince(now - 24 * 3600_000);
    const open = new Map((await store.roleAlerts.openNow()).map((a) => [a.role, a]));
    const told = (await store.workspaces.list()).filter((w) => deliveryAlertSettingsOf(w).enabled);
    const done: RoleCheck = { opened: [], resolved: [] };
    await this.history.pruneIfDue(now);
    for (const role of JUDGED) {
      const withRole = seen.filter((p) => p.roles.includes(role));
      const lastSeen = withRole.reduce<number | undefined>((latest, p) => (latest === undefined || p.seenAt > latest ? p.seenAt : latest), undefined);
      const running = lastSeen !== undefined && lastSeen >= now - PROCESS_GONE_MS;
      const episode = open.get(role);
      if (running || told.length === 0) {
        if (episode) await this.end(role, now, told.length === 0, done);
        continue;
      }
      const missingSince = lastSeen ?? this.firstLook;
      if (episode || now - missingSince < ROLE_MISSING_MS) continue;
      const alert = { id: `ralert_${randomUUID().replace(/-/g, '')}`, role, missingSince, openedAt: now };
      if (!(await store.roleAlerts.open(alert))) continue; // another api process opened it
      const opened: RoleAlert = { ...alert, resolvedAt: null };
      done.opened.push(opened);
      this.options.logger.warn({ role, missingSinceMs: now - missingSince }, 'no process runs a role: role alert opened');
      for (const workspace of told) {
        await this.messenger.tell(workspace, roleMissingNotice({ workspaceName: workspace.name, alert: opened, stopped: ROLE_WORK[role] }), { role: opened }, '/', { role });
      }
    }
    return done;
  }

  /** Ends a role's episode: told as running again, or (no workspace wants alerts) only a PagerDuty incident resolved. */
  private async end(role: Role, now: number, quietly: boolean, done: RoleCheck): Promise<void> {
    const resolved = await this.options.store.roleAlerts.resolve(role, now);
    if (!resolved) return; // another api process ended it
    done.resolved.push(resolved);
    this.options.logger.info({ role, missingForMs: now - resolved.missingSince }, 'a process runs the role again: role alert resolved');
    for (const workspace of await this.options.store.workspaces.list()) {
      if (quietly || !deliveryAlertSettingsOf(workspace).enabled) await this.messenger.endedQuietly(workspace, { role: resolved }, '/', { role });
      else await this.messenger.tell(workspace, roleRunningNotice({ alert: resolved }), { role: resolved }, '/', { role });
    }
  }
}
