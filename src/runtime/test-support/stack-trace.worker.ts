// Test fixture (worker-bundles.test.ts): a worker started from source through ts-worker-loader.mjs. It uses an
// inlined package (kysely) and an external one (pino), then answers with the stack of an error made on the line
// marked below, and with the URL this file sees as its own.
import { sql } from 'kysely';
import pino from 'pino';
import { parentPort } from 'node:worker_threads';

const node = sql.raw('select 1').toOperationNode().kind;
const level = pino({ enabled: false }).level;
const error = new Error('made on purpose'); // STACK-LINE
parentPort?.postMessage({ stack: error.stack, ownUrl: import.meta.url, node, level });
