import { randomUUID } from 'node:crypto';

export interface LoadResult {
  /** Events in batches answered 200. */
  acknowledgedEvents: number;
  refusedRequests: number;
  seconds: number;
  /** Acknowledgement latency of the /v1/batch requests, ms. */
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Closed-loop load: `concurrency` loops per target, each POSTing /v1/batch with `batchSize` fresh events
 * (unique messageIds, 200 users) for `seconds`. Like a fleet of analytics-node clients flushing batches.
 */
export async function runLoad(options: { targets: string[]; writeKey: string; seconds: number; concurrency: number; batchSize: number }): Promise<LoadResult> {
  const auth = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
  const latencies: number[] = [];
  let acknowledgedEvents = 0;
  let refusedRequests = 0;
  const started = Date.now();
  const until = started + options.seconds * 1000;
  let n = 0;
  const loop = async (target: string) => {
    while (Date.now() < until) {
      const batch = Array.from({ length: options.batchSize }, () => {
        n += 1;
        return { type: 'track', event: 'Bench', userId: `user-${n % 200}`, messageId: randomUUID(), properties: { n, plan: 'pro', revenue: 12.5 } };
      });
      const t0 = performance.now();
      try {
        const response = await fetch(`${target}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (response.status === 200) acknowledgedEvents += batch.length;
        else refusedRequests += 1;
      } catch {
        refusedRequests += 1;
      }
    }
  };
  await Promise.all(options.targets.flatMap((t) => Array.from({ length: options.concurrency }, () => loop(t))));
  latencies.sort((a, b) => a - b);
  return { acknowledgedEvents, refusedRequests, seconds: (Date.now() - started) / 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
