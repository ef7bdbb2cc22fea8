import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { SegmentEvent } from '../protocol/segment-event.js';

/**
 * What one delivery attempt came to. Expected outcomes are values: the router retries `retry` with
 * backoff (honouring `afterMs`, e.g. from Retry-After), gives up at once on `abort`. A `retry`'s `reason` is a
 * code for why (`http_503`, `timeout`, `network_error`, or one of {@link HELD_REASONS} for an item that was
 * not sent at all); the delivery log, the counters and delivery alerts show it. Without one the router records
 * `unclassified`.
 */
export type DeliveryResult =
  | DeliveredResult
  | { readonly kind: 'retry'; readonly error: string; readonly afterMs?: number; readonly reason?: string }
  | { readonly kind: 'abort'; readonly reason: string; readonly error: string };

/**
 * Delivered. Most deliveries are exactly that (`{kind: 'ok'}`); one the destination accepted only in part, or whose
 * answer could not be read, carries a `reason` code and a `note` saying what (e.g. `properties_left_out`: the
 * properties the account does not define and how to create them), which the delivery log keeps as the delivered
 * row's `reason` and `lastError`.
 */
export type DeliveredResult = { readonly kind: 'ok'; readonly reason?: string; readonly note?: string };

/**
 * Retry reasons of items that were not sent in the attempt (held back behind something else): they say
 * nothing about whether the destination works, so delivery alerts do not count them as failed attempts.
 */
export const HELD_REASONS = {
  /** An earlier event of the same user was not delivered; this one waits behind it (per-user order). */
  user: 'held_for_user',
  /** The endpoint asked this client to wait (Retry-After); nothing more is sent before then. */
  pause: 'held_for_pause',
  /** An earlier part of a batch cut in parts was not delivered; the rest waits. */
  batch: 'held_for_batch',
} as const;

const HELD = new Set<string>(Object.values(HELD_REASONS));

/** Whether a retry reason is one of {@link HELD_REASONS}. */
export function isHeldReason(reason: string): boolean {
  return HELD.has(reason);
}

/**
 * A batch attempt: one result for the whole batch, or one per item (partial success, e.g. Mixpanel). A
 * whole-batch `retry` with `afterMs` pauses the destination (the server asked this client to wait); a per-item
 * answer does that with `pause`, e.g. when one of several requests was refused with 429 and Retry-After.
 */
export type DeliveryOutcome =
  | DeliveryResult
  | { readonly kind: 'per_item'; readonly results: readonly DeliveryResult[]; readonly pause?: DestinationPause };

/** The endpoint asked this client to wait (Retry-After): how long, and its answer. */
export interface DestinationPause {
  readonly afterMs: number;
  readonly error: string;
}

/** An outcome for a batch of `count` items as one result per item. */
export function resultsOfOutcome(outcome: DeliveryOutcome, count: number): readonly DeliveryResult[] {
  return outcome.kind === 'per_item' ? outcome.results : Array.from({ length: count }, () => outcome);
}

/** The wait an outcome asks for the whole destination (a refusal with Retry-After), if it asks for one. */
export function pauseOfOutcome(outcome: DeliveryOutcome): DestinationPause | undefined {
  if (outcome.kind === 'per_item') return outcome.pause;
  return outcome.kind === 'retry' && outcome.afterMs !== undefined ? { afterMs: outcome.afterMs, error: outcome.error } : undefined;
}

/** One result per item, with the wait the endpoint asked for the whole destination, if it asked for one. */
export function perItemOutcome(results: readonly DeliveryResult[], pause: DestinationPause | undefined): DeliveryOutcome {
  return pause ? { kind: 'per_item', results, pause } : { kind: 'per_item', results };
}

/** What an item gets that was not sent because the endpoint asked to wait: retried once the wait is over. */
export function heldByPause(pause: DestinationPause): DeliveryResult {
  return { kind: 'retry', reason: HELD_REASONS.pause, error: `not sent: the endpoint asked to wait (${pause.error})`, afterMs: pause.afterMs };
}

export interface DeliveryItem {
  readonly messageId: string;
  /** The source the event came from (archives file events per source). */
  readonly sourceId?: string;
  /** The event as it leaves Sluice for this destination (after consent, filters and PII policy). */
  readonly event: SegmentEvent;
  /**
   * `event` serialized (`JSON.stringify(event)`), when the caller has it at hand (the router: the job's JSON,
   * and `event` is parsed from it only when read). Destinations that send the event unchanged send this.
   */
  readonly json?: string;
}

/** Everyone linked to a data subject, as a deletion must reach them all. */
export interface DeletionSubject {
  readonly workspaceId: string;
  readonly requestId: string;
  readonly userIds: readonly string[];
  readonly anonymousIds: readonly string[];
  readonly emails: readonly string[];
  /**
   * The sources and hours of receipt of every event of the subject the delivery log says this destination may
   * have received (for a type that files events by them: the S3 archive reads only those folders). Absent when
   * the log cannot tell them all (events pruned by retention since the subject was first seen, a deletion
   * resumed from an earlier version's state): the type then looks everywhere.
   */
  readonly receiptHours?: readonly { readonly sourceId: string; readonly hour: string }[];
}

/** What a destination did with a deletion. */
export type DeletionResult =
  | { readonly kind: 'deleted'; readonly detail?: string; readonly count?: number }
  | { readonly kind: 'submitted'; readonly jobId: string; readonly status: string }
  | { readonly kind: 'not_supported'; readonly reason: string }
  | { readonly kind: 'retry'; readonly error: string; readonly afterMs?: number }
  | { readonly kind: 'failed'; readonly error: string };

/** An outbound HTTP request as a destination would send it (also what `preview` shows). */
export interface OutboundRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Text (JSON, XML) or bytes (a gzipped archive file). */
  readonly body?: string | Uint8Array;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body decoded as UTF-8 text. */
  readonly body: string;
  /** The raw body, for binary answers (an archive file). */
  readonly bytes?: Uint8Array;
}

/**
 * The HTTP client destinations must use: it refuses private, loopback and link-local addresses unless
 * SLUICE_ALLOW_PRIVATE_DESTINATIONS allows them, re-checked at connect time (DNS rebinding), with timeouts.
 * Network failures come back as thrown errors; HTTP statuses as responses.
 */
export interface DestinationHttp {
  send(request: OutboundRequest, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<OutboundResponse>;
}

export interface DestinationContext {
  readonly http: DestinationHttp;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * One kind of destination (webhook, postgres, amplitude, ...): a folder under src/destinations/ with its
 * config schema, its mapping from the Segment spec, and optionally deletion.
 *
 * @example
 *   export const webhook: DestinationType<WebhookConfig> = {
 *     type: 'webhook', displayName: 'Webhook', configSchema: WebhookConfigSchema, secretFields: ['signingSecret'],
 *     maxBatchSize: 100, async deliver(items, config, ctx) { ... return { kind: 'ok' }; },
 *   };
 */
export interface DestinationType<Config> {
  /** The `type` of POST /api/v1/destinations. */
  readonly type: string;
  readonly displayName: string;
  /** JSON Schema (TypeBox) of the config: validates the API and generates the console's form. */
  readonly configSchema: TSchema;
  /** Config keys holding secrets: encrypted at rest, never returned by the API (masked). */
  readonly secretFields: readonly string[];
  /**
   * Config keys holding the URLs the type sends to (`url`, `baseUrl`, ...). Checked against the SSRF policy
   * when saved; a user name and password in them are refused; their query values are sealed like secrets
   * and shown masked; and a change of their origin (scheme, host, port) needs every stored secret entered
   * again (see `config-patch.ts`).
   */
  readonly urlFields?: readonly string[];
  /** Most events per deliver() call (1 = no batching). */
  readonly maxBatchSize: number;
  /** Events per deliver() call a destination's configuration asks for (at most `maxBatchSize`); `maxBatchSize` without it. */
  batchSizeOf?(config: Config): number;
  /** Whether the SSRF guard applies (HTTP destinations); a warehouse on a private network is normal. */
  readonly reachesPrivateNetworks?: boolean;
  /** Checks beyond the schema; returns human-readable problems (empty when fine). */
  validateConfig?(config: Config): string[];
  deliver(items: readonly DeliveryItem[], config: Config, context: DestinationContext): Promise<DeliveryOutcome>;
  /** Deletes a data subject at the destination, where the tool has a way to. */
  deleteSubject?(subject: DeletionSubject, config: Config, context: DestinationContext): Promise<DeletionResult>;
  /**
   * Why a type without `deleteSubject` cannot delete a person (the catalog shows it, a deletion certificate gives
   * it as the `not_supported` detail), e.g. "incoming webhooks cannot delete a channel's messages".
   */
  readonly noDeletion?: string;
  /**
   * For tools whose deletion is an asynchronous job: the job's current state (`submitted` with the tool's
   * latest status while it runs, `deleted` once done, `failed` if the tool gave up).
   */
  deletionStatus?(jobId: string, config: Config, context: DestinationContext): Promise<DeletionResult>;
  /**
   * Releases what the type keeps across deliveries (e.g. the warehouse's connection pools). The router
   * calls it once when it stops; a type that keeps nothing omits it.
   */
  close?(): Promise<void>;
  /** The exact requests deliver() would send for these items (for the preview API), without sending. */
  preview?(items: readonly DeliveryItem[], config: Config): Promise<DeliveryPreview>;
}

/** What `preview` answers: the requests, warnings, and the items deliver() would abort without sending them. */
export interface DeliveryPreview {
  requests: OutboundRequest[];
  warnings: string[];
  /** Items the type refuses (e.g. an alias call a tool has no API for), by messageId: delivery aborts them with `reason`. */
  refused?: { messageId: string; reason: string; error: string }[];
}
