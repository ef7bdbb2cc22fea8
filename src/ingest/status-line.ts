import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';
import { rejectionMessageOf } from '../core/tracking/rejection-example.js';

/** Longest reason phrase written: a status line is read in one piece by clients and proxies. */
const MAX_REASON_LENGTH = 300;

/**
 * The reason phrase of a refused Tracking API call: the standard phrase, then Sluice's error code and message
 * without the values the client sent (`rejectionMessageOf`: quoted values, emails and phone numbers hidden), in
 * printable ASCII. `@segment/analytics-node` reports a refused batch only as `[status] statusText` and never reads
 * the body, so this line is all an engineer sees in the app's own logs (decision 0011).
 *
 * @example
 *   reasonPhrase(400, 'invalid_timestamp', 'event 0: timestamp "yesterday" is not an ISO-8601 date')
 *   // 'Bad Request: invalid_timestamp: event 0: timestamp "..." is not an ISO-8601 date'
 */
export function reasonPhrase(status: number, code: string, message: string): string {
  const standard = STATUS_CODES[status] ?? 'Error';
  const printable = rejectionMessageOf(message)
    .replace(/…/g, '...')
    // Node refuses a status line with characters outside Latin-1 or with control characters; clients may
    // not decode Latin-1 either, so anything not printable ASCII becomes "?".
    .replace(/[^\x20-\x7e]/g, '?');
  const phrase = `${standard}: ${code}: ${printable}`;
  return phrase.length <= MAX_REASON_LENGTH ? phrase : `${phrase.slice(0, MAX_REASON_LENGTH - 3)}...`;
}

/** Writes the refusal's reason phrase into the reply's status line (see `reasonPhrase`). */
export function explainInStatusLine(reply: FastifyReply, status: number, code: string, message: string): void {
  reply.raw.statusMessage = reasonPhrase(status, code, message);
}
