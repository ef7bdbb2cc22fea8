import type { Keys } from '../core/crypto/keys.js';
import { graphLinkedIdentities } from '../privacy/graph-linked-identities.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import type { DeliveryQueue } from '../queue/queue.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import { ChildrenStage, type ChildDeletionOpener } from './children-stage.js';
import { ConsentStage } from './consent-stage.js';
import type { DestinationDecider } from './fan-out/decision.js';
import { DestinationDirectory } from './fan-out/destination-directory.js';
import { FanOut } from './fan-out/fan-out.js';
import { FanOutStage, type OnWithheld } from './fan-out/fan-out-stage.js';
import { FilterDecider } from './fan-out/filter-decider.js';
import { IntegrationsDecider } from './fan-out/integrations-decider.js';
import { PrivacyDecider } from './fan-out/privacy-decider.js';
import { RestrictionDecider } from './fan-out/restriction-decider.js';
import { IdentityStage } from './identity-stage.js';
import { PiiStage } from './pii-stage.js';
import { Processor } from './processor.js';
import { StoreStage, type OnStored } from './store-stage.js';
import { SuppressionStage } from './suppression-stage.js';

/** The Keys.pseudonym purpose of hashed PII: one key per workspace, so joins work inside a workspace only. */
export function piiHasher(keys: Keys): (workspaceId: string) => (value: string) => string {
  return (workspaceId) => (value) => keys.pseudonym(value, `pii:${workspaceId}`);
}

export interface PrivacyDeps {
  services: PrivacyServices;
  keys: Keys;
  /** Opens a deletion request for a subject found to be a child; without it the subject is only flagged. */
  openChildDeletion?: ChildDeletionOpener;
}

export interface ProcessorDeps {
  store: Store;
  /** Suppression, consent, children and PII; without it (tests of the bare pipeline) only identity and store run. */
  privacy?: PrivacyDeps;
  /** Where fan-out publishes delivery jobs; without it the processor stores events but routes nothing. */
  queue?: Pick<DeliveryQueue, 'publishDeliveries'>;
  /**
   * Invalidates the stages' caches (destinations; the privacy services hold their own subscription) when the
   * API changes configuration; caught up with the store's change counters before each batch.
   */
  changes?: ChangeFeed;
  /** Reports a withheld (event, destination) pair, for metrics and source counters. */
  onDropped?: OnWithheld;
  /** Reports the events a batch stored, per source and minute of receipt (the `stored` source counters). */
  onStored?: OnStored;
}

/**
 * The per-destination decision steps of fan-out, in order. Each returns CONTINUE (possibly replacing the
 * event for that destination) or drop(reason):
 *   integrations object -> restriction (Art. 18) -> privacy (consent gate, children, per-destination PII action)
 *   -> destination filters (FQL: drop, sample, drop_properties, allow_properties)
 * Used by the processor and by replay/retry, so every path to a destination applies the same rules.
 */
export function buildDeciders(deps: { store: Store; privacy?: PrivacyDeps }): DestinationDecider[] {
  return [
    new IntegrationsDecider(),
    new RestrictionDecider(deps.store, deps.privacy?.services.linked ?? graphLinkedIdentities(deps.store.identities)),
    ...(deps.privacy ? [new PrivacyDecider(deps.privacy.services, piiHasher(deps.privacy.keys), deps.store)] : []),
    new FilterDecider(),
  ];
}

/**
 * The processor's stage list, in order: suppression -> identity -> children -> consent -> PII -> store -> fan-out;
 * before them the configuration caches catch up with the store's change counters; after them the store's
 * writes of the batch are flushed (one flush where the store commits without one).
 */
export function buildProcessor(deps: ProcessorDeps): Processor {
  const { store, privacy } = deps;
  const fanOut = deps.queue
    ? [new FanOutStage({ store, queue: deps.queue, directory: new DestinationDirectory(store.destinations, deps.changes), fanOut: new FanOut(buildDeciders(deps)) }, deps.onDropped)]
    : [];
  const changes = deps.changes;
  const hooks = { flush: () => store.flushWrites(), ...(changes && { catchUp: () => changes.catchUp() }) };
  if (!privacy) return new Processor([new IdentityStage(store), new StoreStage(store, deps.onStored), ...fanOut], hooks);
  return new Processor([
    new SuppressionStage(privacy.services.suppressions, store.identities),
    new IdentityStage(store),
    new ChildrenStage(store, privacy.services, privacy.openChildDeletion),
    new ConsentStage(store, privacy.services),
    new PiiStage(store, privacy.services, piiHasher(privacy.keys)),
    new StoreStage(store, deps.onStored),
    ...fanOut,
  ], hooks);
}
