import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.js';

const RESTART_DELAY_MS = 1000;
/**
 * A young generation of 128 MB (V8's semi-spaces 64 MB instead of 16): a batch's objects live across a few awaits
 * (store writes, a destination's answer), and with the default they were copied by one or two scavenges and
 * promoted before dying; the processor's batches grew to 4,000 events since. bench/pipeline-cpu, 100,000 events:
 * 64 MB against the default, five pairs (session 14): V8's helper threads 20.2 against 23.0 us per event, events/s
 * +6 %; 128 MB (and 192) against 64, pairs in session 34: processor 19.0-20.0 against 20.4-22.8 us per event, V8's
 * helper threads 7.6-9.6 against 10.4-14.2, events/s +5 to +14 %; the process's peak RSS 711 against 656 MB. Costs up
 * to 64 MB more of memory per stage thread under load, none when idle (V8 grows the semi-spaces only as needed).
 */
const PIPELINE_HEAP = { maxYoungGenerationSizeMb: 128 };

let heapFlagsSet = false;
/**
 * V8's memory reducer off (V8's flags are per process: set before the first stage worker starts, so every worker's
 * heap is set up without it). The reducer runs extra collections that compact a heap and hand its pages back to
 * the system whenever the allocation rate drops, which a pipeline thread's bursty batches make it do over and
 * over; every page handed back is mapped and faulted in again by the next batch (session 17: 8.6 % of all CPU
 * samples were page faults on fresh memory, mostly V8's heap pages). bench/pipeline-cpu, six alternating pairs of
 * 100,000 events: all threads 100.1 against 107.6 us per event (-7 %; 4 pairs better, 2 worse on this noisy
 * machine), 17.7k against 16.4k events/s. The cost: a heap keeps the size its busiest moment gave it until a
 * regular collection shrinks it, so an idle Sluice returns less memory to the system after a burst; bench/soak
 * (session 18, two runs each) read 434-467 MB of RSS after 60 s idle with it against 426-436 MB without.
 */
function setPipelineHeapFlags(): void {
  if (heapFlagsSet) return;
  heapFlagsSet = true;
  setFlagsFromString('--no-memory-reducer');
}

/**
 * Runs one stage in a worker thread and keeps it running: a worker that dies is restarted after a second
 * (its queue redelivers what it had not acknowledged). One that failed on the configuration (`invalid_config`,
 * e.g. SLUICE_QUEUE_REPLICAS above what the NATS servers hold) is not restarted, since every new one would fail
 * the same way: `onConfigError` gets its message. Source files (.ts, under tests) start through
 * ts-worker-loader.mjs (bundled with esbuild).
 */
export class WorkerHost {
  private worker: Worker | undefined;
  private stopping = false;
  private configError: string | undefined;
  private stopped: Promise<void> | undefined;
  private readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private isReady = false;

  constructor(
    private readonly name: string,
    private readonly url: URL,
    private readonly data: WorkerData,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly onConfigError: (message: string) => void = () => {},
  ) {}

  start(): void {
    setPipelineHeapFlags();
    const fromSource = this.url.pathname.endsWith('.ts');
    const worker = fromSource
      ? new Worker(new URL('./ts-worker-loader.mjs', import.meta.url), { workerData: { ...this.data, tsEntry: this.url.href }, name: `sluice-${this.name}`, resourceLimits: PIPELINE_HEAP })
      : new Worker(this.url, { workerData: this.data, name: `sluice-${this.name}`, resourceLimits: PIPELINE_HEAP });
    this.worker = worker;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') this.markReady();
      else if (message.type === 'metrics') this.metrics.applyRemote(message.increments);
      else if (message.type === 'fatal' && message.configError) {
        this.configError = message.message;
        this.logger.error({ worker: this.name }, `worker stopped by its configuration, not restarted: ${message.message}`);
      } else if (message.type === 'fatal') this.logger.error({ worker: this.name, error: message.message }, 'worker failed');
    });
    worker.on('error', (error) => this.logger.error({ worker: this.name, err: error }, 'worker error'));
    this.stopped = new Promise((resolve) => {
      worker.on('exit', (code) => {
        resolve();
        if (!this.isReady) this.failReady(new Error(`worker ${this.name} exited with code ${code} before it was ready`));
        if (this.configError !== undefined && !this.stopping) {
          this.stopping = true;
          this.onConfigError(this.configError);
        } else if (!this.stopping) {
          this.logger.error({ worker: this.name, code }, 'worker exited; restarting');
          setTimeout(() => !this.stopping && this.start(), RESTART_DELAY_MS).unref();
        }
      });
    });
  }

  /**
   * Resolves once the worker has loaded its code and started (its first 'ready' message); rejects if it
   * exits before. Starting Sluice waits for it, so the first accepted events are processed promptly.
   */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  private markReady(): void {
    this.isReady = true;
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
  }

  private failReady(error: Error): void {
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
  }

  /** Asks the worker to finish its current batch and exit; terminates it after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    const timer = setTimeout(() => void worker.terminate(), graceMs);
    await this.stopped;
    clearTimeout(timer);
  }
}
