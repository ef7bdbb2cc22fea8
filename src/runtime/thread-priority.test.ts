import { existsSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

describe('lowerThisThreadPriority', () => {
  // Linux gives each thread its own nice value; elsewhere the function reports false and changes nothing.
  it.runIf(existsSync('/proc/thread-self'))('lowers the calling worker thread only, not the process', async () => {
    const source = new URL('./thread-priority.ts', import.meta.url).href;
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      import('tsx/esm/api')
        .then(({ register }) => { register(); return import(workerData.source); })
        .then((m) => parentPort.postMessage([m.lowerThisThreadPriority(7), require('node:os').getPriority()]));
      `,
      { eval: true, workerData: { source } },
    );
    const lowered = await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    // The worker's own thread now runs at nice 7 (getPriority() without an id reads the calling thread).
    expect(lowered).toEqual([true, 7]);
    expect(os.getPriority(process.pid)).toBe(0);
  });
});
