import type { Logger } from 'pino';
import type { Keys } from '../../core/crypto/keys.js';
import type { StoredDestination } from '../../core/destination.js';
import { isSluiceError } from '../../core/errors.js';
import type { DeletionResult, DeletionSubject, DestinationContext, DestinationHttp } from '../../destinations/destination.js';
import { openDestination } from '../../destinations/destination-secrets.js';
import { destinationType, destinationTypes } from '../../destinations/registry.js';
import type { Store } from '../../store/store.js';
import type { DeletionTarget, DeletionTargets } from './ports.js';
import type { EventSubjectKeys, SubjectDeliverySummary } from './subject-data.js';

export interface DestinationDeletionTargetsDeps {
  readonly store: Store;
  readonly keys: Keys;
  /** The SSRF-guarded client (`createDestinationHttp`), the same guard deliveries go through (decision 0200). */
  readonly http: DestinationHttp;
  readonly logger: Logger;
}

/**
 * The executor's view of a workspace's destinations for deletion forwarding (GDPR 19, CCPA 7022), access
 * exports and "know" reports: every configured destination from the store, its config with secrets decrypted,
 * and the `deleteSubject` of its type from the registry, called through the SSRF-guarded HTTP client; then
 * every deleted one (its tombstone: name, type, when), which has nothing to call.
 *
 * A type that has no `deleteSubject` (or a type this build does not know) comes back without one, so the
 * certificate lists it as `not_supported` with the reason. The executor retries `retry` answers.
 *
 * @example
 *   const targets = new DestinationDeletionTargets({ store, keys, http: createDestinationHttp({ allowPrivate }), logger });
 *   new RequestExecutor({ ..., ports: { deletionTargets: targets } });
 */
export class DestinationDeletionTargets implements DeletionTargets {
  constructor(private readonly deps: DestinationDeletionTargetsDeps) {}

  async list(workspaceId: string, subject?: EventSubjectKeys): Promise<DeletionTarget[]> {
    const { store } = this.deps;
    const stored = await store.destinations.list(workspaceId);
    const tombstones = await store.destinations.tombstones(workspaceId);
    const summaries = subject ? await store.subjectData.deliverySummary(workspaceId, subject) : new Map<string, SubjectDeliverySummary>();
    const lastDelivered = (id: string): { lastDeliveredAt?: number; deliveries?: SubjectDeliverySummary } => {
      const deliveries = summaries.get(id);
      if (!deliveries) return {};
      return { deliveries, ...(deliveries.lastDeliveredAt !== undefined && { lastDeliveredAt: deliveries.lastDeliveredAt }) };
    };
    return [
      ...stored.map((row) => this.configured(row, lastDelivered(row.id))),
      // Deleted: named, with when, but nothing to call (the config that said where and how was erased).
      ...tombstones.map((t): DeletionTarget => ({ destinationId: t.id, name: t.name, type: t.type, deletedAt: t.deletedAt, ...lastDelivered(t.id) })),
    ];
  }

  /** A configured destination with its type's `deleteSubject` (and `deletionStatus`), where the type has one. */
  private configured(row: StoredDestination, delivered: { lastDeliveredAt?: number; deliveries?: SubjectDeliverySummary }): DeletionTarget {
    const { store, keys, logger } = this.deps;
    const workspaceId = row.workspaceId;
    const type = destinationType(row.type);
    const base = { destinationId: row.id, name: row.name, type: row.type, ...delivered, ...(type?.noDeletion !== undefined && { noDeletion: type.noDeletion }) };
    const deleteSubject = type?.deleteSubject;
    if (!type || !deleteSubject) return base;
    const deletionStatus = type.deletionStatus;
    /** Calls the type with the destination's config as it is now (a fixed URL or key counts on a retry). */
    const call = async (signal: AbortSignal, run: (config: Record<string, unknown>, context: DestinationContext) => Promise<DeletionResult>): Promise<DeletionResult> => {
      const current = (await store.destinations.get(workspaceId, row.id)) ?? row;
      const destination = openDestination(current, keys);
      const context = { http: this.deps.http, logger: logger.child({ destinationId: row.id, destinationType: row.type }), signal };
      try {
        return await run(destination.config, context);
      } catch (error) {
        // The SSRF guard's refusal (and any other non-retriable error) will not change by retrying.
        if (isSluiceError(error) && !error.retriable) return { kind: 'failed', error: `${error.code}: ${error.message}` };
        throw error;
      }
    };
    return {
      ...base,
      deleteSubject: (deletionSubject: DeletionSubject, signal: AbortSignal) => call(signal, (config, context) => deleteSubject.call(type, deletionSubject, config, context)),
      ...(deletionStatus && { deletionStatus: (jobId: string, signal: AbortSignal) => call(signal, (config, context) => deletionStatus.call(type, jobId, config, context)) }),
    };
  }

  /** Releases what destination types keep across calls (the warehouse's connection pools). */
  async close(): Promise<void> {
    await Promise.all(destinationTypes().map((type) => type.close?.().catch(() => undefined)));
  }
}
