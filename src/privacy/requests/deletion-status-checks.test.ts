import { describe, expect, it } from 'vitest';
import { Keys } from '../../core/crypto/keys.js';
import type { DeletionResult } from '../../destinations/destination.js';
import { signCertificate, verifyCertificate, type DeletionCertificate, type DestinationDeletion } from './certificate.js';
import { checkDeletionStatuses, nextStatusCheckAt, STATUS_CHECK_WINDOW_MS } from './deletion-status-checks.js';
import type { DeletionTarget } from './ports.js';

const keys = new Keys('status-checks-test-secret-key-0123456789');
const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function running(destinationId: string, at = T0): DestinationDeletion {
  return { destinationId, name: `Tool ${destinationId}`, type: 'mixpanel', outcome: 'submitted', detail: `deletion job job-${destinationId}: last status PENDING`, attempts: 1, at: iso(at), jobId: `job-${destinationId}`, checkedAt: iso(at) };
}

function certificate(destinations: DestinationDeletion[]): DeletionCertificate {
  return signCertificate(keys, {
    kind: 'sluice.deletion-certificate/v1', requestId: 'dsr_1', workspaceId: 'ws_1', regulation: 'gdpr', receivedAt: iso(T0 - HOUR), issuedAt: iso(T0),
    subjectHashes: ['h1'], systems: [{ system: 'events', found: 2, deleted: 2, deletedAt: iso(T0), residual: 0, verifiedAt: iso(T0) }],
    destinations, suppression: { kept: true, hashedIdentifiers: 1, detail: 'kept' }, verified: true,
  });
}

/** A target whose status call answers `answer` (or throws it), recording the job ids asked about. */
function target(destinationId: string, answer: DeletionResult | Error, asked: string[] = [], extra: Partial<DeletionTarget> = {}): DeletionTarget {
  return {
    destinationId, name: `Tool ${destinationId}`, type: 'mixpanel',
    deletionStatus: async (jobId) => {
      asked.push(jobId);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    ...extra,
  };
}

const check = (cert: DeletionCertificate, targets: DeletionTarget[], now: number) => checkDeletionStatuses({ keys, targets, signal: new AbortController().signal, firstDelayMs: HOUR }, cert, now);

describe('deletion status checks', () => {
  it('schedules the next check as long again as the jobs have run: an hour first, at most a day apart, none when nothing runs', () => {
    const cert = certificate([running('a'), { ...running('b', T0 - 5 * HOUR), outcome: 'deleted' }]);
    expect(nextStatusCheckAt(cert, T0, HOUR)).toBe(T0 + HOUR);
    expect(nextStatusCheckAt(cert, T0 + HOUR, HOUR)).toBe(T0 + 2 * HOUR);
    expect(nextStatusCheckAt(cert, T0 + 2 * HOUR, HOUR)).toBe(T0 + 4 * HOUR);
    expect(nextStatusCheckAt(cert, T0 + 40 * HOUR, HOUR)).toBe(T0 + 64 * HOUR);
    expect(nextStatusCheckAt(certificate([{ ...running('a'), outcome: 'deleted' }]), T0, HOUR)).toBeUndefined();
    // A submitted answer without a job id (a tool with no status call) is nothing to ask about.
    const { jobId: _jobId, ...noJob } = running('c');
    expect(nextStatusCheckAt(certificate([noJob]), T0, HOUR)).toBeUndefined();
  });

  it.each([
    ['done', { kind: 'deleted', detail: 'task succeeded' } as DeletionResult, { outcome: 'deleted', detail: 'deletion job job-a: done (task succeeded)' }, true],
    ['failed at the tool', { kind: 'failed', error: 'REVOKED' } as DeletionResult, { outcome: 'failed', detail: 'deletion job job-a: the tool reports failure: REVOKED' }, false],
  ] as const)('a job %s ends: the entry changes, the certificate is re-issued and signed', async (_name, answer, expected, verified) => {
    const asked: string[] = [];
    const before = certificate([running('a')]);
    const now = T0 + HOUR;
    const result = await check(before, [target('a', answer, asked)], now);
    expect(asked).toEqual(['job-a']);
    expect(result.certificate.destinations[0]).toMatchObject({ ...expected, jobId: 'job-a', checkedAt: iso(now), at: iso(T0) });
    expect(result.settled.map((d) => d.destinationId)).toEqual(['a']);
    expect(result.certificate).toMatchObject({ issuedAt: iso(now), verified });
    expect(verifyCertificate(keys, result.certificate)).toBe(true);
    expect(result.nextCheckAt).toBeUndefined();
  });

  it('a job still running keeps `submitted` with its latest status and when it was asked, and is asked again later', async () => {
    const now = T0 + HOUR;
    const result = await check(certificate([running('a')]), [target('a', { kind: 'submitted', jobId: 'job-a', status: 'STARTED' })], now);
    expect(result.certificate.destinations[0]).toMatchObject({ outcome: 'submitted', jobId: 'job-a', detail: 'deletion job job-a: last status STARTED', checkedAt: iso(now) });
    expect(result.settled).toEqual([]);
    expect(result.nextCheckAt).toBe(now + HOUR);
    expect(verifyCertificate(keys, result.certificate)).toBe(true);
  });

  it('a status that cannot be read now changes nothing (the same certificate) and is asked again', async () => {
    const before = certificate([running('a')]);
    const result = await check(before, [target('a', new Error('socket hang up'))], T0 + HOUR);
    expect(result.certificate).toBe(before);
    expect(result.settled).toEqual([]);
    expect(result.nextCheckAt).toBe(T0 + 2 * HOUR);
  });

  it('stops asking, saying whom to ask, when the destination was deleted or the job is not confirmed within the window', async () => {
    const asked: string[] = [];
    const late = T0 + STATUS_CHECK_WINDOW_MS;
    const result = await check(
      certificate([running('gone'), running('slow'), running('silent'), running('other')]),
      [
        target('gone', { kind: 'deleted' }, asked, { deletedAt: T0 }),
        target('slow', { kind: 'submitted', jobId: 'job-slow', status: 'STARTED' }, asked),
        target('silent', new Error('503'), asked),
        // 'other' has no target any more (removed without a tombstone).
      ],
      late,
    );
    const [gone, slow, silent, other] = result.certificate.destinations;
    expect(asked.sort()).toEqual(['job-silent', 'job-slow']);
    expect(gone).toMatchObject({ outcome: 'submitted', detail: 'deletion job job-gone: last status PENDING; its status can no longer be asked (the destination was deleted with its credentials): ask Tool gone whether it completed' });
    expect(slow).toMatchObject({ outcome: 'submitted', detail: 'deletion job job-slow: last status STARTED; not confirmed within 60 days of submission: ask Tool slow whether it completed', checkedAt: iso(late) });
    expect(silent).toMatchObject({ outcome: 'submitted', detail: 'deletion job job-silent: last status PENDING; not confirmed within 60 days of submission: ask Tool silent whether it completed' });
    expect(other!.detail).toContain('can no longer be asked');
    for (const d of [gone, slow, silent, other]) expect(d).toMatchObject({ jobId: `job-${d!.destinationId}`, stoppedAskingAt: iso(late) });
    expect(result.settled).toHaveLength(4);
    expect(result.nextCheckAt).toBeUndefined();
    expect(result.certificate.verified).toBe(true);
    expect(verifyCertificate(keys, result.certificate)).toBe(true);
  });
});
