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
  /** Header names and body/URL substrings to mask in previews (API keys, tokens). */
  secrets(config: Config): readonly string[];
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
    let outcome: DeliveryResult | readonly DeliveryResult[];
    try {
      const response = await context.http.send(planned.request, { signal: context.signal });
      outcome = mapping.interpret ? mapping.interpret(response, planned) : classifyHttpStatus(response.status, response.headers, response.body);
    } catch (error) {
      // The SSRF guard's refusal (destination_address_refused) cannot change on a retry: abort. Network
      // failures and timeouts retry.
      outcome = isSluiceError(error) && !error.retriable
        ? { kind: 'abort', reason: error.code, error: error.message }
        : retryOfNetworkFailure(error, 'network error: ');
    }
    planned.itemIndexes.forEach((itemIndex, position) => {
      const result = Array.isArray(outcome) ? (outcome as readonly DeliveryResult[])[position] : (outcome as DeliveryResult);
      if (result && results[itemIndex]?.kind === 'ok') results[itemIndex] = result;
    });
  }
  const first = results[0];
  if (first && results.every((r) => r.kind === first.kind && r.kind === 'ok')) return { kind: 'ok' };
  return results.length === 1 && first ? first : { kind: 'per_item', results };
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
