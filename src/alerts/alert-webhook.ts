import type { Keys } from '../core/crypto/keys.js';
import { isSluiceError } from '../core/errors.js';
import type { DestinationHttp } from '../destinations/destination.js';
import { classifyHttpStatus } from '../destinations/http-status.js';
import type { DestinationAlert } from '../store/store.js';
import type { AlertNotice } from './alert-notices.js';
import type { AlertWebhookFormat, AlertWebhookSettings } from './delivery-alert-settings.js';

const TIMEOUT_MS = 10_000;
const MASK = '********';

/** What a post to the alert webhook came to (the API's test answers it; the sweeper logs a failure). */
export type AlertWebhookResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly status?: number; readonly error: string };

/** What the post is about: the workspace, the destination and the episode, with the console's link. */
export interface AlertWebhookContext {
  readonly workspace: { readonly id: string; readonly name: string };
  readonly destination: { readonly id: string; readonly name: string; readonly type: string };
  readonly alert: DestinationAlert;
  /** The destination's page in the console (its delivery log). */
  readonly link: string;
}

/**
 * The body posted: for `slack`, an incoming-webhook message (`text` in Slack's mrkdwn, the subject in bold and a
 * link to the delivery log); for `json`, Sluice's own document with the same text and every field of the episode.
 */
export function alertWebhookBody(format: AlertWebhookFormat, notice: AlertNotice, context: AlertWebhookContext): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (format === 'slack') {
    return JSON.stringify({ text: [`*${escape(notice.subject)}*`, ...notice.paragraphs.map(escape), `<${context.link}|Open the delivery log>`].join('\n') });
  }
  const { alert } = context;
  return JSON.stringify({
    type: `destination.${notice.kind}`,
    text: [notice.subject, ...notice.paragraphs].join('\n'),
    workspace: context.workspace,
    destination: context.destination,
    alert: {
      id: alert.id,
      kind: alert.kind,
      openedAt: new Date(alert.openedAt).toISOString(),
      resolvedAt: alert.resolvedAt === null ? null : new Date(alert.resolvedAt).toISOString(),
      failures: alert.failures,
      attempts: alert.attempts,
      topReason: alert.topReason,
      lastError: alert.lastError,
      waiting: alert.waiting,
      oldestWaitingAt: alert.oldestWaitingAt === null ? null : new Date(alert.oldestWaitingAt).toISOString(),
    },
    link: context.link,
  });
}

/** A webhook URL as the API shows it: scheme and host only (a Slack webhook's path is its credential). */
export function maskAlertWebhookUrl(url: URL): string {
  return `${url.protocol}//${url.host}/${MASK}`;
}

/**
 * Posts alert notices to a workspace's webhook through the destinations' HTTP client, so the same guard refuses
 * private and loopback addresses (SLUICE_ALLOW_PRIVATE_DESTINATIONS) at connect time. One attempt: an alert that
 * could not be posted is logged and still emailed.
 */
export class AlertWebhook {
  constructor(
    private readonly http: DestinationHttp,
    private readonly keys: Keys,
  ) {}

  async post(webhook: AlertWebhookSettings, notice: AlertNotice, context: AlertWebhookContext): Promise<AlertWebhookResult> {
    let url: string;
    try {
      url = this.keys.decrypt(webhook.sealedUrl);
    } catch {
      return { ok: false, error: 'the webhook URL could not be decrypted (was SLUICE_SECRET_KEY changed?): set it again' };
    }
    try {
      const response = await this.http.send(
        { method: 'POST', url, headers: { 'content-type': 'application/json', 'user-agent': 'Sluice-Alerts/1' }, body: alertWebhookBody(webhook.format, notice, context) },
        { timeoutMs: TIMEOUT_MS },
      );
      const answer = classifyHttpStatus(response.status, response.headers, response.body);
      return answer.kind === 'ok' ? { ok: true, status: response.status } : { ok: false, status: response.status, error: answer.error };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: isSluiceError(error) ? `${error.code}: ${message}` : message };
    }
  }
}
