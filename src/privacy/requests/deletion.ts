import { setImmediate as yieldToIngest } from 'node:timers/promises';
import type { Keys } from '../../core/crypto/keys.js';
import type { DeletionResult } from '../../destinations/destination.js';
import type { Store } from '../../store/store.js';
import { signCertificate, type DeletionCertificate, type DestinationDeletion, type SystemDeletion } from './certificate.js';
import type { DeletionTarget, ExecutorPorts } from './ports.js';
import type { PrivacyRequest } from './request.js';
import { identifiersOf, resolveSubject, type ResolvedSubject } from './subject.js';

/** Events deleted per statement: small enough that ingest's writes interleave (each batch its own commit). */
export const DELETE_BATCH = 2_000;
const DESTINATION_ATTEMPTS = 3;

export interface DeletionDeps {
  readonly store: Store;
  readonly keys: Keys;
  readonly ports: ExecutorPorts;
  readonly signal: AbortSignal;
  readonly now?: () => number;
  /** Pause between destination retries (tests shorten it). */
  readonly retryDelayMs?: (attempt: number, afterMs: number | undefined) => number;
}

export interface DeletionOutcome {
  readonly certificate: DeletionCertificate;
  /** What failed, when something did (the request then ends `failed`, with the certificate as its result). */
  readonly failure: string | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Erases a data subject: events (batched), profile and identity links, restrictions; forwards the deletion
 * to every destination that can delete; keeps a hashed suppression entry (unless the request says not to);
 * re-scans every store and signs a certificate of what it found.
 */
export async function eraseSubject(deps: DeletionDeps, request: PrivacyRequest): Promise<DeletionOutcome> {
  const now = deps.now ?? Date.now;
  const { store } = deps;
  const ws = request.workspaceId;
  const subject = await resolveSubject(store.identities, ws, request.subject);
  const identifiers = identifiersOf(subject);
  const systems: SystemDeletion[] = [];

  // Events: batches, yielding between them so ingest and the processor keep their turn at the database.
  const eventsFound = await store.subjectData.countEvents(ws, subject);
  let eventsDeleted = 0;
  for (;;) {
    deps.signal.throwIfAborted();
    const n = await store.subjectData.deleteEventBatch(ws, subject, DELETE_BATCH);
    if (n === 0) break;
    eventsDeleted += n;
    await yieldToIngest();
  }
  const eventsDeletedAt = now();
  systems.push({ system: 'events', found: eventsFound, deleted: eventsDeleted, deletedAt: iso(eventsDeletedAt), residual: await store.subjectData.countEvents(ws, subject), verifiedAt: iso(now()) });

  // The identity graph: profiles and every identifier linked to them.
  const linksFound = await store.subjectData.countIdentityLinks(ws, subject.profileIds);
  const profilesFound = await store.subjectData.countProfiles(ws, subject.profileIds);
  for (const profileId of subject.profileIds) await store.identities.deleteProfile(ws, profileId);
  const graphDeletedAt = now();
  // A fresh lookup by every identifier: a link written meanwhile (an event in flight) would show here.
  const rescanned = await resolveSubject(store.identities, ws, request.subject);
  systems.push({ system: 'profiles', found: profilesFound, deleted: profilesFound - (await store.subjectData.countProfiles(ws, subject.profileIds)), deletedAt: iso(graphDeletedAt), residual: (await store.subjectData.countProfiles(ws, subject.profileIds)) + rescanned.profileIds.length, verifiedAt: iso(now()) });
  systems.push({ system: 'identity_links', found: linksFound, deleted: linksFound - (await store.subjectData.countIdentityLinks(ws, subject.profileIds)), deletedAt: iso(graphDeletedAt), residual: await store.subjectData.countIdentityLinks(ws, [...subject.profileIds, ...rescanned.profileIds]), verifiedAt: iso(now()) });

  // Restrictions and sensitive-data limits name the subject in clear; the suppression below replaces them.
  const restrictionsFound = await store.subjectData.countRestrictions(ws, identifiers);
  const restrictionsDeleted = (await store.subjectData.removeRestriction(ws, 'restrict', identifiers)) + (await store.subjectData.removeRestriction(ws, 'limit_sensitive', identifiers));
  systems.push({ system: 'restrictions', found: restrictionsFound, deleted: restrictionsDeleted, deletedAt: iso(now()), residual: await store.subjectData.countRestrictions(ws, identifiers), verifiedAt: iso(now()) });

  const destinations = await forwardToDestinations(deps, request, subject);
  const suppression = await keepSuppression(deps, request, subject, identifiers.length);

  const residual = systems.reduce((sum, s) => sum + s.residual, 0);
  const failedDestinations = destinations.filter((d) => d.outcome === 'failed');
  const failure =
    residual > 0
      ? `the verification scan found ${residual} row(s) of the subject left (${systems.filter((s) => s.residual > 0).map((s) => `${s.system}: ${s.residual}`).join(', ')})`
      : failedDestinations.length > 0
        ? `deletion failed at ${failedDestinations.map((d) => `${d.name} (${d.detail})`).join('; ')}`
        : undefined;
  const certificate = signCertificate(deps.keys, {
    kind: 'sluice.deletion-certificate/v1',
    requestId: request.id,
    workspaceId: ws,
    regulation: request.regulation,
    receivedAt: iso(request.receivedAt),
    issuedAt: iso(now()),
    subjectHashes: identifiers.map((id) => deps.keys.pseudonym(id, 'deletion-certificate')).sort(),
    systems,
    destinations,
    suppression,
    verified: failure === undefined,
  });
  return { certificate, failure };
}

async function forwardToDestinations(deps: DeletionDeps, request: PrivacyRequest, subject: ResolvedSubject): Promise<DestinationDeletion[]> {
  const targets = (await deps.ports.deletionTargets?.list(request.workspaceId)) ?? [];
  const results: DestinationDeletion[] = [];
  for (const target of targets) results.push(await forwardOne(deps, request, subject, target));
  return results;
}

async function forwardOne(deps: DeletionDeps, request: PrivacyRequest, subject: ResolvedSubject, target: DeletionTarget): Promise<DestinationDeletion> {
  const now = deps.now ?? Date.now;
  const base = { destinationId: target.destinationId, name: target.name, type: target.type };
  if (!target.deleteSubject) {
    return { ...base, outcome: 'not_supported', detail: `the ${target.type} destination type offers no way to delete a person; delete the subject there by hand`, attempts: 0, at: iso(now()) };
  }
  const deletionSubject = { workspaceId: request.workspaceId, requestId: request.id, userIds: subject.userIds, anonymousIds: subject.anonymousIds, emails: subject.emails };
  let last: DeletionResult = { kind: 'failed', error: 'not attempted' };
  for (let attempt = 1; attempt <= DESTINATION_ATTEMPTS; attempt++) {
    try {
      last = await target.deleteSubject(deletionSubject, deps.signal);
    } catch (error) {
      last = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    switch (last.kind) {
      case 'deleted':
        return { ...base, outcome: 'deleted', detail: last.detail ?? (last.count !== undefined ? `${last.count} record(s) deleted` : 'deleted'), attempts: attempt, at: iso(now()) };
      case 'submitted':
        return { ...base, outcome: 'submitted', detail: `deletion job ${last.jobId}: ${last.status}`, attempts: attempt, at: iso(now()) };
      case 'not_supported':
        return { ...base, outcome: 'not_supported', detail: last.reason, attempts: attempt, at: iso(now()) };
      case 'failed':
        return { ...base, outcome: 'failed', detail: last.error, attempts: attempt, at: iso(now()) };
      case 'retry':
        if (attempt < DESTINATION_ATTEMPTS) {
          const delay = deps.retryDelayMs?.(attempt, last.afterMs) ?? Math.min(last.afterMs ?? 1000 * 2 ** (attempt - 1), 10_000);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
        break;
    }
  }
  return { ...base, outcome: 'failed', detail: `gave up after ${DESTINATION_ATTEMPTS} attempts: ${last.kind === 'retry' ? last.error : last.kind}`, attempts: DESTINATION_ATTEMPTS, at: iso(now()) };
}

async function keepSuppression(deps: DeletionDeps, request: PrivacyRequest, subject: ResolvedSubject, count: number): Promise<DeletionCertificate['suppression']> {
  if (request.params.suppress === false) return { kept: false, hashedIdentifiers: 0, detail: 'the request asked not to keep a suppression entry' };
  if (!deps.ports.suppression) {
    return { kept: false, hashedIdentifiers: 0, detail: 'no suppression service is wired into this build: new events of the subject would be accepted again' };
  }
  await deps.ports.suppression.suppress({ workspaceId: request.workspaceId, subject, hashed: true, requestId: request.id });
  return { kept: true, hashedIdentifiers: count, detail: 'identifiers kept as keyed hashes so the subject stays deleted (CCPA 7022 allows this record)' };
}
