import type { Logger } from 'pino';
import type { RoleName } from '../core/api-token.js';
import type { Workspace } from '../core/workspace.js';
import type { Mailer } from '../mail/mailer.js';
import type { Store } from '../store/store.js';
import { alertEmail, type AlertNotice } from './alert-notices.js';
import type { AlertWebhookContext } from './alert-webhook.js';
import type { AlertWebhookOutbox, AlertWebhookSent } from './alert-webhook-outbox.js';
import { alertWebhookOf, type AlertWebhookSettings } from './delivery-alert-settings.js';
import { quietEndNotice } from './pagerduty-handover.js';

/** Who is told: the people who can act on a destination or the pipeline (fix its configuration, or the endpoint). */
export const ALERT_RECIPIENT_ROLES: readonly RoleName[] = ['owner', 'admin', 'engineer'];

export interface AlertMessengerOptions {
  readonly store: Pick<Store, 'members'>;
  readonly mailer: Mailer;
  readonly logger: Logger;
  /** The console's address, for the links in the messages. */
  readonly publicUrl: string;
  /** Posts to a workspace's alert webhook (Slack, JSON or PagerDuty), where one is set, durably; without it alerts are only emailed. */
  readonly webhook?: AlertWebhookOutbox;
}

/**
 * Tells a workspace of an alert: posts the notice to its alert webhook if one is set (through the durable outbox: the
 * first attempt now, retries later), and emails its active owners,
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
    await this.post(this.options.webhook, workspace, webhook, quietEndNotice(about), { workspace: { id: workspace.id, name: workspace.name }, about, link: this.linkTo(path) }, log, 'PagerDuty incident of an ended alert');
  }

  /** `path` is the console page the messages link to (`/destinations/<id>`, `/`); `log` adds fields to the log lines. */
  async tell(workspace: Workspace, notice: AlertNotice, about: AlertWebhookContext['about'], path: string, log: Record<string, unknown>): Promise<void> {
    const link = this.linkTo(path);
    const webhook = alertWebhookOf(workspace);
    if (webhook && this.options.webhook) {
      await this.post(this.options.webhook, workspace, webhook, notice, { workspace: { id: workspace.id, name: workspace.name }, about, link }, log, 'alert');
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

  /**
   * Hands the notice to the webhook's outbox and logs a first attempt the webhook did not take (retried later, or given
   * up); a post that could not even be stored (the store unreachable) is logged too, so the emails still go.
   */
  private async post(outbox: AlertWebhookOutbox, workspace: Workspace, webhook: AlertWebhookSettings, notice: AlertNotice, context: AlertWebhookContext, log: Record<string, unknown>, what: string): Promise<void> {
    const fields = { workspaceId: workspace.id, ...log };
    let sent: AlertWebhookSent;
    try {
      sent = await outbox.send(workspace.id, webhook, notice, context);
    } catch (error) {
      this.options.logger.warn({ ...fields, err: error }, `${what} not posted to the workspace's alert webhook: it could not be stored for its attempts (emails still go)`);
      return;
    }
    if (sent.state === 'pending') {
      this.options.logger.warn({ ...fields, error: sent.error, nextAttemptAt: new Date(sent.nextAttemptAt).toISOString() }, `${what} not taken by the workspace's alert webhook yet: tried again with backoff for up to an hour (emails go now)`);
    } else if (sent.state === 'given_up') {
      this.options.logger.warn({ ...fields, error: sent.error }, `${what} not posted to the workspace's alert webhook: refused for good (emails still go)`);
    }
  }

  /** The console page at `path` (`/destinations/<id>`, `/`, `/account`). */
  private linkTo(path: string): string {
    return `${this.options.publicUrl.replace(/\/+$/, '')}${path}`;
  }
}
