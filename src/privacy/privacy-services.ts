import type { Keys } from '../core/crypto/keys.js';
import type { LinkedIdentityResolver } from '../core/privacy/subject.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import { ConsentLedger } from './consent/consent-ledger.js';
import { graphLinkedIdentities } from './graph-linked-identities.js';
import { PrivacyConfig } from './privacy-config.js';
import { SuppressionService } from './suppression/suppression-service.js';

/**
 * The privacy services of one thread, built once and shared by the API, the public consent endpoint, the
 * processor stages and the privacy-requests executor.
 */
export interface PrivacyServices {
  readonly config: PrivacyConfig;
  readonly suppressions: SuppressionService;
  readonly consent: ConsentLedger;
  /** Every identity linked to each identifier (by identifierKey), through the identity graph. */
  linked: LinkedIdentityResolver;
  /** Replaces the identity-graph resolver (suppression and consent cover every linked identity). */
  useLinkedIdentities(resolver: LinkedIdentityResolver): void;
  close(): void;
}

export function createPrivacyServices(deps: { store: Store; keys: Keys; changes?: ChangeFeed }): PrivacyServices {
  const config = new PrivacyConfig(deps.store, deps.changes);
  let linked = graphLinkedIdentities(deps.store.identities);
  const suppressions = new SuppressionService(deps.store, deps.keys, deps.changes, linked);
  const consent = new ConsentLedger(deps.store, deps.keys, config, linked);
  return {
    config,
    suppressions,
    consent,
    linked: (workspaceId, identifiers) => linked(workspaceId, identifiers),
    useLinkedIdentities(resolver) {
      linked = resolver;
      suppressions.useLinkedIdentities(resolver);
      consent.useLinkedIdentities(resolver);
    },
    close() {
      config.close();
    },
  };
}
