import type { Logger } from 'pino';
import type { RoleName } from '../core/api-token.js';
import type { Workspace } from '../core/workspace.js';
import type { Mailer } from '../mail/mailer.js';
import type { Store } from '../store/store.js';
import { alertEmail, type AlertNotice } from './alert-notices.js';
import type { AlertWebhook, AlertWebhookContext } from './alert-webhook.js';
import { alertWebhookOf } from './delivery-alert-settings.js';
import { quietEndNotice } from './pagerduty-handover.js';

/** Who is told: the people who can act on a destination or the pipeline (fix its configuration, or the endpoint). */
export const ALERT_RECIPIENT_ROLES: readonly RoleName[] = ['owner', 'admin', 'engineer'];

export interface AlertMessengerOptions {
  readonly store: Pick<Store, 'members'>;
  readonly mailer: Mailer;
  readonly logger: Logger;
  /** The console's address, for the links in the messages. */
  readonly publicUrl: string;
  /** Posts to a workspace's alert webhook (Slack or JSON), where one is set; without it alerts are only emailed. */
  readonly webhook?: AlertWebhook;
}

/**
 * Tells a workspace of an alert: posts the notice to its alert webhook if one is set, and emails its active owners,
 * admins and engineers who did not turn these emails off. Failures are logged, never thrown: one unreachable mail
 * server or webhook does not stop the others being told.
 */
export class AlertMessenger {
  constructor(private readonly options: AlertMessengerOptions) {}

  /**
   * An episode whose opening was told ended without anyone being told of the end (its destination was disabled or
   * deleted, alerts were turned off, or it ended while its destination was muted): a PagerDuty incident is resolved,
   * so it does not stay open; nobody is emailed, and Slack and JSON webhooks get nothing, as before.
   */
  async endedQuietly(workspace: Workspace, about: AlertWebhookContext['about'], path: string, log: Record<string, unknown>): Promise<void> {
    const webhook = alertWebhookOf(workspace);
    if (webhook?.format !== 'pagerduty' || !this.options.webhook) return;
    const posted = await this.options.webhook.post(webhook, quietEndNotice(about), { workspace: { id: workspace.id, name: workspace.name }, about, link: this.linkTo(path) });
    if (!posted.ok) this.options.logger.warn({ workspaceId: workspace.id, ...log, error: posted.error, attempts: posted.attempts }, 'PagerDuty incident of an ended alert not resolved');
  }

  /** `path` is the console page the messages link to (`/destinations/<id>`, `/`); `log` adds fields to the log lines. */
  async tell(workspace: Workspace, notice: AlertNotice, about: AlertWebhookContext['about'], path: string, log: Record<string, unknown>): Promise<void> {
    const link = this.linkTo(path);
    const webhook = alertWebhookOf(workspace);
    if (webhook && this.options.webhook) {
      const posted = await this.options.webhook.post(webhook, notice, { workspace: { id: workspace.id, name: workspace.name }, about, link });
      if (!posted.ok) this.options.logger.warn({ workspaceId: workspace.id, ...log, error: posted.error, attempts: posted.attempts }, "alert not posted to the workspace's alert webhook (it is still emailed)");
    }
    const members = (await this.options.store.members.list(workspace.id)).filter((m) => m.status === 'active' && ALERT_RECIPIENT_ROLES.includes(m.role) && !m.deliveryAlertEmailsOptOut);
    if (members.length === 0) {
      this.options.logger.warn({ workspaceId: workspace.id, ...log }, 'alert: no active owner, admin or engineer to email (the console and the API show it)');
      return;
    }
    for (const member of members) {
      const sent = await this.options.mailer.send(alertEmail(notice, { to: member.email, workspaceId: workspace.id, workspaceName: workspace.name, link, accountLink: this.linkTo('/account') }));
      if (!sent.ok) this.options.logger.warn({ workspaceId: workspace.id, ...log, memberId: member.id, reason: sent.reason }, 'alert email not sent');
    }
  }

  /** The console page at `path` (`/destinations/<id>`, `/`, `/account`). */
  private linkTo(path: string): string {
    return `${this.options.publicUrl.replace(/\/+$/, '')}${path}`;
  }
}
