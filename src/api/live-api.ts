import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { maskPersonalData } from '../accounts/mask-personal-data.js';
import { SluiceError } from '../core/errors.js';
import { sleep } from '../core/sleep.js';
import type { StoredEvent } from '../core/stored-event.js';
import type { SourceDrop, SourceRejection } from '../store/source-counter-repository.js';
import type { Store } from '../store/store.js';
import { authenticate, checkPermission } from './api-auth.js';
import { eventView } from './events-api.js';
import { principalOf, type Principal } from './principal.js';
import { sourceOf } from './source-of.js';
import { IdParams } from './schemas.js';

export interface LiveOptions {
  store: Store;
  /** How often the store is polled for new events of the source (default 250 ms). */
  pollMs?: number;
  /** How often a comment line keeps idle connections (and proxies) alive (default 15 s). */
  heartbeatMs?: number;
  /** How often the credentials the stream was opened with are checked again (default 5 s). */
  accessCheckMs?: number;
  /** Told how many streams are open after each one opens or ends (tests; a gauge could read it). */
  onStreams?: (open: number) => void;
}

/** Events read per poll; more wait for the next poll (which then comes at once). */
const BATCH = 200;
/**
 * How long after showing an event the stream still looks below it. On PostgreSQL several processors write at once: an
 * event's seq is taken when its insert runs, so a batch that commits later than another's can hold lower seqs than
 * events already shown; read only after the last seq shown, the stream would skip them. Each poll therefore reads
 * again from the last seq shown more than this long ago (at most {@link RECHECK_EVENTS} of the source's events back)
 * and leaves out what it showed.
 */
const RECHECK_MS = 3_000;
/** At most this many of the source's latest events shown are read again per poll (a busy source's window). */
const RECHECK_EVENTS = 500;
/**
 * How far below the newest rejection shown each poll still looks for rejections. Every ingest process writes the
 * rejections it kept about once a second, each with the time it happened: with several processes, one written later
 * can carry an earlier time than one shown already, and a read only after the newest one shown would skip it.
 */
const REJECTION_RECHECK_MS = 10_000;

/**
 * Notes kept per source (the latest rejection per code, the latest drop per reason), each streamed once: by key
 * and time, re-read from {@link REJECTION_RECHECK_MS} below the newest one shown, never from before the stream opened.
 */
class StreamedNotes<T extends { readonly at: number }> {
  private newest: number;
  private readonly streamed = new Map<string, number>();

  constructor(
    private readonly openedAt: number,
    private readonly keyOf: (note: T) => string,
  ) {
    this.newest = openedAt;
  }

  /** From when the next read starts. */
  since(): number {
    return Math.max(this.openedAt, this.newest - REJECTION_RECHECK_MS);
  }

  /** The notes of a read (newest first, as the store answers) not streamed yet, oldest first; forgets keys past the window. */
  fresh(read: readonly T[]): T[] {
    for (const [key, at] of this.streamed) if (at < this.newest - REJECTION_RECHECK_MS) this.streamed.delete(key);
    return [...read].reverse().filter((note) => !this.streamed.has(this.keyOf(note)));
  }

  shown(note: T): void {
    this.streamed.set(this.keyOf(note), note.at);
    this.newest = Math.max(this.newest, note.at);
  }
}

/**
 * Which events the stream has shown near its end, so each poll can read a little below it (see {@link RECHECK_MS})
 * without showing an event twice. `settled`: every event at or below it has been shown, or is taken as never coming.
 */
class ShownWindow {
  private readonly shown = new Map<number, number>(); // seq -> when shown, for the events above `settled`
  constructor(private settled: number) {}

  /** Where the next poll reads from. */
  get from(): number {
    return this.settled;
  }

  /** Whether an event read from {@link from} on was shown already. */
  has(seq: number): boolean {
    return this.shown.has(seq);
  }

  add(seq: number, at: number): void {
    this.shown.set(seq, at);
  }

  /** Moves `settled` up past events shown longer than RECHECK_MS ago, and keeps at most RECHECK_EVENTS above it. */
  settle(now: number): void {
    const seqs = [...this.shown.keys()].sort((a, b) => a - b);
    let keepFrom = Math.max(0, seqs.length - RECHECK_EVENTS);
    // Everything shown before the newest one shown long enough ago is settled too.
    for (let i = seqs.length - 1; i >= keepFrom; i--) {
      if (now - this.shown.get(seqs[i]!)! >= RECHECK_MS) {
        keepFrom = i + 1;
        break;
      }
    }
    for (const seq of seqs.slice(0, keepFrom)) {
      this.settled = Math.max(this.settled, seq);
      this.shown.delete(seq);
    }
  }
}

function parseLastEventId(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * The caller of a running stream as its credentials stand now, or why it may no longer read: a token revoked or
 * expired, a session logged out, a member suspended or removed, or a role lowered below `events:read`. The request
 * keeps its headers, so this is the admin API's own authentication run again.
 */
async function currentCaller(store: Store, request: FastifyRequest, workspaceId: string): Promise<Principal | SluiceError> {
  const found = await authenticate(store, request);
  if (!found || found.workspaceId !== workspaceId) {
    return new SluiceError('unauthorized', 'The credentials this stream was opened with were revoked or expired (or their member suspended): the stream has ended. Open it again with valid credentials.');
  }
  const { csrfToken: _csrf, ...principal } = found;
  try {
    checkPermission(principal, 'events:read');
  } catch (error) {
    if (error instanceof SluiceError) return error;
    throw error;
  }
  return principal;
}

/** Writes a chunk, waiting for the socket to drain when the client reads slowly. */
async function write(raw: ServerResponse, chunk: string): Promise<void> {
  // A response whose client has gone would never drain (and its 'close' has been emitted already).
  if (raw.destroyed || raw.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

/**
 * The live event debugger's stream: `GET /sources/:id/live` answers `text/event-stream` and sends each new
 * stored event of the source as `event: event` with `id: <seq>`. A reconnecting client sends `Last-Event-ID`
 * and resumes right after it; a new one gets the `backlog` latest events first. Events the Tracking API
 * rejected meanwhile come as `event: rejection` (code, message, at, and the event's shape without values:
 * the source's latest rejection per code, as `GET /sources/:id/rejections` keeps it, so a burst of one code
 * shows as its latest). Events the processor dropped before storage although the Tracking API had accepted them (a
 * messageId the source sent before, a suppressed person, a PII rule) come as `event: dropped` (reason, message, at,
 * the event's type, name, messageId and shape without values: the latest per reason). Polls the store (works the same on SQLite and PostgreSQL, in any process running the
 * api role). The caller's credentials are checked again every `accessCheckMs`: once they no longer allow reading
 * events (a token revoked, a member suspended), the stream sends `event: error` with the code and ends.
 */
export const liveApi: FastifyPluginAsyncTypebox<LiveOptions> = async (app, options) => {
  const { store } = options;
  const pollMs = options.pollMs ?? 250;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const accessCheckMs = options.accessCheckMs ?? 5_000;
  const open = new Set<ServerResponse>();
  let closing = false;

  // Open streams would keep server.close() waiting forever: end them first.
  app.addHook('preClose', async () => {
    closing = true;
    for (const raw of open) raw.end();
  });

  app.get('/sources/:id/live', {
    config: { permission: 'events:read' },
    schema: {
      tags: ['events'],
      summary: 'Stream new events of a source (server-sent events; resumes after Last-Event-ID; `event: rejection` for events the Tracking API refused, `event: dropped` for accepted events dropped before storage; ends with `event: error` once its credentials are revoked)',
      params: IdParams,
      querystring: Type.Object({ backlog: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 0, description: 'Latest events to send first (ignored when resuming)' })) }),
      produces: ['text/event-stream'],
    },
  }, async (request, reply) => {
    let principal = principalOf(request);
    const { workspaceId } = principal;
    const source = await sourceOf(store, workspaceId, request.params.id);
    const base = { workspaceId, sourceId: source.id };
    // As the events API shows them: personal data masked for a role without personal-data access (the caller's
    // role as of the latest access check).
    const view = (stored: StoredEvent) => maskPersonalData(eventView(stored), principal);

    let lastSeq = parseLastEventId(request.headers['last-event-id']);
    let first: ReturnType<typeof eventView>[] = [];
    const firstSeqs: number[] = [];
    if (lastSeq === undefined) {
      const backlog = request.query.backlog ?? 0;
      const latest = await store.events.query({ ...base, limit: Math.max(1, backlog) });
      lastSeq = latest[0]?.seq ?? 0;
      const shown = latest.slice(0, backlog).reverse();
      first = shown.map(view);
      firstSeqs.push(...shown.map((e) => e.seq));
    }

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    open.add(raw);
    options.onStreams?.(open.size);
    let live = !closing;
    const stopped = new AbortController();
    const stop = () => {
      live = false;
      if (open.delete(raw)) options.onStreams?.(open.size);
      stopped.abort();
    };
    request.raw.on('close', stop);
    raw.on('close', stop);
    // A client that went away while the stream was being prepared (reading the source and the backlog): its 'close'
    // came before these listeners.
    if (raw.destroyed) stop();

    try {
      await write(raw, `retry: 2000\n: connected to source ${source.id}\n\n`);
      for (let i = 0; i < first.length; i++) await write(raw, `id: ${firstSeqs[i]}\nevent: event\ndata: ${JSON.stringify(first[i])}\n\n`);
      let lastWrite = Date.now();
      const window = new ShownWindow(lastSeq);
      // Rejections kept from the moment this stream opened on (the kept ones are the latest per code), each shown
      // once: by code and time, for those within REJECTION_RECHECK_MS of the newest one shown.
      const openedAt = Date.now();
      const rejectionNotes = new StreamedNotes<SourceRejection>(openedAt, (r) => `${r.code} ${r.at}`);
      // The same for the processor's drops (several processors write them, each about once a second).
      const dropNotes = new StreamedNotes<SourceDrop>(openedAt, (d) => `${d.reason} ${d.at}`);
      let accessCheckedAt = Date.now();
      while (live) {
        // Revoking a token or suspending a member ends the streams it opened (at the next check).
        if (Date.now() - accessCheckedAt >= accessCheckMs) {
          accessCheckedAt = Date.now();
          const caller = await currentCaller(store, request, workspaceId);
          if (caller instanceof SluiceError) {
            await write(raw, `event: error\ndata: ${JSON.stringify({ code: caller.code, message: caller.message })}\n\n`);
            break;
          }
          principal = caller;
        }
        for (const r of rejectionNotes.fresh(await store.sourceCounters.rejections(workspaceId, source.id, rejectionNotes.since()))) {
          if (!live) break;
          const rejection = { code: r.code, message: r.message, at: new Date(r.at).toISOString(), ...(r.example !== undefined && { example: r.example }) };
          await write(raw, `event: rejection\ndata: ${JSON.stringify(rejection)}\n\n`);
          rejectionNotes.shown(r);
          lastWrite = Date.now();
        }
        // Events the processor dropped before storage (a duplicate messageId, a suppressed person): answered 200, never stored.
        for (const d of dropNotes.fresh(await store.sourceCounters.drops(workspaceId, source.id, dropNotes.since()))) {
          if (!live) break;
          const dropped = { reason: d.reason, message: d.message, at: new Date(d.at).toISOString(), ...(d.example !== undefined && { example: d.example }) };
          await write(raw, `event: dropped\ndata: ${JSON.stringify(dropped)}\n\n`);
          dropNotes.shown(d);
          lastWrite = Date.now();
        }
        // From a little below the last event shown (a later-committed batch may hold lower seqs), leaving out what was shown.
        let fresh = 0;
        let events: StoredEvent[] = [];
        for (let after = window.from; live; after = events[events.length - 1]!.seq) {
          events = await store.events.query({ ...base, afterSeq: after, order: 'asc', limit: BATCH });
          for (const stored of events) {
            if (!live) break;
            if (window.has(stored.seq)) continue;
            await write(raw, `id: ${stored.seq}\nevent: event\ndata: ${JSON.stringify(view(stored))}\n\n`);
            window.add(stored.seq, Date.now());
            lastWrite = Date.now();
            fresh++;
          }
          if (events.length < BATCH || fresh >= BATCH) break;
        }
        window.settle(Date.now());
        if (Date.now() - lastWrite >= heartbeatMs) {
          await write(raw, `: heartbeat\n\n`);
          lastWrite = Date.now();
        }
        if (fresh < BATCH) await sleep(pollMs, stopped.signal);
      }
    } catch (error) {
      request.log.warn({ err: error }, 'live stream ended by an error');
    } finally {
      stop();
      if (!raw.writableEnded) raw.end();
    }
  });
};
