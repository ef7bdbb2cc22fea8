// `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run.
import { runIngestBench } from './ingest/run-ingest.js';

const ok = await runIngestBench();
process.exitCode = ok ? 0 : 1;
