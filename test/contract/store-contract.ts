import { afterAll, beforeAll, describe } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { accountContract } from './store/account-contract.js';
import { auditContract } from './store/audit-contract.js';
import { configVersionContract } from './store/config-version-contract.js';
import { deliveryContract } from './store/delivery-contract.js';
import { destinationAlertContract } from './store/destination-alert-contract.js';
import { pipelineAlertContract } from './store/pipeline-alert-contract.js';
import { eventContract } from './store/event-contract.js';
import { identityContract } from './store/identity-contract.js';
import { installationContract } from './store/installation-contract.js';
import { privacyRequestContract } from './store/privacy-request-contract.js';
import { privacyContract } from './store/privacy-contract.js';
import { rateLimitContract } from './store/rate-limit-contract.js';
import { replayContract } from './store/replay-contract.js';
import { sourceContract } from './store/source-contract.js';
import { sourceCounterContract } from './store/source-counter-contract.js';
import { tokenContract } from './store/token-contract.js';
import { twoFactorContract } from './store/two-factor-contract.js';
import { workspaceContract } from './store/workspace-contract.js';

/** A store under test and how to dispose of it (drop the schema, delete the file). */
export interface StoreFixture {
  readonly store: Store;
  close(): Promise<void>;
}

export interface StoreContractOptions {
  /** Shown in the suite title, e.g. "sqlite" or "postgres". */
  name: string;
  /** Opens a fresh, migrated, empty store. Called once per suite. */
  open(): Promise<StoreFixture>;
}

/** What each repository's contract receives: the open store (valid inside tests only). */
export interface StoreContractContext {
  store(): Store;
}

/**
 * One repository's behaviour, written once and run against every Store implementation. Each repository has
 * its own file under `test/contract/store/`; add yours to STORE_CONTRACTS.
 */
export type RepositoryContract = (context: StoreContractContext) => void;

export const STORE_CONTRACTS: readonly RepositoryContract[] = [installationContract, workspaceContract, tokenContract, sourceContract, eventContract, identityContract, privacyRequestContract, auditContract, privacyContract, accountContract, twoFactorContract, deliveryContract, sourceCounterContract, configVersionContract, replayContract, rateLimitContract, destinationAlertContract, pipelineAlertContract];

/**
 * Runs every repository contract against one Store implementation (like Hono's shared router suite). Tests
 * share one store per suite and isolate themselves by creating their own workspaces.
 */
export function runStoreContract(options: StoreContractOptions): void {
  describe(`Store contract (${options.name})`, () => {
    let fixture: StoreFixture | undefined;
    beforeAll(async () => {
      fixture = await options.open();
    });
    afterAll(async () => {
      await fixture?.close();
    });
    const context: StoreContractContext = {
      store() {
        if (!fixture) throw new Error('store is not open (the suite failed to open it; see beforeAll)');
        return fixture.store;
      },
    };
    for (const contract of STORE_CONTRACTS) contract(context);
  });
}
