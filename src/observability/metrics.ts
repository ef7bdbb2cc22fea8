import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** How long a scrape waits for the destinations' backlogs before it shows the last known values. */
const DESTINATION_BACKLOG_READ_TIMEOUT_MS = 3_000;

/** The inbox backlog as last sampled (Backpressure): a failed sample keeps the value of the last good one. */
export interface BacklogReading {
  waiting: number;
  /** When `waiting` was read (epoch ms). */
  readAt: number;
  /** The latest sample failed: `waiting` is the last known value. */
  stale: boolean;
  /** Samples that failed since the start. */
  errors: number;
}

/** What one backlog's gauges show: its values (the last known ones when `up` is false), when read, failed reads. */
interface BacklogState {
  up: boolean;
  readAt: number;
  errors: number;
  values: readonly { labels: Record<string, string>; value: number }[];
}

/** `promise`, or a rejection once `ms` have passed. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Prometheus metrics of this process. Stages in worker threads report counter increments to the main thread
 * (`applyRemote`), so one scrape of `/metrics` covers the whole process.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsReceived: Counter<'source_id'>;
  readonly eventsRejected: Counter<'code'>;
  readonly requestsRejected: Counter<'code'>;
  private readonly remote = new Map<string, Counter<string>>();

  /**
   * `backlog`: the inbox backlog, where this process knows it (the ingest role samples it); without it the
   * process has no `sluice_inbox_backlog` (a 0 there read as "nothing waiting" on routers and processors).
   * `destinationBacklogs`: jobs waiting per destination (read from the delivery queues at each scrape), where this
   * process has them (the api role).
   *
   * A backlog that cannot be read (NATS or PostgreSQL out of reach) keeps its last known values: a series that
   * vanished would end a "backlog too high" alert in the middle of an outage and leave a gap in the graphs. Beside
   * them, `sluice_backlog_up{backlog}` is 0 while what is shown is not fresh, `sluice_backlog_age_seconds{backlog}`
   * says how old it is, and `sluice_backlog_scrape_errors_total{backlog}` counts the reads that failed.
   */
  constructor(backlog: (() => BacklogReading) | undefined, destinationBacklogs?: () => Promise<readonly { destinationId: string; waiting: number }[]>, options: { now?: () => number; readTimeoutMs?: number } = {}) {
    const now = options.now ?? Date.now;
    collectDefaultMetrics({ register: this.registry, prefix: 'sluice_process_' });
    this.eventsReceived = new Counter({ name: 'sluice_events_received_total', help: 'Events accepted by the Tracking API (durably queued).', labelNames: ['source_id'], registers: [this.registry] });
    this.eventsRejected = new Counter({ name: 'sluice_events_rejected_total', help: 'Events rejected by the Tracking API, by error code.', labelNames: ['code'], registers: [this.registry] });
    this.requestsRejected = new Counter({ name: 'sluice_requests_rejected_total', help: 'Tracking API requests refused as a whole, by error code.', labelNames: ['code'], registers: [this.registry] });
    if (!backlog && !destinationBacklogs) return;
    // Each gauge's collect() reads what it shows itself (a scrape runs them side by side, in no set order): the
    // inbox's sample synchronously, the destinations' through one read per scrape that every gauge awaits.
    const readers: Partial<Record<'inbox' | 'destinations', () => Promise<BacklogState>>> = {};
    if (backlog) {
      readers.inbox = async () => {
        const reading = backlog();
        return { up: !reading.stale, readAt: reading.readAt, errors: reading.errors, values: [{ labels: {}, value: reading.waiting }] };
      };
      new Gauge({
        name: 'sluice_inbox_backlog',
        help: 'Events accepted but not yet processed (the last known value while it cannot be read: see sluice_backlog_up).',
        registers: [this.registry],
        collect() {
          this.set(backlog().waiting);
        },
      });
    }
    if (destinationBacklogs) {
      const readTimeoutMs = options.readTimeoutMs ?? DESTINATION_BACKLOG_READ_TIMEOUT_MS;
      let state: BacklogState = { up: false, readAt: now(), errors: 0, values: [] };
      let reading: Promise<BacklogState> | undefined;
      const read = async (): Promise<BacklogState> => {
        // A queue that cannot answer (or not within the timeout, so the scrape does not hang) keeps the last values.
        const backlogs = await withTimeout(destinationBacklogs(), readTimeoutMs).catch(() => undefined);
        state = backlogs
          ? { up: true, readAt: now(), errors: state.errors, values: backlogs.map((b) => ({ labels: { destination_id: b.destinationId }, value: b.waiting })) }
          : { ...state, up: false, errors: state.errors + 1 };
        return state;
      };
      readers.destinations = () => (reading ??= read().finally(() => (reading = undefined)));
      const destinations = readers.destinations;
      new Gauge({
        name: 'sluice_destination_backlog',
        help: 'Delivery jobs of a destination not yet finished (waiting in its queue, retrying ones included); the last known values while they cannot be read (see sluice_backlog_up).',
        labelNames: ['destination_id'],
        registers: [this.registry],
        async collect() {
          const { values } = await destinations();
          this.reset(); // a deleted destination's series goes
          for (const { labels, value } of values) this.set(labels, value);
        },
      });
    }
    const each = async (apply: (backlog: string, state: BacklogState) => void) => {
      for (const [name, reader] of Object.entries(readers)) apply(name, await reader());
    };
    new Gauge({
      name: 'sluice_backlog_up',
      help: 'Whether the backlog gauges were read just now (1) or show the last known values because the read failed (0), per backlog (inbox, destinations).',
      labelNames: ['backlog'],
      registers: [this.registry],
      async collect() {
        await each((name, state) => this.set({ backlog: name }, state.up ? 1 : 0));
      },
    });
    new Gauge({
      name: 'sluice_backlog_age_seconds',
      help: 'Seconds since the values of the backlog gauges were read, per backlog (inbox, destinations); grows while they cannot be read.',
      labelNames: ['backlog'],
      registers: [this.registry],
      async collect() {
        await each((name, state) => this.set({ backlog: name }, Math.max(0, (now() - state.readAt) / 1000)));
      },
    });
    const counted = new Map<string, number>();
    new Counter({
      name: 'sluice_backlog_scrape_errors_total',
      help: 'Reads of a backlog that failed (NATS or PostgreSQL out of reach, or no answer within 3 s), per backlog (inbox: the ingest role\'s samples; destinations: scrapes).',
      labelNames: ['backlog'],
      registers: [this.registry],
      async collect() {
        await each((name, state) => {
          this.inc({ backlog: name }, state.errors - (counted.get(name) ?? 0));
          counted.set(name, state.errors);
        });
      },
    });
  }

  /** Declares a counter reported by a worker thread (idempotent). */
  counter(name: string, help: string, labelNames: readonly string[]): Counter<string> {
    let counter = this.remote.get(name);
    if (!counter) {
      counter = new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
      this.remote.set(name, counter);
    }
    return counter;
  }

  /** Applies counter increments sent by a worker thread. */
  applyRemote(increments: readonly RemoteIncrement[]): void {
    for (const inc of increments) {
      this.counter(inc.name, inc.help, Object.keys(inc.labels)).inc(inc.labels, inc.value);
    }
  }
}

export interface RemoteIncrement {
  name: string;
  help: string;
  labels: Record<string, string>;
  value: number;
}
