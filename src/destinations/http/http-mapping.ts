import type {
  DeliveryItem,
  DeliveryPreview,
  DeliveryOutcome,
  DeliveryResult,
  DestinationContext,
  OutboundRequest,
  OutboundResponse,
} from '../destination.js';
import { isSluiceError } from '../../core/errors.js';
import { classifyHttpStatus } from '../http-status.js';
import { retryOfNetworkFailure } from '../network-failure.js';

/** One request a mapping wants sent, and which items of the batch it carries. */
export interface PlannedRequest {
  readonly request: OutboundRequest;
  readonly itemIndexes: readonly number[];
}

/** The requests for a batch, plus items the mapping refused (with why) and warnings for the preview. */
export interface RequestPlan {
  readonly requests: readonly PlannedRequest[];
  /** Items that cannot be sent at all (e.g. an event name the tool rejects); they are aborted. */
  readonly refused: ReadonlyMap<number, { reason: string; error: string }>;
  readonly warnings: readonly string[];
}

/**
 * A destination that speaks HTTP, split into a pure part (`plan`: Segment events -> requests) and the
 * reading of answers (`interpret`). `deliverHttp` sends a plan; `previewHttp` shows it without sending,
 * secrets masked. Each catalog destination is one of these.
 */
export interface HttpMapping<Config> {
  plan(items: readonly DeliveryItem[], config: Config): RequestPlan;
  /**
   * Reads a response: one result for all items of the request, or one per item (partial success).
   * Defaults to the shared status classification.
   */
  interpret?(response: OutboundResponse, request: PlannedRequest): DeliveryResult | readonly DeliveryResult[];
  /**
   * After an answer that refused part of what a request carried (HubSpot's PROPERTY_DOESNT_EXIST), the request to
   * send once more: the refused items of the request (its `itemIndexes`, a subset of the first request's) without
   * what was refused. Its answer replaces the first one for those items; the ones it delivers are logged delivered
   * with the resend's `reason` and their `notes` (what was left out and how to fix it). Undefined when the answer
   * is no such refusal. Sent once: a second refusal stands.
   */
  resend?(response: OutboundResponse, request: PlannedRequest): Resend | undefined;
  /** Header names and body/URL substrings to mask in previews (API keys, tokens). */
  secrets(config: Config): readonly string[];
}

/** A request sent again without what the destination refused, and what the delivery log says of each item. */
export interface Resend {
  readonly request: PlannedRequest;
  /** The delivered rows' reason, e.g. `properties_left_out`. */
  readonly reason: string;
  /** Per item of `request` (by position), what was left out and how to fix it; undefined for an item that lost nothing. */
  readonly notes: readonly (string | undefined)[];
}

export function emptyPlan(): { requests: PlannedRequest[]; refused: Map<number, { reason: string; error: string }>; warnings: string[] } {
  return { requests: [], refused: new Map(), warnings: [] };
}

/** Sends every planned request and folds the answers into one result per item. */
export async function deliverHttp<Config>(
  mapping: HttpMapping<Config>,
  items: readonly DeliveryItem[],
  config: Config,
  context: DestinationContext,
): Promise<DeliveryOutcome> {
  const plan = mapping.plan(items, config);
  const results: DeliveryResult[] = items.map(() => ({ kind: 'ok' }) as DeliveryResult);
  for (const [index, { reason, error }] of plan.refused) results[index] = { kind: 'abort', reason, error };
  for (const planned of plan.requests) {
    const { outcome, response } = await sendAndRead(mapping, planned, context);
    planned.itemIndexes.forEach((itemIndex, position) => {
      const result = resultAt(outcome, position);
      if (result && results[itemIndex]?.kind === 'ok') results[itemIndex] = result;
    });
    const again = response ? resendOf(mapping, response, planned, context) : undefined;
    if (!again) continue;
    const resent = await sendAndRead(mapping, again.request, context);
    again.request.itemIndexes.forEach((itemIndex, position) => {
      const result = resultAt(resent.outcome, position);
      const note = again.notes[position];
      if (result) results[itemIndex] = result.kind === 'ok' && note !== undefined && result.reason === undefined ? { kind: 'ok', reason: again.reason, note } : result;
    });
  }
  const head = results[0];
  if (head && results.every((r) => r.kind === 'ok' && r.reason === undefined)) return { kind: 'ok' };
  return results.length === 1 && head ? head : { kind: 'per_item', results };
}

type ReadOutcome = DeliveryResult | readonly DeliveryResult[];

/** Sends one request and reads its answer; `response` is absent when none came (network failure, refused address). */
async function sendAndRead<Config>(mapping: HttpMapping<Config>, planned: PlannedRequest, context: DestinationContext): Promise<{ outcome: ReadOutcome; response?: OutboundResponse }> {
  let response: OutboundResponse;
  try {
    response = await context.http.send(planned.request, { signal: context.signal });
  } catch (error) {
    // The SSRF guard's refusal (destination_address_refused) cannot change on a retry: abort. Network
    // failures and timeouts retry.
    const outcome = isSluiceError(error) && !error.retriable ? { kind: 'abort' as const, reason: error.code, error: error.message } : retryOfNetworkFailure(error, 'network error: ');
    return { outcome };
  }
  if (!mapping.interpret) return { outcome: classifyHttpStatus(response.status, response.headers, response.body), response };
  try {
    return { outcome: mapping.interpret(response, planned), response };
  } catch (error) {
    context.logger.warn({ err: error, status: response.status }, "a destination's answer could not be read");
    return { outcome: unreadableAnswer(response, error) };
  }
}

/**
 * What an answer the type could not read (an unexpected body: a bug or a changed API, not a network failure) comes
 * to. A 2xx answer means the destination took the request: delivered, with reason `answer_unreadable` saying
 * so (sending it again would most likely send it twice). Any other status is read by the shared classification
 * (5xx and 429 retry, other 4xx fail), its error saying the answer could not be read.
 */
export function unreadableAnswer(response: OutboundResponse, error: unknown): DeliveryResult {
  const why = error instanceof Error ? error.message : String(error);
  if (response.status >= 200 && response.status < 300) {
    return { kind: 'ok', reason: 'answer_unreadable', note: `the destination answered ${response.status} (accepted) but Sluice could not read its answer (${why}); not sent again, since a 2xx answer means it was most likely delivered` };
  }
  const classified = classifyHttpStatus(response.status, response.headers, response.body);
  return classified.kind === 'ok' ? classified : { ...classified, error: `${classified.error} (Sluice could not read this answer: ${why})` };
}

function resultAt(outcome: ReadOutcome, position: number): DeliveryResult | undefined {
  return Array.isArray(outcome) ? (outcome as readonly DeliveryResult[])[position] : (outcome as DeliveryResult);
}

/** The mapping's resend for an answer, if any; a mapping that throws reading the answer resends nothing. */
function resendOf<Config>(mapping: HttpMapping<Config>, response: OutboundResponse, planned: PlannedRequest, context: DestinationContext): Resend | undefined {
  if (!mapping.resend) return undefined;
  try {
    return mapping.resend(response, planned);
  } catch (error) {
    context.logger.warn({ err: error, status: response.status }, "a destination's refusal could not be read to send the request again");
    return undefined;
  }
}

function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('****');
  }
  return out;
}

/** The exact requests `deliverHttp` would send, with every secret replaced by `****`. */
export async function previewHttp<Config>(
  mapping: HttpMapping<Config>,
  items: readonly DeliveryItem[],
  config: Config,
): Promise<DeliveryPreview> {
  const plan = mapping.plan(items, config);
  const secrets = mapping.secrets(config);
  const requests = plan.requests.map(({ request }) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = mask(value, secrets);
    const masked: OutboundRequest = { method: request.method, url: mask(request.url, secrets), headers };
    if (request.body === undefined) return masked;
    return { ...masked, body: typeof request.body === 'string' ? mask(request.body, secrets) : `[${request.body.byteLength} bytes of binary data]` };
  });
  const refused = [...plan.refused.entries()].map(([i, r]) => ({ messageId: items[i]?.messageId ?? String(i), reason: r.reason, error: r.error }));
  return { requests, warnings: [...plan.warnings], refused };
}

/** The body of a request as text (our mappings build JSON text; bytes are decoded as UTF-8). */
export function textBody(request: OutboundRequest): string {
  const body = request.body;
  if (body === undefined) return '';
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}

/** `Basic base64(user:password)`. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Joins a configurable base URL (regional, self-hosted, test) and a path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** Splits `items` into chunks of at most `size` (keeping order), with their original indexes. */
export function chunks<T>(items: readonly T[], size: number): { items: T[]; indexes: number[] }[] {
  const out: { items: T[]; indexes: number[] }[] = [];
  for (let start = 0; start < items.length; start += size) {
    const slice = items.slice(start, start + size);
    out.push({ items: slice, indexes: slice.map((_, i) => start + i) });
  }
  return out;
}
