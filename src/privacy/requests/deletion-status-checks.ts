import type { Keys } from '../../core/crypto/keys.js';
import type { DeletionResult } from '../../destinations/destination.js';
import { signCertificate, type DeletionCertificate, type DestinationDeletion } from './certificate.js';
import type { DeletionTarget } from './ports.js';

/**
 * How long after a tool took a deletion as an asynchronous job Sluice keeps asking whether it is done. Mixpanel
 * and Amplitude say their deletion jobs finish within 30 days; past twice that, the certificate says the job was
 * never confirmed and whom to ask.
 */
export const STATUS_CHECK_WINDOW_MS = 60 * 24 * 3_600_000;
/** The longest wait between two checks of one request (a job the tool runs for weeks is asked about daily). */
const MAX_CHECK_INTERVAL_MS = 24 * 3_600_000;

const iso = (ms: number) => new Date(ms).toISOString();

/** A destination's answer that is a job still running at the tool, with the id to ask about, still asked about. */
function isRunningJob(d: DestinationDeletion): d is DestinationDeletion & { readonly jobId: string } {
  return d.outcome === 'submitted' && typeof d.jobId === 'string' && d.stoppedAskingAt === undefined;
}

/**
 * When to ask next about the jobs still running: `firstDelayMs` after the earliest submission, then waiting as
 * long again as the job has run (1 h, 2 h, 4 h, ... with the default first delay), at most a day between checks;
 * undefined when no job is left to ask about.
 */
export function nextStatusCheckAt(certificate: DeletionCertificate, now: number, firstDelayMs: number): number | undefined {
  const running = certificate.destinations.filter(isRunningJob);
  if (running.length === 0) return undefined;
  const submittedAt = Math.min(...running.map((d) => Date.parse(d.at)));
  const delay = Math.min(Math.max(firstDelayMs, now - submittedAt), MAX_CHECK_INTERVAL_MS);
  return now + delay;
}

export interface StatusCheckResult {
  /** The certificate with each running job's latest state, signed again; the same object when nothing changed. */
  readonly certificate: DeletionCertificate;
  /** The destinations whose outcome changed (a job done, failed, or given up on): a step of the request's history. */
  readonly settled: readonly DestinationDeletion[];
  /** When to ask again; undefined when no job is left running. */
  readonly nextCheckAt: number | undefined;
}

/**
 * Asks each tool that took the deletion as an asynchronous job, and still runs it, for its state now, and updates
 * the certificate: `deleted` once the tool says the job is done, `failed` (with the tool's answer) if it failed;
 * a job still running keeps `submitted` with its latest status and when it was asked (`checkedAt`). A job the tool
 * cannot be asked about any more (the destination deleted: its credentials are gone) or not confirmed within
 * {@link STATUS_CHECK_WINDOW_MS} stays `submitted` with `stoppedAskingAt`, its detail saying so and whom to ask,
 * and is not asked again.
 * A status that cannot be read now (an outage) is asked again next time. The certificate is re-issued (`issuedAt`,
 * `verified`, signature) whenever an entry changed.
 */
export async function checkDeletionStatuses(
  deps: { readonly keys: Keys; readonly targets: readonly DeletionTarget[]; readonly signal: AbortSignal; readonly firstDelayMs: number },
  certificate: DeletionCertificate,
  now: number,
): Promise<StatusCheckResult> {
  const targets = new Map(deps.targets.map((t) => [t.destinationId, t]));
  const settled: DestinationDeletion[] = [];
  let changed = false;
  const destinations: DestinationDeletion[] = [];
  for (const entry of certificate.destinations) {
    if (!isRunningJob(entry)) {
      destinations.push(entry);
      continue;
    }
    const updated = await checkOne(entry, targets.get(entry.destinationId), deps.signal, now);
    if (updated !== entry) changed = true;
    if (!isRunningJob(updated)) settled.push(updated);
    destinations.push(updated);
  }
  if (!changed) return { certificate, settled, nextCheckAt: nextStatusCheckAt(certificate, now, deps.firstDelayMs) };
  const { signature: _signature, ...body } = certificate;
  const verified = certificate.systems.every((s) => s.residual === 0) && destinations.every((d) => d.outcome !== 'failed');
  const reissued = signCertificate(deps.keys, { ...body, issuedAt: iso(now), destinations, verified });
  return { certificate: reissued, settled, nextCheckAt: nextStatusCheckAt(reissued, now, deps.firstDelayMs) };
}

/**
 * One running job's entry after asking the tool; the same entry when the status could not be read. An entry no
 * longer asked about keeps `submitted` and its `jobId`, with `stoppedAskingAt` and a detail saying whom to ask.
 */
async function checkOne(entry: DestinationDeletion & { readonly jobId: string }, target: DeletionTarget | undefined, signal: AbortSignal, now: number): Promise<DestinationDeletion> {
  const job = `deletion job ${entry.jobId}`;
  const stopAsking = (why: string): DestinationDeletion => ({ ...entry, detail: `${job}: ${why}`, stoppedAskingAt: iso(now) });
  if (target === undefined || target.deletedAt !== undefined || !target.deletionStatus) {
    return stopAsking(`${lastKnown(entry)}; its status can no longer be asked (the destination was deleted with its credentials): ask ${entry.name} whether it completed`);
  }
  let status: DeletionResult;
  try {
    status = await target.deletionStatus(entry.jobId, signal);
  } catch (error) {
    status = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
  }
  const checkedAt = iso(now);
  const expired = now - Date.parse(entry.at) >= STATUS_CHECK_WINDOW_MS;
  const notConfirmed = (last: string) => stopAsking(`${last}; not confirmed within ${Math.round(STATUS_CHECK_WINDOW_MS / 86_400_000)} days of submission: ask ${entry.name} whether it completed`);
  switch (status.kind) {
    case 'deleted':
      return { ...entry, outcome: 'deleted', detail: `${job}: done${status.detail ? ` (${status.detail})` : ''}`, checkedAt };
    case 'failed':
      return { ...entry, outcome: 'failed', detail: `${job}: the tool reports failure: ${status.error}`, checkedAt };
    case 'submitted':
      return expired ? { ...notConfirmed(`last status ${status.status}`), checkedAt } : { ...entry, detail: `${job}: last status ${status.status}`, checkedAt };
    case 'retry':
    case 'not_supported':
      // Unknown for now (an outage, or the credentials to ask were removed from its config): asked again next time.
      return expired ? notConfirmed(lastKnown(entry)) : entry;
  }
}

/** The status the entry last recorded ("last status STARTED"), from its detail. */
function lastKnown(entry: DestinationDeletion): string {
  const status = /last status (\S+)/.exec(entry.detail)?.[1];
  return status ? `last status ${status}` : 'status unknown';
}
