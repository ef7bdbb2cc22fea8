import type { Store } from '../store/store.js';
import { Processor } from './processor.js';
import { StoreStage } from './store-stage.js';

/** The processor's stage list, in order. */
export function buildProcessor(deps: { store: Store }): Processor {
  return new Processor([new StoreStage(deps.store)]);
}
