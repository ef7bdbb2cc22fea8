// The ingest benchmark as a process of its own (bench/run.ts starts each benchmark this way).
import { runIngestBench } from './run-ingest.js';

const ok = await runIngestBench();
process.exitCode = ok ? 0 : 1;
