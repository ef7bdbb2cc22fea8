import type { SluiceConfig } from '../config/config.js';
import type { RemoteIncrement } from '../observability/metrics.js';

/** Data every stage worker starts with. */
export interface WorkerData {
  config: SluiceConfig;
}

export type ToWorker = { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'metrics'; increments: RemoteIncrement[] }
  | { type: 'stopped' }
  /** `configError`: the configuration cannot work (an `invalid_config`); a new worker would fail the same way. */
  | { type: 'fatal'; message: string; configError?: boolean };
