import { readlinkSync } from 'node:fs';
import os from 'node:os';

/** Nice value of the pipeline's worker threads in a process that also answers the Tracking API. */
export const PIPELINE_THREAD_NICE = 10;
/** Nice value of the embedded files' checkpointer thread in such a process: after the pipeline threads. */
export const CHECKPOINTER_THREAD_NICE = 11;

/**
 * Lowers the scheduling priority of the calling thread (not the whole process) to `nice`. On Linux a thread
 * has its own nice value, addressed by its thread id (`/proc/thread-self`). Returns false where that is not
 * available (another OS, a container without /proc): the thread then keeps the process's priority.
 *
 * Why: in one process the Tracking API's main thread acknowledges requests while the processor and router
 * threads work through the backlog. On a machine with few cores, a lower priority for the pipeline threads
 * lets the acknowledging thread run as soon as a request arrives (latency), while the pipeline still gets
 * every cycle the main thread does not need (throughput).
 */
export function lowerThisThreadPriority(nice: number): boolean {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(threadId) || threadId <= 0) return false;
    os.setPriority(threadId, nice);
    return os.getPriority(threadId) === nice;
  } catch {
    return false;
  }
}
