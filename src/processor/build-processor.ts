import type { Keys } from '../core/crypto/keys.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import type { Store } from '../store/store.js';
import { ChildrenStage } from './children-stage.js';
import { ConsentStage } from './consent-stage.js';
import { IdentityStage } from './identity-stage.js';
import { PiiStage } from './pii-stage.js';
import { Processor } from './processor.js';
import { StoreStage } from './store-stage.js';
import { SuppressionStage } from './suppression-stage.js';

/** The Keys.pseudonym purpose of hashed PII: one key per workspace, so joins work inside a workspace only. */
export function piiHasher(keys: Keys): (workspaceId: string) => (value: string) => string {
  return (workspaceId) => (value) => keys.pseudonym(value, `pii:${workspaceId}`);
}

/**
 * The processor's stage list, in order: suppression -> identity -> children -> consent -> PII -> store.
 * Without `privacy` (tests of the bare pipeline) only identity and store run.
 */
export function buildProcessor(deps: { store: Store; privacy?: { services: PrivacyServices; keys: Keys } }): Processor {
  const { store, privacy } = deps;
  if (!privacy) return new Processor([new IdentityStage(store), new StoreStage(store)]);
  return new Processor([
    new SuppressionStage(privacy.services.suppressions),
    new IdentityStage(store),
    new ChildrenStage(store, privacy.services),
    new ConsentStage(store, privacy.services),
    new PiiStage(store, privacy.services, piiHasher(privacy.keys)),
    new StoreStage(store),
  ]);
}
