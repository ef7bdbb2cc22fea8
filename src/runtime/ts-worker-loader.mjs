// Development and tests only: when Sluice runs from its TypeScript sources (vitest, tsx), a worker thread
// starts here, registers tsx's loader in its own thread, then loads the stage's .ts entry. The built
// package (dist/) starts workers from their compiled .js files and never uses this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsEntry);
