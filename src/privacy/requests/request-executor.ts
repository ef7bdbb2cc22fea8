import type { Logger } from 'pino';
import type { Keys } from '../../core/crypto/keys.js';
import { WakeableLoop } from '../../runtime/wakeable-loop.js';
import type { Store } from '../../store/store.js';
import { accessSummary } from './access-export.js';
import { deletionCertificateOf } from './certificate.js';
import { correctSubject } from './correction.js';
import { DEFAULT_FORWARDING_WINDOW_MS, eraseSubject } from './deletion.js';
import { checkDeletionStatuses, nextStatusCheckAt } from './deletion-status-checks.js';
import { knowReport } from './know-report.js';
import { splitPurposes, type ObjectionWaiting } from './objection-purposes.js';
import { consentCategoriesOf } from '../privacy-config.js';
import type { ExecutorPorts } from './ports.js';
import type { RequestService } from './request-service.js';
import type { PrivacyRequest } from './request.js';
import { identifiersOf, resolveSubject, subjectIdentifiers } from './subject.js';
import { closeUnverifiedRequests } from './unverified-requests.js';

/** What running a request came to: done (with its result), failed (with what failed), or try again later. */
export type ExecutionOutcome =
  | { readonly kind: 'completed'; readonly result: unknown }
  | { readonly kind: 'failed'; readonly failure: string; readonly result?: unknown }
  | { readonly kind: 'retry'; readonly afterMs: number; readonly reason: string }
  /** An objection with purposes no consent category covers: parked for the privacy team's decision (objection-purposes.ts). */
  | { readonly kind: 'awaiting_decision'; readonly state: ObjectionWaiting };

export interface ExecutorOptions {
  readonly store: Store;
  readonly keys: Keys;
  readonly requests: RequestService;
  readonly logger: Logger;
  readonly ports?: ExecutorPorts;
  /** How often to look for work when nothing woke the loop. */
  readonly pollMs?: number;
  readonly leaseMs?: number;
  /** How long deletions keep retrying destinations that answer "retry" (SLUICE_RETRY_WINDOW_SECONDS). */
  readonly forwardingWindowMs?: number;
  /** First wait before retrying destinations that answered "retry" (default 30 s, doubling). */
  readonly roundDelayMs?: number;
  /**
   * First wait before asking tools that took a deletion as an asynchronous job whether it is done
   * (SLUICE_DELETION_STATUS_CHECK_SECONDS; default 1 h, then as long again as the job has run, at most a day).
   */
  readonly statusCheckMs?: number;
}

const MAX_ATTEMPTS = 5;
const DEFAULT_STATUS_CHECK_MS = 3_600_000;
/** How long one status check of a request may take before another process may check it again. */
const STATUS_CHECK_LEASE_MS = 300_000;
const RETENTION_SWEEP_MS = 3_600_000;

/**
 * The `jobs` role's request executor: leases runnable requests one at a time (several processes may run it
 * against one database) and carries each to completed or failed. When none is runnable, it asks the tools that
 * took a deletion as an asynchronous job whether it is done, and updates that request's certificate
 * (deletion-status-checks.ts), or follows a correction's recipients the team sent it again to until their deliveries
 * end (correction-follow-up.ts). It also deletes request records whose 24-month keeping period is over, and
 * denies requests made on the hosted page that nobody verified within the workspace's `closeUnverifiedAfterDays`.
 */
export class RequestExecutor extends WakeableLoop {
  private lastSweep = 0;

  constructor(private readonly options: ExecutorOptions) {
    super({ pollMs: options.pollMs ?? 1_000, onError: (error) => options.logger.error({ err: error }, 'privacy request executor failed; retrying shortly') });
  }

  private get ports(): ExecutorPorts {
    return this.options.ports ?? {};
  }

  /**
   * Hourly: deletes records past their keeping period and denies hosted-page requests nobody verified in time
   * (unverified-requests.ts). Then runs one runnable request; false when there was none.
   */
  protected override async step(): Promise<boolean> {
    if (Date.now() - this.lastSweep > RETENTION_SWEEP_MS) {
      this.lastSweep = Date.now();
      const removed = await this.options.store.privacyRequests.deleteExpired(Date.now());
      if (removed > 0) this.options.logger.info({ removed }, 'privacy request records past their 24-month keeping period deleted');
      const closed = await closeUnverifiedRequests(this.options, Date.now());
      if (closed.length > 0) this.options.logger.info({ requestIds: closed.map((c) => c.requestId) }, `${closed.length} privacy request(s) made on the hosted page and never verified were denied (request settings: closeUnverifiedAfterDays)`);
    }
    const request = await this.options.store.privacyRequests.claimRunnable(Date.now(), this.options.leaseMs ?? 300_000);
    if (request) {
      await this.runClaimed(request);
      return true;
    }
    return this.checkDeletionStatuses();
  }

  /** Asks about the running deletion jobs of the request most overdue for a check; false when none is due. */
  private async checkDeletionStatuses(): Promise<boolean> {
    const { store, keys, requests, logger } = this.options;
    const request = await store.privacyRequests.claimStatusCheck(Date.now(), STATUS_CHECK_LEASE_MS);
    if (!request) return false;
    // A correction sent again to failed recipients: their deliveries are followed until they end.
    if (request.type === 'correct') {
      await requests.checkRetriedRecipients(request);
      return true;
    }
    const certificate = deletionCertificateOf(request.result);
    if (!certificate) {
      // Nothing to ask about (not a deletion's certificate): never checked again.
      await store.privacyRequests.saveStatusCheck(request.workspaceId, request.id, request.result, null);
      return true;
    }
    const targets = (await this.ports.deletionTargets?.list(request.workspaceId)) ?? [];
    const checked = await checkDeletionStatuses({ keys, targets, signal: this.signal, firstDelayMs: this.statusCheckMs }, certificate, Date.now());
    await requests.recordStatusCheck(request, checked.certificate, checked.settled, checked.nextCheckAt);
    for (const d of checked.settled) logger.info({ requestId: request.id, destination: d.destinationId, outcome: d.outcome }, `deletion job at ${d.name} ended: ${d.detail}`);
    return true;
  }

  private get statusCheckMs(): number {
    return this.options.statusCheckMs ?? DEFAULT_STATUS_CHECK_MS;
  }

  /** When a deletion's certificate has jobs still running at tools: the first time to ask about them. */
  private firstStatusCheck(result: unknown): number | undefined {
    const certificate = deletionCertificateOf(result);
    return certificate && nextStatusCheckAt(certificate, Date.now(), this.statusCheckMs);
  }

  private async runClaimed(request: PrivacyRequest): Promise<void> {
    const { requests, logger } = this.options;
    let outcome: ExecutionOutcome;
    try {
      outcome = await this.execute(request);
    } catch (error) {
      if (this.signal.aborted) return; // the lease runs out and another process (or the next start) resumes it
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ err: error, requestId: request.id }, 'privacy request attempt failed');
      outcome = request.attempts + 1 >= MAX_ATTEMPTS ? { kind: 'failed', failure: `${request.type} failed after ${MAX_ATTEMPTS} attempts: ${message}` } : { kind: 'retry', afterMs: 5_000 * 2 ** request.attempts, reason: message };
    }
    switch (outcome.kind) {
      case 'completed':
        await requests.complete(request, outcome.result, this.firstStatusCheck(outcome.result));
        if (request.type === 'delete') await this.emptyDatabaseLogs(request);
        break;
      case 'failed':
        await requests.fail(request, outcome.failure, outcome.result ?? null, this.firstStatusCheck(outcome.result));
        break;
      case 'retry':
        await requests.postpone(request, outcome.afterMs, outcome.reason);
        break;
      case 'awaiting_decision':
        await requests.awaitObjectionDecision(request, outcome.state);
        break;
    }
  }

  /**
   * After a deletion is recorded as complete (its work state, which named the person, cleared): empties the
   * embedded files' write-ahead logs, which may still hold page images of what was erased (decision 0403).
   * Best effort: a log kept busy is overwritten as it is reused, and said so in the log.
   */
  private async emptyDatabaseLogs(request: PrivacyRequest): Promise<void> {
    const files = this.ports.files;
    if (!files) return;
    try {
      const kept = (await files.truncateLogs()).filter((f) => !f.truncated);
      if (kept.length > 0) this.options.logger.warn({ requestId: request.id, files: kept }, 'could not empty every write-ahead log after a deletion (busy); they are overwritten as they are reused');
    } catch (error) {
      this.options.logger.warn({ err: error, requestId: request.id }, 'could not empty the write-ahead logs after a deletion');
    }
  }

  /** Runs one request by its type. Expected outcomes are values; a thrown error is an outage (retried). */
  async execute(request: PrivacyRequest): Promise<ExecutionOutcome> {
    const { store, keys } = this.options;
    const ports = this.ports;
    const ws = request.workspaceId;
    const missing = (what: string): ExecutionOutcome => ({ kind: 'failed', failure: `${request.type} needs the ${what}, which is not wired into this build; nothing was changed` });
    switch (request.type) {
      case 'access':
        return { kind: 'completed', result: await accessSummary({ store, ports }, request) };
      case 'know':
        return { kind: 'completed', result: await knowReport({ store, ports }, request, Date.now()) };
      case 'delete': {
        const erased = await eraseSubject(
          {
            store, keys, ports, signal: this.signal,
            ...(this.options.forwardingWindowMs !== undefined && { forwardingWindowMs: this.options.forwardingWindowMs }),
            ...(this.options.roundDelayMs !== undefined && { roundDelayMs: this.options.roundDelayMs }),
            checkpoint: (state) => store.privacyRequests.saveWorkState(ws, request.id, state),
          },
          request,
        );
        if (erased.kind === 'pending') return { kind: 'retry', afterMs: erased.afterMs, reason: erased.reason };
        return erased.failure ? { kind: 'failed', failure: erased.failure, result: erased.certificate } : { kind: 'completed', result: erased.certificate };
      }
      case 'restrict':
      case 'limit_sensitive': {
        const subject = await resolveSubject(store.identities, ws, request.subject);
        const identifiers = subjectIdentifiers(subject);
        const kind = request.type === 'restrict' ? 'restrict' : 'limit_sensitive';
        await store.subjectData.addRestriction({ workspaceId: ws, kind, identifiers, requestId: request.id, at: Date.now() });
        return { kind: 'completed', result: { kind, identifiers: identifiers.length, effect: kind === 'restrict' ? 'events are kept but no longer routed (drop reason `restricted`)' : 'sensitive fields no longer flow to destinations' } };
      }
      case 'unrestrict':
      case 'unlimit_sensitive': {
        // Lifts what `restrict` / `limit_sensitive` stored for every identifier of the person (lifted: how many).
        const identifiers = subjectIdentifiers(await resolveSubject(store.identities, ws, request.subject));
        const lifted = await store.subjectData.removeRestriction(ws, request.type === 'unrestrict' ? 'restrict' : 'limit_sensitive', identifiers);
        return { kind: 'completed', result: { kind: request.type, lifted } };
      }
      case 'suppress':
      case 'unsuppress': {
        if (!ports.suppression) return missing('suppression service');
        const subject = await resolveSubject(store.identities, ws, request.subject);
        if (request.type === 'suppress') {
          await ports.suppression.suppress({ workspaceId: ws, subject, hashed: false, requestId: request.id });
          return { kind: 'completed', result: { kind: 'suppress', identifiers: identifiersOf(subject).length } };
        }
        return { kind: 'completed', result: { kind: 'unsuppress', removed: await ports.suppression.unsuppress({ workspaceId: ws, subject, requestId: request.id }) } };
      }
      case 'object':
      case 'opt_out': {
        if (!ports.consent) return missing('consent ledger');
        const subject = await resolveSubject(store.identities, ws, request.subject);
        // An objection's purposes that name a consent category are denied with its categories; the others wait for
        // the team's decision (objection-purposes.ts, decision 0607), after what can be stopped at once is.
        const purposes = request.type === 'object' ? splitPurposes(request.params.purposes ?? [], consentCategoriesOf((await store.workspaces.get(ws))?.settings ?? {})) : undefined;
        const needDecision = purposes?.needDecision ?? [];
        const categories = request.type === 'opt_out' ? ['advertising'] : objectedCategories(request.params.categories, purposes?.categoryIds ?? [], needDecision);
        const recorded = categories.length === 0 && needDecision.length > 0 ? { categories: [] } : await ports.consent.deny({ workspaceId: ws, subject, categories, requestId: request.id, reason: request.type === 'opt_out' ? 'opt_out' : 'objection' });
        if (needDecision.length > 0) return { kind: 'awaiting_decision', state: { objection: { deniedCategories: recorded.categories, awaiting: needDecision } } };
        // Nothing denied is nothing honoured: a person decides which categories cover it, then retries the request.
        if (recorded.categories.length === 0) {
          return {
            kind: 'failed',
            failure:
              request.type === 'opt_out'
                ? 'no consent category of this workspace is marked gpc: true (the ones that cover sale or sharing), so the opt-out denied nothing; mark them (PUT /api/v1/consent/categories) and retry this request'
                : 'this workspace has no optional consent category, so the objection denied nothing; add the categories it objects to (PUT /api/v1/consent/categories) and retry this request',
          };
        }
        return { kind: 'completed', result: { kind: request.type, deniedCategories: recorded.categories, purposes: request.params.purposes ?? [] } };
      }
      case 'correct': {
        if (!ports.pipeline) return missing('pipeline (to send the corrected identify)');
        const corrected = await correctSubject(
          {
            store,
            pipeline: ports.pipeline,
            checkpoint: (state) => store.privacyRequests.saveWorkState(ws, request.id, state),
            // The router's retry window, and a little more for its last attempt to be recorded.
            windowMs: (this.options.forwardingWindowMs ?? DEFAULT_FORWARDING_WINDOW_MS) + 10 * 60_000,
          },
          request,
        );
        if (corrected.kind === 'pending') return { kind: 'retry', afterMs: corrected.afterMs, reason: corrected.reason };
        if (corrected.kind === 'failed') return corrected;
        return { kind: 'completed', result: corrected.result };
      }
    }
  }
}

/**
 * The consent categories an objection denies at once: those it names and those its purposes name. Without either, as
 * before, every optional one (an empty list to the port); but not when it names only purposes no category covers: what
 * the person objects to is then for the team to decide, not every optional use.
 */
function objectedCategories(named: readonly string[] | undefined, fromPurposes: readonly string[], needDecision: readonly string[]): string[] {
  if (named === undefined && needDecision.length > 0) return [...fromPurposes];
  if (named === undefined) return [];
  return [...new Set([...named, ...fromPurposes])];
}
