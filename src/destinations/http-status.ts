import type { DeletionResult, DeliveryResult } from './destination.js';

const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** Milliseconds from a Retry-After header (seconds or an HTTP date), capped at five minutes. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/**
 * The one classification of HTTP answers (as rudder-server's router does): 2xx ok; 429, 408 and 5xx retry
 * (honouring Retry-After); every other status aborts, because sending the same request again cannot help.
 */
export function classifyHttpStatus(status: number, headers: Readonly<Record<string, string>> = {}, body = ''): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const snippet = body.length > 300 ? `${body.slice(0, 300)}...` : body;
  const error = `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  if (status === 429 || status === 408 || status >= 500) {
    const afterMs = retryAfterMs(headers['retry-after']);
    const reason = `http_${status}`;
    return afterMs === undefined ? { kind: 'retry', reason, error } : { kind: 'retry', reason, error, afterMs };
  }
  const location = headers.location;
  if (status >= 300 && status < 400 && location) {
    return { kind: 'abort', reason: `http_${status}`, error: `HTTP ${status}: the destination moved to ${location}; a request with a body is sent again only for 307 or 308, so set the destination's URL to the new address` };
  }
  return { kind: 'abort', reason: `http_${status}`, error };
}

/**
 * A deletion call's HTTP answer when it is not a success: `retry` (keeping any Retry-After delay) or
 * `failed` with the tool's answer. Undefined for a 2xx, when the caller reads the body.
 */
export function deletionFailure(status: number, headers: Readonly<Record<string, string>> = {}, body = ''): DeletionResult | undefined {
  const result = classifyHttpStatus(status, headers, body);
  if (result.kind === 'ok') return undefined;
  if (result.kind === 'abort') return { kind: 'failed', error: result.error };
  return result.afterMs === undefined ? { kind: 'retry', error: result.error } : { kind: 'retry', error: result.error, afterMs: result.afterMs };
}
