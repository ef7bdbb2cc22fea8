/**
 * `Date.parse` of an event's time, remembering the last two texts it parsed and their times.
 *
 * The processor reads the same few times of an event several times (its `receivedAt` and `timestamp` for the
 * store's row, for identity's "newer wins", for fan-out's job and the destinations' privacy), and the events of one
 * request share their `receivedAt` (and, without a client time, their `timestamp`, which is then the same text).
 * V8's date parser took 3-4 % of the processor thread's CPU (perf, bench/pipeline-cpu) before this; two entries
 * catch a request's `receivedAt` beside the event's own `timestamp`. Strings of equal text compare by content, so a
 * hit needs no parse whichever object holds the text.
 */
let firstText: string | undefined;
let firstMs = Number.NaN;
let secondText: string | undefined;
let secondMs = Number.NaN;

export function parseTime(text: string): number {
  if (text === firstText) return firstMs;
  if (text === secondText) return secondMs;
  const ms = Date.parse(text);
  // The text parsed before this one moves to the first slot, this one takes the second; the older one is forgotten.
  firstText = secondText;
  firstMs = secondMs;
  secondText = text;
  secondMs = ms;
  return ms;
}
