import { describe, expect, it } from 'vitest';
import { Keys } from '../../core/crypto/keys.js';
import { signCertificate, verifyCertificate, type DeletionCertificate, type DestinationDeletion } from './certificate.js';
import { confirmDeletionByHand, deletionFollowUps, handConfirmations, withdrawHandConfirmation } from './deletion-follow-up.js';

const keys = new Keys('follow-up-test-secret-key-0123456789abc');
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function entry(destinationId: string, outcome: DestinationDeletion['outcome'], extra: Partial<DestinationDeletion> = {}): DestinationDeletion {
  return { destinationId, name: `Tool ${destinationId}`, type: 'mixpanel', outcome, detail: `answer of ${destinationId}`, attempts: 1, at: iso(T0), ...extra };
}

function certificate(destinations: DestinationDeletion[], residual = 0): DeletionCertificate {
  return signCertificate(keys, {
    kind: 'sluice.deletion-certificate/v1', requestId: 'dsr_1', workspaceId: 'ws_1', regulation: 'gdpr', receivedAt: iso(T0 - 3_600_000), issuedAt: iso(T0),
    subjectHashes: ['h1'], systems: [{ system: 'events', found: 2, deleted: 2, deletedAt: iso(T0), residual, verifiedAt: iso(T0) }],
    destinations, suppression: { kept: true, hashedIdentifiers: 1, detail: 'kept' }, verified: !destinations.some((d) => d.outcome === 'failed') && residual === 0,
  });
}

const failed = entry('failed', 'failed', { jobId: 'job-f', detail: 'deletion job job-f: the tool reports failure: REVOKED' });
const givenUp = entry('given-up', 'submitted', { jobId: 'job-g', stoppedAskingAt: iso(T0 + 1000), detail: 'deletion job job-g: last status PENDING; not confirmed within 60 days' });
const running = entry('running', 'submitted', { jobId: 'job-r' });
const done = entry('done', 'deleted');
const unsupported = entry('unsupported', 'not_supported');
const mixed = certificate([failed, givenUp, running, done, unsupported]);

describe('deletion follow-ups', () => {
  it("lists a completed deletion's failed and never-confirmed destinations, and nothing else", () => {
    expect(deletionFollowUps({ type: 'delete', status: 'completed', result: mixed })).toEqual([
      { destinationId: 'failed', name: 'Tool failed', type: 'mixpanel', reason: 'failed', detail: failed.detail, jobId: 'job-f' },
      { destinationId: 'given-up', name: 'Tool given-up', type: 'mixpanel', reason: 'unconfirmed', detail: givenUp.detail, jobId: 'job-g' },
    ]);
    // A failed request is retried as a whole; another type's result is no certificate.
    expect(deletionFollowUps({ type: 'delete', status: 'failed', result: mixed })).toEqual([]);
    expect(deletionFollowUps({ type: 'access', status: 'completed', result: mixed })).toEqual([]);
    expect(deletionFollowUps({ type: 'delete', status: 'completed', result: { exported: true } })).toEqual([]);
    expect(deletionFollowUps({ type: 'delete', status: 'completed', result: certificate([running, done]) })).toEqual([]);
  });

  it('confirming one by hand re-issues the certificate with that entry deleted, naming who and what, signed', () => {
    const now = T0 + 86_400_000;
    const confirmed = confirmDeletionByHand(keys, mixed, 'failed', { actor: 'member:mem_1 (dpo@example.com)', note: 'Mixpanel support deleted the profile (ticket 4711)', now });
    if ('refused' in confirmed) throw new Error(confirmed.refused);
    const changed = confirmed.destinations.find((d) => d.destinationId === 'failed')!;
    expect(changed).toMatchObject({
      outcome: 'deleted',
      confirmedBy: 'member:mem_1 (dpo@example.com)',
      confirmedAt: iso(now),
      jobId: 'job-f',
      detail: `confirmed by hand by member:mem_1 (dpo@example.com) at ${iso(now)}: Mixpanel support deleted the profile (ticket 4711) (before: ${failed.detail})`,
    });
    // The other entries are as they were; no entry failed any more, so the certificate is verified again.
    expect(confirmed.destinations.filter((d) => d.destinationId !== 'failed')).toEqual(mixed.destinations.filter((d) => d.destinationId !== 'failed'));
    expect(mixed.verified).toBe(false);
    expect(confirmed.verified).toBe(true);
    expect(confirmed.issuedAt).toBe(iso(now));
    expect(verifyCertificate(keys, confirmed)).toBe(true);
    expect(verifyCertificate(keys, { ...confirmed, verified: false })).toBe(false);
    expect(deletionFollowUps({ type: 'delete', status: 'completed', result: confirmed }).map((f) => f.destinationId)).toEqual(['given-up']);
  });

  it('stays unverified when a system still holds data after the last follow-up is confirmed', () => {
    const confirmed = confirmDeletionByHand(keys, certificate([failed], 3), 'failed', { actor: 'token:tok_1', note: 'deleted by hand', now: T0 + 1 });
    if ('refused' in confirmed) throw new Error(confirmed.refused);
    expect(confirmed.verified).toBe(false);
  });

  it('refuses a destination that does not wait on a person, naming the ones that do', () => {
    const note = { actor: 'token:tok_1', note: 'done', now: T0 };
    expect(confirmDeletionByHand(keys, mixed, 'running', note)).toEqual({
      refused: 'The deletion at Tool running is submitted, not waiting on a person; the destinations to follow up are failed, given-up (GET /api/v1/privacy-requests/<id> lists them as deletionFollowUps).',
    });
    expect(confirmDeletionByHand(keys, certificate([done]), 'nowhere', note)).toEqual({
      refused: "Destination nowhere is not in this request's certificate; nothing in it waits on a person (GET /api/v1/privacy-requests/<id> lists them as deletionFollowUps).",
    });
  });
  it('withdrawing a confirmation puts the entry back as the tool left it, to follow up again, saying who confirmed and who withdrew it', () => {
    const confirmedAt = T0 + 86_400_000;
    const confirmed = confirmDeletionByHand(keys, mixed, 'failed', { actor: 'member:mem_1 (dpo@example.com)', note: 'deleted (wrong tool)', now: confirmedAt });
    if ('refused' in confirmed) throw new Error(confirmed.refused);
    expect(handConfirmations({ type: 'delete', status: 'completed', result: confirmed })).toEqual([
      { destinationId: 'failed', name: 'Tool failed', type: 'mixpanel', confirmedBy: 'member:mem_1 (dpo@example.com)', confirmedAt: iso(confirmedAt), withdrawable: true },
    ]);

    const now = confirmedAt + 3_600_000;
    const withdrawn = withdrawHandConfirmation(keys, confirmed, 'failed', { actor: 'member:mem_2 (lead@example.com)', reason: 'confirmed the wrong tool', now });
    if ('refused' in withdrawn) throw new Error(withdrawn.refused);
    const restored = withdrawn.destinations.find((d) => d.destinationId === 'failed')!;
    expect(restored).toEqual({
      ...failed,
      detail: `${failed.detail} (confirmed by hand by member:mem_1 (dpo@example.com) at ${iso(confirmedAt)}; withdrawn by member:mem_2 (lead@example.com) at ${iso(now)}: confirmed the wrong tool)`,
    });
    expect(withdrawn.verified).toBe(false);
    expect(withdrawn.issuedAt).toBe(iso(now));
    expect(verifyCertificate(keys, withdrawn)).toBe(true);
    expect(deletionFollowUps({ type: 'delete', status: 'completed', result: withdrawn }).map((f) => f.destinationId)).toEqual(['failed', 'given-up']);
    expect(handConfirmations({ type: 'delete', status: 'completed', result: withdrawn })).toEqual([]);

    // It can be confirmed again, and withdrawn again.
    const again = confirmDeletionByHand(keys, withdrawn, 'failed', { actor: 'member:mem_2 (lead@example.com)', note: 'Mixpanel support confirmed (ticket 4712)', now: now + 1 });
    if ('refused' in again) throw new Error(again.refused);
    expect(again.destinations.find((d) => d.destinationId === 'failed')?.confirmedOver).toEqual(restored);
  });

  it('refuses to withdraw what was not confirmed by hand, or a confirmation that kept nothing to put back', () => {
    const reason = { actor: 'token:tok_1', reason: 'mistake', now: T0 };
    expect(withdrawHandConfirmation(keys, mixed, 'failed', reason)).toEqual({
      refused: 'The deletion at Tool failed was not confirmed by hand; no confirmation in it can be withdrawn (GET /api/v1/privacy-requests/<id> lists them as handConfirmations).',
    });
    // As session 16's version confirmed: no entry kept.
    const older = certificate([entry('old', 'deleted', { confirmedBy: 'token:tok_1', confirmedAt: iso(T0) })]);
    expect(handConfirmations({ type: 'delete', status: 'completed', result: older })).toEqual([expect.objectContaining({ destinationId: 'old', withdrawable: false })]);
    expect(withdrawHandConfirmation(keys, older, 'old', reason)).toEqual({
      refused: 'The confirmation at Tool old was made by an earlier version of Sluice, which did not keep the entry it replaced, so it cannot be withdrawn; no confirmation in it can be withdrawn (GET /api/v1/privacy-requests/<id> lists them as handConfirmations).',
    });
    expect(withdrawHandConfirmation(keys, mixed, 'nowhere', reason)).toMatchObject({ refused: expect.stringContaining("Destination nowhere is not in this request's certificate") });
  });
});
