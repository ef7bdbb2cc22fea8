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

/** What one post to the alert webhook came to (the API's test answers it). */
export type AlertWebhookResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly status?: number; readonly error: string };

/** One attempt's outcome: done (posted, or refused for good) or worth trying again, after `afterMs` when given (Retry-After). */
export type AlertWebhookAttempt = { readonly result: AlertWebhookResult; readonly again: false } | { readonly result: AlertWebhookResult; readonly again: true; readonly afterMs?: number };

/** A post ready to be made: where, what, its idempotency key, and the receiver it goes to (a keyed hash of URL and key). */
export interface PreparedAlertPost {
  readonly url: string;
  readonly body: string;
  readonly idempotencyKey: string;
  readonly receiver: string;
}

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
 * The key a receiver may dedupe posts by (the `Idempotency-Key` header of every post, and the JSON document's
 * `idempotencyKey`): one per episode and notice, the same on every attempt and from every process.
 */
export function alertIdempotencyKey(episodeId: string, noticeKind: string): string {
  return `${episodeId}:${noticeKind}`;
}

/**
 * The body posted: for `slack`, an incoming-webhook message (`text` in Slack's mrkdwn, the subject in bold and a
 * link to the console); for `json`, Sluice's own document with the same text and every field of the episode
 * (`type`: {@link WEBHOOK_TYPES}, `idempotencyKey`: {@link alertIdempotencyKey}); for `pagerduty`, an Events API v2 trigger or resolve keyed by the episode
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
    idempotencyKey: alertIdempotencyKey(episode.id, notice.kind),
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
 * private and loopback addresses (SLUICE_ALLOW_PRIVATE_DESTINATIONS) at connect time. One attempt per call: the
 * retries are the outbox's (`AlertWebhookOutbox`, kept in the store, so a restart or an outage of the receiver loses
 * nothing); the API's test makes one attempt, since a person waits for its answer.
 */
export class AlertWebhook {
  constructor(
    private readonly http: DestinationHttp,
    private readonly keys: Keys,
  ) {}

  /** The post of a notice: the URL and PagerDuty key decrypted, the body built; an error when they cannot be decrypted. */
  /**
   * Where a webhook's posts go, decrypted: its URL, and the receiver's pseudonym (the URL and PagerDuty key, which
   * the outbox tells one receiver from another by); an error when its secrets cannot be decrypted.
   */
  open(webhook: AlertWebhookSettings): { readonly url: string; readonly routingKey: string | undefined; readonly receiver: string } | { readonly error: string } {
    try {
      const url = this.keys.decrypt(webhook.sealedUrl);
      const routingKey = webhook.sealedRoutingKey === undefined ? undefined : this.keys.decrypt(webhook.sealedRoutingKey);
      return { url, routingKey, receiver: this.keys.pseudonym(`${url}\n${routingKey ?? ''}`, 'alert-webhook-receiver') };
    } catch {
      return { error: 'the webhook URL or key could not be decrypted (was SLUICE_SECRET_KEY changed?): set it again' };
    }
  }

  prepare(webhook: AlertWebhookSettings, notice: AlertNotice, context: AlertWebhookContext): PreparedAlertPost | { readonly error: string } {
    const opened = this.open(webhook);
    if ('error' in opened) return opened;
    return {
      url: opened.url,
      body: alertWebhookBody(webhook.format, notice, context, opened.routingKey),
      idempotencyKey: alertIdempotencyKey(episodeIdentity(context.about).id, notice.kind),
      receiver: opened.receiver,
    };
  }

  /** Posts the notice once (the API's test of the webhook). */
  async post(webhook: AlertWebhookSettings, notice: AlertNotice, context: AlertWebhookContext): Promise<AlertWebhookResult> {
    const prepared = this.prepare(webhook, notice, context);
    if ('error' in prepared) return { ok: false, error: prepared.error };
    return (await this.attempt(prepared.url, prepared.body, prepared.idempotencyKey)).result;
  }

  /**
   * One attempt: whether it is worth trying again (HTTP 429, 408, 5xx, a timeout, a network error), and after how long
   * when the receiver said (Retry-After).
   */
  async attempt(url: string, body: string, idempotencyKey: string): Promise<AlertWebhookAttempt> {
    try {
      const response = await this.http.send(
        { method: 'POST', url, headers: { 'content-type': 'application/json', 'user-agent': 'Sluice-Alerts/1', 'idempotency-key': idempotencyKey }, body },
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
