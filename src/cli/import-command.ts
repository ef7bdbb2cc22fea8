import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config/config.js';
import { SluiceError } from '../core/errors.js';
import { sleep } from '../core/sleep.js';
import { BatchBuilder, batchBody, parseImportLine, type FailedLine, type ImportEvent } from './import-lines.js';

export interface ImportOptions {
  writeKey: string;
  url?: string;
}

/** Requests in flight at once. */
const CONCURRENCY = 4;
const MAX_ATTEMPTS = 6;
/** Bad lines printed one by one; the rest are counted. */
const MAX_PRINTED_FAILURES = 200;

interface RejectedItem {
  index: number;
  code: string;
  message: string;
}

interface ErrorAnswer {
  error?: { code?: string; message?: string; rejected?: RejectedItem[] };
}

/** Why a fetch failed, in the words of the network error (`connect ECONNREFUSED 127.0.0.1:8080`). */
function networkProblem(error: unknown): string {
  return error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
}

/**
 * Refuses an address nothing answers at before any line is read: a mistyped --url (or a Sluice not started) would
 * otherwise have every batch of the file retried for half a minute before its lines are reported as failed.
 * Any HTTP answer will do (a Sluice still starting answers 503; batches wait for it).
 */
async function checkReachable(base: string): Promise<void> {
  try {
    const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
  } catch (error) {
    throw new SluiceError('invalid_config', `Cannot reach Sluice at ${base} (${networkProblem(error)}): nothing was imported. Start Sluice, or give the address it runs at with --url.`);
  }
}

/**
 * POSTs one batch to /v1/import; returns the lines that failed. Retries when Sluice is busy (429/503,
 * honouring Retry-After) or unreachable for a moment; resending is safe since events are deduplicated by
 * messageId.
 */
async function sendBatch(endpoint: string, authorization: string, batch: readonly ImportEvent[]): Promise<FailedLine[]> {
  const body = batchBody(batch);
  let lastProblem = '';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    } catch (error) {
      lastProblem = `cannot reach ${endpoint}: ${networkProblem(error)}`;
      await sleep(Math.min(8000, 250 * 2 ** attempt));
      continue;
    }
    const answer = (await response.json().catch(() => ({}))) as ErrorAnswer;
    if (response.status === 200) return [];
    if (response.status === 429 || response.status === 503) {
      lastProblem = `${response.status} ${answer.error?.code ?? ''}`.trim();
      const retryAfter = Number(response.headers.get('retry-after'));
      await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : 1000 * attempt);
      continue;
    }
    if (response.status === 401) {
      throw new SluiceError(answer.error?.code === 'source_disabled' ? 'source_disabled' : 'unknown_source', `Sluice refused the writeKey: ${answer.error?.message ?? response.status}`);
    }
    const rejected = answer.error?.rejected;
    if (rejected && rejected.length > 0) {
      // The valid events of the batch were stored; only these lines failed.
      return rejected.map((r) => ({ line: batch[r.index]?.line ?? 0, code: r.code, message: r.message }));
    }
    const code = answer.error?.code ?? `http_${response.status}`;
    const message = answer.error?.message ?? `Sluice answered ${response.status}`;
    return batch.map((e) => ({ line: e.line, code, message }));
  }
  return batch.map((e) => ({ line: e.line, code: 'not_delivered', message: `gave up after ${MAX_ATTEMPTS} attempts (${lastProblem})` }));
}

/**
 * `sluice import FILE.ndjson --write-key K [--url URL]`: bulk import of historical events, one Segment event
 * per line, through the Tracking API's /v1/import of a running Sluice. Good lines are imported even when
 * others are bad; bad lines are reported with their line numbers; the exit code is 1 if any line failed.
 */
export async function importCommand(file: string, options: ImportOptions): Promise<void> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new SluiceError('invalid_config', `Cannot read ${file}: give the path of an NDJSON file (one Segment event per line).`);
  }
  const base = (options.url ?? loadConfig().publicUrl).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw new SluiceError('invalid_config', `--url ${base} is not an http(s) URL of a running Sluice.`);
  const endpoint = `${base}/v1/import`;
  const authorization = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
  await checkReachable(base);

  const failed: FailedLine[] = [];
  let lines = 0;
  let events = 0;
  let bytesRead = 0;
  const bar = new SingleBar(
    {
      format: 'Importing [{bar}] {percentage}% | {value}/{total} bytes | {events} events | {failed} failed',
      stream: process.stderr,
      hideCursor: true,
      // Without a terminal (CI logs, pipes) a progress line every 5 s instead of a redrawn bar.
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );
  bar.start(size, 0, { events: 0, failed: 0 });

  const inFlight = new Set<Promise<void>>();
  const send = (batch: ImportEvent[]) => {
    const task = sendBatch(endpoint, authorization, batch).then((bad) => {
      failed.push(...bad);
      events += batch.length - bad.length;
      bar.update(bytesRead, { events, failed: failed.length });
    });
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  const stream = createReadStream(file);
  stream.on('data', (chunk) => (bytesRead += chunk.length));
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  const batches = new BatchBuilder();
  try {
    for await (const text of reader) {
      lines++;
      const parsed = parseImportLine(text, lines);
      if (parsed.kind === 'failed') failed.push(parsed.value);
      if (parsed.kind !== 'event') continue;
      const full = batches.add(parsed.value);
      if (full) {
        send(full);
        while (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
      }
    }
    const rest = batches.take();
    if (rest.length > 0) send(rest);
    await Promise.all(inFlight);
  } finally {
    bar.update(bytesRead, { events, failed: failed.length });
    bar.stop();
  }

  failed.sort((a, b) => a.line - b.line);
  for (const f of failed.slice(0, MAX_PRINTED_FAILURES)) process.stderr.write(`${file}:${f.line}: ${f.code}: ${f.message}\n`);
  if (failed.length > MAX_PRINTED_FAILURES) process.stderr.write(`... and ${failed.length - MAX_PRINTED_FAILURES} more failed lines\n`);
  process.stdout.write(`Imported ${events} events from ${lines} lines of ${file} into ${base}; ${failed.length} line${failed.length === 1 ? '' : 's'} failed.\n`);
  // Accepted is not yet stored: an event whose messageId is already stored (the same file imported twice) is dropped
  // as a duplicate when processed, after this command has its answer.
  if (events > 0) process.stdout.write(`Events whose messageId was already stored (a file imported before) are dropped as duplicates when processed; the source's page in the console lists such drops.\n`);
  if (failed.length > 0) process.exitCode = 1;
}
