import { parentPort, workerData } from 'node:worker_threads';
import { isSluiceError } from '../core/errors.js';
import type { RemoteIncrement } from '../observability/metrics.js';
import { lowerThisThreadPriority, PIPELINE_THREAD_NICE } from './thread-priority.js';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.js';

/** Counter increments a worker batches up and sends to the main thread once a second. */
export class WorkerCounters {
  private pending = new Map<string, RemoteIncrement>();

  inc(name: string, help: string, labels: Record<string, string>, value = 1): void {
    // Called per delivery outcome: a plain concatenation (NUL cannot be in a label of ours), not JSON.stringify.
    let key = name;
    for (const label in labels) key += `\u0000${label}\u0000${labels[label]}`;
    const current = this.pending.get(key);
    if (current) current.value += value;
    else this.pending.set(key, { name, help, labels, value });
  }

  drain(): RemoteIncrement[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }
}

export interface WorkerContext {
  data: WorkerData;
  signal: AbortSignal;
  counters: WorkerCounters;
}

/**
 * Runs a stage inside a worker thread: hands it the configuration, an abort signal raised by the main
 * thread's `stop`, and counters forwarded to the main thread's metrics.
 */
export function runWorker(main: (context: WorkerContext) => Promise<void>): void {
  const port = parentPort;
  if (!port) throw new Error('runWorker must run inside a worker thread');
  const data = workerData as WorkerData;
  // Where this process also acknowledges Tracking API requests, those come first (see thread-priority.ts).
  if (data.config.roles.includes('ingest')) lowerThisThreadPriority(PIPELINE_THREAD_NICE);
  const controller = new AbortController();
  const counters = new WorkerCounters();
  const send = (message: FromWorker) => port.postMessage(message);
  const flush = () => {
    const increments = counters.drain();
    if (increments.length > 0) send({ type: 'metrics', increments });
  };
  const timer = setInterval(flush, 1000);
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') controller.abort();
  });
  main({ data, signal: controller.signal, counters })
    .then(() => {
      clearInterval(timer);
      flush();
      send({ type: 'stopped' });
      port.close();
    })
    .catch((error: unknown) => {
      clearInterval(timer);
      // A configuration that cannot work is told in its own sentence (no stack: it is not a bug).
      if (isSluiceError(error) && error.code === 'invalid_config') send({ type: 'fatal', message: error.message, configError: true });
      else send({ type: 'fatal', message: error instanceof Error ? error.stack ?? error.message : String(error) });
      process.exit(1);
    });
  send({ type: 'ready' });
}
