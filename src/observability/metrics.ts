import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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
   * @param backlog events accepted and not yet processed (this process's inbox).
   * @param destinationBacklogs jobs waiting per destination (read from the delivery queues at each scrape), where
   *   this process has them.
   */
  /**
   * `backlog`: the inbox backlog, where this process knows it (the ingest role samples it); without it the
   * process has no `sluice_inbox_backlog` (a 0 there read as "nothing waiting" on routers and processors).
   */
  constructor(backlog: (() => number) | undefined, destinationBacklogs?: () => Promise<readonly { destinationId: string; waiting: number }[]>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'sluice_process_' });
    this.eventsReceived = new Counter({ name: 'sluice_events_received_total', help: 'Events accepted by the Tracking API (durably queued).', labelNames: ['source_id'], registers: [this.registry] });
    this.eventsRejected = new Counter({ name: 'sluice_events_rejected_total', help: 'Events rejected by the Tracking API, by error code.', labelNames: ['code'], registers: [this.registry] });
    this.requestsRejected = new Counter({ name: 'sluice_requests_rejected_total', help: 'Tracking API requests refused as a whole, by error code.', labelNames: ['code'], registers: [this.registry] });
    if (backlog) {
      new Gauge({
        name: 'sluice_inbox_backlog',
        help: 'Events accepted but not yet processed.',
        registers: [this.registry],
        collect() {
          this.set(backlog());
        },
      });
    }
    if (destinationBacklogs) {
      new Gauge({
        name: 'sluice_destination_backlog',
        help: 'Delivery jobs of a destination not yet finished (waiting in its queue, retrying ones included).',
        labelNames: ['destination_id'],
        registers: [this.registry],
        async collect() {
          this.reset(); // a deleted destination's series goes
          // A queue that cannot answer leaves the gauge empty for this scrape rather than failing the scrape.
          const backlogs = await destinationBacklogs().catch(() => []);
          for (const { destinationId, waiting } of backlogs) this.set({ destination_id: destinationId }, waiting);
        },
      });
    }
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
