/**
 * `npm run bench [-- name ...]`: every benchmark (or the named ones), one after another, each in its own
 * process so one does not warm or load the next. Each prints ratios against a baseline measured in the same
 * run (machines here are noisy). Names: ingest, pipeline, pipeline-cpu, event-indexes, privacy-gate, privacy-requests, warehouse, counters, replay, soak.
 * `npm run bench:scale` runs the scale-out benchmark (separate processes on PostgreSQL + JetStream).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHES: Record<string, { file: string; what: string }> = {
  ingest: { file: 'ingest/run-ingest-cli.ts', what: 'Tracking API throughput and latency against a bare Fastify baseline' },
  pipeline: { file: 'pipeline.ts', what: 'ingest -> processor -> router -> webhook, against ingest alone' },
  'pipeline-cpu': { file: 'pipeline-cpu.ts', what: 'CPU per event of the processor and router threads, end to end (Linux)' },
  'event-indexes': { file: 'event-indexes.ts', what: 'cost of each secondary index of the events table on the processor\'s inserts, against the dedupe index alone' },
  'privacy-gate': { file: 'privacy-gate.ts', what: 'processor throughput with the privacy stages on versus off' },
  'privacy-requests': { file: 'privacy-requests.ts', what: 'export and delete one subject among 100k and 1M events' },
  warehouse: { file: 'warehouse.ts', what: 'PostgreSQL warehouse load against plain JSON inserts (needs PostgreSQL)' },
  replay: { file: 'replay.ts', what: 'a replay queueing stored events to a destination, against reading the same pages alone' },
  counters: { file: 'counters.ts', what: 'cost of the per-source counters: one in-memory add per request, one upsert flush per second' },
  soak: { file: 'soak.ts', what: 'a steady load for minutes (SOAK_RATE, SOAK_MINUTES): CPU and disk bytes per event against a burst, latency over time' },
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}. Choose from: ${Object.keys(BENCHES).join(', ')}.`);
  process.exit(2);
}
const failed: string[] = [];
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  const bench = BENCHES[name]!;
  console.log(`\n== bench ${name}: ${bench.what}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, bench.file)], { stdio: 'inherit' });
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\nBenchmarks that failed to run: ${failed.join(', ')}`);
  process.exitCode = 1;
}
