import type { Keys } from '../core/crypto/keys.js';
import { isSluiceError } from '../core/errors.js';
import type { DestinationHttp } from '../destinations/destination.js';
import { classifyHttpStatus } from '../destinations/http-status.js';
import type { DestinationAlert, PipelineAlert } from '../store/store.js';
import type { RoleAlert } from '../store/role-alert-repository.js';
import type { AlertNotice } from './alert-notices.js';
import type { AlertWebhookFormat, AlertWebhookSettings } from './delivery-alert-settings.js';
import { pagerDutyEvent, type OpeningKind } from './pagerduty-alert-event.js';

const TIMEOUT_MS = 10_000;
const MASK = '********';
/**
 * Waits before the second and third attempt of an alert whose post can succeed later (HTTP 429, 408, 5xx, a timeout,
 * a refused connection); a Retry-After longer than the wait is honoured up to {@link MAX_RETRY_AFTER_MS}.
 */
export const ALERT_RETRY_DELAYS_MS: readonly number[] = [2_000, 15_000];
const MAX_RETRY_AFTER_MS = 60_000;

/** What a post to the alert webhook came to (the API's test answers it; the sweeper logs a failure). */
export type AlertWebhookResult = PostOutcome & { readonly attempts: number };
type PostOutcome = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly status?: number; readonly error: string };

/** One attempt's outcome: done (posted, or refused for good) or worth trying again, after `afterMs` when given. */
type Attempt = { readonly result: PostOutcome; readonly again: false } | { readonly result: PostOutcome; readonly again: true; readonly afterMs?: number };

/** What the post is about: the workspace, and a destination's episode or the pipeline's, with the console's link. */
export interface AlertWebhookContext {
  readonly workspace: { readonly id: string; readonly name: string };
  readonly about:
    | { readonly destination: { readonly id: string; readonly name: string; readonly type: string }; readonly alert: DestinationAlert }
    | { readonly pipeline: PipelineAlert }
    | { readonly role: RoleAlert };
  /** The console page to open (the destination's delivery log, or the overview). */
  readonly link: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * A destination's episode as the messages carry it, and the console page they link to (its delivery log): the
 * destination as it is now, or, once deleted, named by its id.
 */
export function destinationEpisode(
  alert: DestinationAlert,
  destination: { readonly id: string; readonly name: string; readonly type: string } | undefined,
): { readonly about: AlertWebhookContext['about']; readonly path: string } {
  const named = destination ? { id: destination.id, name: destination.name, type: destination.type } : { id: alert.destinationId, name: alert.destinationId, type: 'deleted' };
  return { about: { destination: named, alert }, path: `/destinations/${encodeURIComponent(alert.destinationId)}` };
}

/**
 * What an episode is, whatever it is about: its id (PagerDuty's dedup key), the component it concerns (a destination's
 * name, "processing", "<role> role"), and whether it is the console's overview it links to rather than a delivery log.
 * The kind of notice that ends it is `resolvingKindOf(opening)`.
 */
export function episodeIdentity(about: AlertWebhookContext['about']): { readonly id: string; readonly component: string; readonly opening: OpeningKind; readonly installationWide: boolean } {
  if ('role' in about) return { id: about.role.id, component: `${about.role.role} role`, opening: 'role_missing', installationWide: true };
  if ('pipeline' in about) return { id: about.pipeline.id, component: 'processing', opening: about.pipeline.kind, installationWide: true };
  return { id: about.alert.id, component: about.destination.name, opening: about.alert.kind, installationWide: false };
}

/** The JSON document's episode: every field, times as ISO 8601. */
function episodeOf(about: AlertWebhookContext['about']): Record<string, unknown> {
  if ('role' in about) {
    const { role } = about;
    return { roleAlert: { id: role.id, role: role.role, missingSince: iso(role.missingSince), openedAt: iso(role.openedAt), resolvedAt: iso(role.resolvedAt) } };
  }
  if ('pipeline' in about) {
    const { pipeline } = about;
    return { pipelineAlert: { id: pipeline.id, kind: pipeline.kind, openedAt: iso(pipeline.openedAt), resolvedAt: iso(pipeline.resolvedAt), waitingSince: iso(pipeline.waitingSince), backlog: pipeline.backlog } };
  }
  const { alert } = about;
  return {
    destination: about.destination,
    alert: {
      id: alert.id,
      kind: alert.kind,
      openedAt: iso(alert.openedAt),
      resolvedAt: iso(alert.resolvedAt),
      failures: alert.failures,
      attempts: alert.attempts,
      topReason: alert.topReason,
      lastError: alert.lastError,
      waiting: alert.waiting,
      oldestWaitingAt: iso(alert.oldestWaitingAt),
    },
  };
}

/** The JSON document's `type` of each notice (the API's and docs/destinations.md's names). */
const WEBHOOK_TYPES: Record<AlertNotice['kind'], string> = {
  failing: 'destination.failing',
  delivering_again: 'destination.delivering_again',
  falling_behind: 'destination.falling_behind',
  caught_up: 'destination.caught_up',
  processing_behind: 'pipeline.processing_behind',
  processing_caught_up: 'pipeline.caught_up',
  role_missing: 'installation.role_missing',
  role_running: 'installation.role_running',
};

/**
 * The body posted: for `slack`, an incoming-webhook message (`text` in Slack's mrkdwn, the subject in bold and a
 * link to the console); for `json`, Sluice's own document with the same text and every field of the episode
 * (`type`: {@link WEBHOOK_TYPES}); for `pagerduty`, an Events API v2 trigger or resolve keyed by the episode
 * (`routingKey` is then the integration key).
 */
export function alertWebhookBody(format: AlertWebhookFormat, notice: AlertNotice, context: AlertWebhookContext, routingKey = ''): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const episode = episodeIdentity(context.about);
  if (format === 'slack') {
    return JSON.stringify({ text: [`*${escape(notice.subject)}*`, ...notice.paragraphs.map(escape), `<${context.link}|${episode.installationWide ? 'Open the console' : 'Open the delivery log'}>`].join('\n') });
  }
  if (format === 'pagerduty') {
    const { about } = context;
    return JSON.stringify(
      pagerDutyEvent({
        routingKey,
        notice,
        episodeId: episode.id,
        component: episode.component,
        workspaceName: context.workspace.name,
        link: context.link,
        details: { workspace: context.workspace, ...episodeOf(about) },
      }),
    );
  }
  return JSON.stringify({
    type: WEBHOOK_TYPES[notice.kind],
    text: [notice.subject, ...notice.paragraphs].join('\n'),
    workspace: context.workspace,
    ...episodeOf(context.about),
    link: context.link,
  });
}

/** A webhook URL as the API shows it: scheme and host only (a Slack webhook's path is its credential). */
export function maskAlertWebhookUrl(url: URL): string {
  return `${url.protocol}//${url.host}/${MASK}`;
}

/**
 * Posts alert notices to a workspace's webhook through the destinations' HTTP client, so the same guard refuses
 * private and loopback addresses (SLUICE_ALLOW_PRIVATE_DESTINATIONS) at connect time. A post that can succeed later
 * (429, 408, 5xx, a timeout, a network error) is tried again after {@link ALERT_RETRY_DELAYS_MS} (three attempts in
 * about 20 seconds: Slack's brief outages); one still failing is logged by the caller, and the email still goes. Kept
 * this short on purpose: an alert hours late is noise, and a channel that needs durable retries is a destination.
 */
export class AlertWebhook {
  constructor(
    private readonly http: DestinationHttp,
    private readonly keys: Keys,
    private readonly retryDelaysMs: readonly number[] = ALERT_RETRY_DELAYS_MS,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Posts the notice; `once` makes a single attempt (the API's test, where a person waits for the answer). */
  async post(webhook: AlertWebhookSettings, notice: AlertNotice, context: AlertWebhookContext, options: { once?: boolean } = {}): Promise<AlertWebhookResult> {
    let url: string;
    let routingKey: string | undefined;
    try {
      url = this.keys.decrypt(webhook.sealedUrl);
      routingKey = webhook.sealedRoutingKey === undefined ? undefined : this.keys.decrypt(webhook.sealedRoutingKey);
    } catch {
      return { ok: false, error: 'the webhook URL or key could not be decrypted (was SLUICE_SECRET_KEY changed?): set it again', attempts: 0 };
    }
    const body = alertWebhookBody(webhook.format, notice, context, routingKey);
    const delays = options.once ? [] : this.retryDelaysMs;
    for (let attempt = 1; ; attempt++) {
      const tried = await this.attempt(url, body);
      const delay = delays[attempt - 1];
      if (!tried.again || delay === undefined) return { ...tried.result, attempts: attempt };
      await this.sleep(Math.min(MAX_RETRY_AFTER_MS, Math.max(delay, tried.afterMs ?? 0)));
    }
  }

  private async attempt(url: string, body: string): Promise<Attempt> {
    try {
      const response = await this.http.send(
        { method: 'POST', url, headers: { 'content-type': 'application/json', 'user-agent': 'Sluice-Alerts/1' }, body },
        { timeoutMs: TIMEOUT_MS },
      );
      const answer = classifyHttpStatus(response.status, response.headers, response.body);
      if (answer.kind === 'ok') return { result: { ok: true, status: response.status }, again: false };
      const result = { ok: false as const, status: response.status, error: answer.error };
      return answer.kind === 'retry' ? { result, again: true, ...(answer.afterMs !== undefined && { afterMs: answer.afterMs }) } : { result, again: false };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Refused by Sluice itself (the address guard, a malformed URL): trying again changes nothing.
      if (isSluiceError(error)) return { result: { ok: false, error: `${error.code}: ${message}` }, again: false };
      return { result: { ok: false, error: message }, again: true };
    }
  }
}
