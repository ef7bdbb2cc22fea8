import { HELD_REASONS, heldByPause, pauseOfOutcome, perItemOutcome, resultsOfOutcome, type DeliveryItem, type DeliveryOutcome, type DeliveryResult, type DestinationPause } from '../destination.js';

/*
 * How the webhook cuts a batch an endpoint cannot take in one request (decision 0204): too large (413), or too
 * slow for that many events (a timeout while half of it goes through). Apart from the webhook's request and
 * signature, which it is handed as a `BatchSender`.
 */

/** How an endpoint says a request was larger than it takes. */
const TOO_LARGE = 'http_413';

/**
 * Per URL, once it answered 413, or timed out on a batch whose first half then went through: the body size
 * (bytes) requests to it are cut to, half the smallest body refused or timed out (so at least half its limit, and
 * below it once none is refused any more). Forgotten an hour after it was last lowered, so an endpoint that was
 * slow for a while, or whose limit was raised, gets whole batches again; and when Sluice restarts.
 */
const fittingBytes = new Map<string, { bytes: number; since: number }>();
const FITTING_KEPT_MS = 3_600_000;

function fittingOf(url: string, now = Date.now()): number | undefined {
  const fitting = fittingBytes.get(url);
  if (fitting === undefined || now - fitting.since <= FITTING_KEPT_MS) return fitting?.bytes;
  fittingBytes.delete(url);
  return undefined;
}

function fitTo(url: string, bytes: number): void {
  const known = fittingOf(url);
  fittingBytes.set(url, { bytes: Math.min(bytes, known ?? bytes), since: Date.now() });
}

/** `{"batch":[` and `]}` around the events. */
const BATCH_BODY_OVERHEAD = 12;

/** A request's result, and whether it timed out (an answer may still come later: the endpoint may be slow). */
export interface SendResult {
  readonly result: DeliveryResult;
  readonly timedOut: boolean;
}

/** How the webhook sends a batch as one `{"batch":[...]}` request, and what an item adds to a body (bytes, with its comma). */
export interface BatchSender {
  send(items: readonly DeliveryItem[]): Promise<SendResult>;
  sizeOf(item: DeliveryItem): number;
}

/** The bytes of the batch body of `items` (measured only when a request is to be cut). */
function bodyBytes(items: readonly DeliveryItem[], sender: BatchSender): number {
  return items.reduce((bytes, item) => bytes + sender.sizeOf(item), BATCH_BODY_OVERHEAD - 1);
}

/**
 * `{"batch":[...]}` requests for `items`, in queue order. A request answered 413 (the endpoint's body limit is
 * smaller) is sent again cut in requests of half its size, cut again while refused, down to single events: an
 * event over the limit on its own fails with `http_413`, the others are delivered. A batch that times out is
 * tried once more as its first half: if that goes through, the endpoint is slow for that many events (not down),
 * and the rest goes out at that size; if not, the whole batch is retried later as it was (an outage does not
 * shrink batches). Later batches to that URL are cut to the size that went through. Once a part fails in a way
 * that will be retried, the rest is not sent and retries after it, so no user's later event overtakes an
 * earlier one.
 */
export function deliverInBatches(items: readonly DeliveryItem[], url: string, sender: BatchSender): Promise<DeliveryOutcome> {
  const fitting = fittingOf(url);
  return deliverInOrder(fitting === undefined ? [items] : partsWithin(items, fitting, sender), url, sender);
}

/** Consecutive parts of `items` whose batch bodies are each at most `bytes` long (an event alone over it: its own part). */
function partsWithin(items: readonly DeliveryItem[], bytes: number, sender: BatchSender): DeliveryItem[][] {
  const parts: DeliveryItem[][] = [];
  let part: DeliveryItem[] = [];
  let body = BATCH_BODY_OVERHEAD - 1;
  for (const item of items) {
    const size = sender.sizeOf(item);
    if (part.length > 0 && body + size > bytes) {
      parts.push(part);
      part = [];
      body = BATCH_BODY_OVERHEAD - 1;
    }
    part.push(item);
    body += size;
  }
  parts.push(part);
  return parts;
}

/** One request for `items`; `probe`: the first half of a batch that timed out, not cut again on a timeout. */
async function deliverPart(items: readonly DeliveryItem[], url: string, sender: BatchSender, probe = false): Promise<DeliveryOutcome> {
  const { result, timedOut } = await sender.send(items);
  const tooLarge = result.kind === 'abort' && result.reason === TOO_LARGE;
  if (items.length === 1 || !(tooLarge || (timedOut && !probe))) return result;
  const half = Math.floor(bodyBytes(items, sender) / 2);
  const parts = partsWithin(items, half, sender);
  if (tooLarge) {
    fitTo(url, half);
    return deliverInOrder(parts, url, sender);
  }
  const first = await deliverPart(parts[0]!, url, sender, true);
  if (!resultsOfOutcome(first, parts[0]!.length).some((r) => r.kind === 'retry')) fitTo(url, half);
  return deliverInOrder(parts, url, sender, first);
}

/** The parts one after the other; `firstOutcome`: the first part's, when it was sent already. */
async function deliverInOrder(parts: readonly (readonly DeliveryItem[])[], url: string, sender: BatchSender, firstOutcome?: DeliveryOutcome): Promise<DeliveryOutcome> {
  if (parts.length === 1) return firstOutcome ?? deliverPart(parts[0]!, url, sender);
  const results: DeliveryResult[] = [];
  let pause: DestinationPause | undefined;
  for (const [i, part] of parts.entries()) {
    const outcome = i === 0 && firstOutcome !== undefined ? firstOutcome : await deliverPart(part, url, sender);
    const partResults = resultsOfOutcome(outcome, part.length);
    results.push(...partResults);
    pause ??= pauseOfOutcome(outcome);
    const held = partResults.find((r) => r.kind === 'retry');
    if (held?.kind === 'retry') {
      const waiting: DeliveryResult = held.afterMs === undefined
        ? { kind: 'retry', reason: HELD_REASONS.batch, error: `not sent: an earlier part of the batch was not delivered (${held.error})` }
        : heldByPause({ afterMs: held.afterMs, error: held.error });
      const total = parts.reduce((n, p) => n + p.length, 0);
      while (results.length < total) results.push(waiting);
      break;
    }
  }
  return perItemOutcome(results, pause);
}
