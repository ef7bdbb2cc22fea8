import type { Store } from '../store/store.js';
import { IdentityStage } from './identity-stage.js';
import { Processor } from './processor.js';
import { StoreStage } from './store-stage.js';

/** The processor's stage list, in order: (suppression) -> identity -> (consent, PII) -> store. */
export function buildProcessor(deps: { store: Store }): Processor {
  return new Processor([new IdentityStage(deps.store), new StoreStage(deps.store)]);
}
