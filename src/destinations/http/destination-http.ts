import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { SluiceError, isSluiceError } from '../../core/errors.js';
import type { DestinationHttp, OutboundRequest, OutboundResponse } from '../destination.js';
import { AddressPolicy } from './address-policy.js';

export interface DestinationHttpOptions {
  /** SLUICE_ALLOW_PRIVATE_DESTINATIONS (config.allowPrivateDestinations): hosts, IPs or CIDRs. */
  readonly allowPrivate: readonly string[];
  /** DNS resolver (tests inject one to simulate rebinding); defaults to `dns.lookup`. */
  readonly lookup?: LookupFunction;
  /** Whole-request timeout when the caller gives none (default 10 s). */
  readonly timeoutMs?: number;
  /** TCP/TLS connect timeout (default 5 s). */
  readonly connectTimeoutMs?: number;
  /** Response bodies are cut at this many bytes (default 1 MiB): they only carry statuses and error text. */
  readonly maxResponseBytes?: number;
  /** Redirects followed (default 5); each hop is connected through the same guard. */
  readonly maxRedirects?: number;
}

/** A request that got no complete answer within its timeout (retriable, like any network failure). */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';

  constructor(
    message: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The SSRF-guarded client plus `close()` for shutdown. */
export interface DestinationHttpClient extends DestinationHttp {
  close(): Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers kept when a redirect leaves the origin: anything else may carry a credential. */
const CROSS_ORIGIN_SAFE_HEADERS = new Set(['content-type', 'accept', 'user-agent']);

/**
 * Creates the HTTP client every HTTP destination uses. The guard runs where the socket is opened: the
 * connector refuses literal IPs outside the policy and resolves host names through a lookup that drops
 * every non-public address not allowed by `allowPrivate`, so a name that resolved to a public address when
 * the destination was saved and to 127.0.0.1 later (DNS rebinding) is refused at connect time. Redirects
 * are followed hop by hop through the same guard; credentials are not forwarded to another origin.
 *
 * Refusals throw `SluiceError('destination_address_refused')` (not retriable: the router should abort);
 * timeouts (`RequestTimeoutError`) and network failures throw plain errors (retriable); every HTTP status is a
 * response.
 *
 * @example
 *   const http = createDestinationHttp({ allowPrivate: config.allowPrivateDestinations });
 *   const res = await http.send({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
 */
export function createDestinationHttp(options: DestinationHttpOptions): DestinationHttpClient {
  const policy = new AddressPolicy(options.allowPrivate);
  const lookup = guardedLookup(policy, options.lookup ?? (dns.lookup as LookupFunction));
  const baseConnect = buildConnector({ timeout: options.connectTimeoutMs ?? 5_000, lookup } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (connectOptions, callback) => {
    const host = connectOptions.hostname;
    if (isIP(host) !== 0) {
      const refusal = policy.refusal(host, host);
      if (refusal) {
        callback(new SluiceError('destination_address_refused', refusal), null);
        return;
      }
    }
    baseConnect(connectOptions, callback);
  };
  const agent = new Agent({ connect, keepAliveTimeout: 4_000 });
  const defaultTimeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;

  async function send(outbound: OutboundRequest, sendOptions?: { timeoutMs?: number; signal?: AbortSignal }): Promise<OutboundResponse> {
    const timeoutMs = sendOptions?.timeoutMs ?? defaultTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = sendOptions?.signal ? AbortSignal.any([timeout, sendOptions.signal]) : timeout;
    let url = parseDestinationUrl(outbound.url);
    const method: string = outbound.method;
    const body = outbound.body;
    let headers: Record<string, string> = { ...outbound.headers };
    try {
      for (let hop = 0; ; hop++) {
        const res = await request(url, { method: method as 'POST', headers, body, dispatcher: agent, signal });
        const location = headerValue(res.headers.location);
        // A redirect is followed when it keeps the request as it is: 307 and 308 for any method, every redirect
        // for a GET or HEAD. A browser turns a POST answered by 301, 302 or 303 into a GET without a body, which
        // would drop the events and count the GET's 200 as delivered: that answer is returned as it is instead
        // (classifyHttpStatus: abort, naming the new address).
        const keepsRequest = res.statusCode === 307 || res.statusCode === 308 || method === 'GET' || method === 'HEAD';
        if (REDIRECTS.has(res.statusCode) && location && hop < maxRedirects && keepsRequest) {
          await res.body.dump();
          const next = parseDestinationUrl(new URL(location, url).toString());
          if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => CROSS_ORIGIN_SAFE_HEADERS.has(k.toLowerCase())));
          url = next;
          continue;
        }
        const bytes = await readCapped(res.body, maxBytes);
        return { status: res.statusCode, headers: flattenHeaders(res.headers), body: bytes.toString('utf8'), bytes };
      }
    } catch (error) {
      const refusal = findSluiceError(error);
      if (refusal) throw refusal;
      if (timeout.aborted) throw new RequestTimeoutError(`${outbound.method} ${safeUrl(outbound.url)} timed out after ${timeoutMs} ms`, timeoutMs, { cause: error });
      throw error;
    }
  }

  return { send, close: () => agent.close() };
}

/** A lookup that answers only with addresses the policy allows (all of them refused: an error). */
function guardedLookup(policy: AddressPolicy, base: LookupFunction): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    base(hostname, { ...options, all: true }, (error, addresses, family) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const list: LookupAddress[] = Array.isArray(addresses) ? addresses : [{ address: addresses, family: family ?? (isIP(addresses) || 4) }];
      const allowed = list.filter((a) => policy.refusal(hostname, a.address) === undefined);
      const first = allowed[0];
      if (first === undefined) {
        const reason = list[0] ? policy.refusal(hostname, list[0].address) : `${hostname} resolved to no address.`;
        callback(new SluiceError('destination_address_refused', reason ?? `${hostname} is not allowed.`) as NodeJS.ErrnoException, '', 0);
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

/** Parses an outbound URL: only http and https are allowed. */
export function parseDestinationUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SluiceError('destination_url_invalid', `"${raw}" is not a valid URL: write an absolute http:// or https:// URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SluiceError('destination_url_invalid', `${url.protocol}// URLs are not supported: use http:// or https://.`);
  }
  return url;
}

async function readCapped(stream: AsyncIterable<Buffer> & { destroy(): void }, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size + chunk.length > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - size));
      stream.destroy();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function findSluiceError(error: unknown): SluiceError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isSluiceError(e)) return e;
  }
  return undefined;
}

/** The URL without credentials or query (query strings often carry API keys), for error messages. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
