import { describe, expect, it } from 'vitest';
import type { PrivacyRequest, RequestTransition } from '../../../src/privacy/requests/request.js';
import { WAITS_FOR_A_PERSON } from '../../../src/privacy/requests/objection-purposes.js';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace } from './fixtures.js';

function request(workspaceId: string, id: string, overrides: Partial<PrivacyRequest> = {}): PrivacyRequest {
  const at = Date.parse('2026-03-01T00:00:00.000Z');
  return {
    id, workspaceId, type: 'delete', status: 'received', regulation: 'gdpr', subject: { userId: 'u-1', email: 'u@example.com' },
    params: { suppress: true }, channel: 'admin_api', verified: false, verifiedBy: null,
    agent: { name: 'Agent', proofReference: 'POA-1' }, contactEmail: 'u@example.com', language: 'de', createdBy: 'admin',
    receivedAt: at, dueAt: at + 1000, receiptDueAt: at + 500, receiptConfirmedAt: null, extendedAt: null, extensionReason: null,
    respondedAt: null, denialReason: null, failure: null, result: null, attempts: 0, retainUntil: at + 10_000, updatedAt: at,
    ...overrides,
  };
}

const step = (requestId: string, from: RequestTransition['from'], to: RequestTransition['to'], at: number): RequestTransition => ({ requestId, from, to, at, actor: 'admin', action: to, note: null });

export function privacyRequestContract({ store }: StoreContractContext): void {
  describe('privacy requests', () => {
    it('stores a request and reads it back unchanged', async () => {
      const ws = await freshWorkspace(store());
      const r = request(ws, `dsr_${ws}_a`);
      await store().privacyRequests.create(r, step(r.id, null, 'received', r.receivedAt));
      expect(await store().privacyRequests.get(ws, r.id)).toEqual(r);
      expect(await store().privacyRequests.get('ws_other', r.id)).toBeUndefined();
    });

    it("keeps the executor's work state until a transition clears it, without recording a transition", async () => {
      const ws = await freshWorkspace(store());
      const r = request(ws, `dsr_${ws}_ws`);
      await store().privacyRequests.create(r, step(r.id, null, 'received', 1));
      const state = { kind: 'sluice.deletion-state/v1', subject: { userIds: ['u-1'], anonymousIds: ['a-1', 'a-2'] }, rounds: 2 };
      await store().privacyRequests.saveWorkState(ws, r.id, state);
      await store().privacyRequests.saveWorkState('ws_other', r.id, { kind: 'other' });
      expect((await store().privacyRequests.get(ws, r.id))?.workState).toEqual(state);
      expect(await store().privacyRequests.transitions(ws, r.id)).toHaveLength(1);
      const moved = await store().privacyRequests.transition(ws, r.id, 'received', { workState: null }, step(r.id, 'received', 'denied', 2));
      expect(moved?.workState).toBeUndefined();
    });

    it('keeps one hashed verification code per request and never lets more attempts through than it has', async () => {
      const ws = await freshWorkspace(store());
      const r = request(ws, `dsr_${ws}_code`);
      await store().privacyRequests.create(r, step(r.id, null, 'received', 1));
      const code = { requestId: r.id, workspaceId: ws, codeHash: 'a'.repeat(64), expiresAt: 5_000, attemptsLeft: 3, createdAt: 1_000 };
      await store().privacyRequests.putCode(code);
      expect(await store().privacyRequests.getCode(ws, r.id)).toEqual(code);
      expect(await store().privacyRequests.getCode('ws_other', r.id)).toBeUndefined();
      const tries = await Promise.all(Array.from({ length: 5 }, () => store().privacyRequests.consumeCodeAttempt(ws, r.id)));
      expect(tries.filter((t) => t !== undefined).length).toBeLessThanOrEqual(3);
      for (let i = 0; i < 5; i++) await store().privacyRequests.consumeCodeAttempt(ws, r.id);
      expect(await store().privacyRequests.getCode(ws, r.id)).toMatchObject({ attemptsLeft: 0 });
      expect(await store().privacyRequests.consumeCodeAttempt(ws, r.id)).toBeUndefined();
      await store().privacyRequests.putCode({ ...code, codeHash: 'b'.repeat(64), attemptsLeft: 3 });
      expect(await store().privacyRequests.consumeCodeAttempt(ws, r.id)).toMatchObject({ codeHash: 'b'.repeat(64), attemptsLeft: 3 });
      await store().privacyRequests.deleteCode(ws, r.id);
      expect(await store().privacyRequests.getCode(ws, r.id)).toBeUndefined();
    });

    it('moves the status only from the status the caller saw, recording each transition', async () => {
      const ws = await freshWorkspace(store());
      const r = request(ws, `dsr_${ws}_b`);
      await store().privacyRequests.create(r, step(r.id, null, 'received', 1));
      const moved = await store().privacyRequests.transition(ws, r.id, 'received', { verified: true, verifiedBy: 'dpo', result: { ok: 1 } }, step(r.id, 'received', 'processing', 2));
      expect(moved).toMatchObject({ status: 'processing', verified: true, verifiedBy: 'dpo', result: { ok: 1 } });
      expect(await store().privacyRequests.transition(ws, r.id, 'received', {}, step(r.id, 'received', 'denied', 3))).toBeUndefined();
      expect((await store().privacyRequests.transitions(ws, r.id)).map((t) => [t.from, t.to, t.at])).toEqual([[null, 'received', 1], ['received', 'processing', 2]]);
      // Leave nothing runnable behind for the leasing test that shares this store.
      await store().privacyRequests.transition(ws, r.id, 'processing', {}, step(r.id, 'processing', 'completed', 3));
    });

    it('leases a runnable request to one worker at a time and honours the next attempt time', async () => {
      const ws = await freshWorkspace(store());
      const r = request(ws, `dsr_${ws}_c`, { status: 'processing', receivedAt: 1 });
      await store().privacyRequests.create(r, step(r.id, null, 'processing', 1));
      const now = Date.now();
      const first = await store().privacyRequests.claimRunnable(now, 60_000);
      expect(first?.id).toBe(r.id);
      expect(await store().privacyRequests.claimRunnable(now, 60_000)).toBeUndefined();
      expect((await store().privacyRequests.claimRunnable(now + 61_000, 60_000))?.id).toBe(r.id);
      await store().privacyRequests.transition(ws, r.id, 'processing', { nextAttemptAt: now + 120_000, leaseUntil: null }, step(r.id, 'processing', 'processing', 5));
      expect(await store().privacyRequests.claimRunnable(now + 90_000, 60_000)).toBeUndefined();
      expect((await store().privacyRequests.claimRunnable(now + 121_000, 60_000))?.id).toBe(r.id);
      // Parked for a person's decision (an objection's purposes, decision 0607): never claimed by itself.
      await store().privacyRequests.transition(ws, r.id, 'processing', { nextAttemptAt: WAITS_FOR_A_PERSON, leaseUntil: null }, step(r.id, 'processing', 'processing', 6));
      expect(await store().privacyRequests.claimRunnable(now + 10 * 365 * 86_400_000, 60_000)).toBeUndefined();
      await store().privacyRequests.transition(ws, r.id, 'processing', { leaseUntil: null }, step(r.id, 'processing', 'completed', 7));
    });

    it('leases a due deletion status check to one process at a time, only of an ended request, and saves it without a transition', async () => {
      const ws = await freshWorkspace(store());
      const done = request(ws, `dsr_${ws}_sc1`, { status: 'completed', statusCheckAt: 5_000 });
      const running = request(ws, `dsr_${ws}_sc2`, { status: 'processing', statusCheckAt: 4_000 });
      const later = request(ws, `dsr_${ws}_sc3`, { status: 'failed', statusCheckAt: 9_000 });
      for (const r of [done, running, later]) await store().privacyRequests.create(r, step(r.id, null, r.status, 1));
      expect((await store().privacyRequests.get(ws, done.id))?.statusCheckAt).toBe(5_000);
      // Not due yet; then the ended one (a request being run again is left to its run), leased past the lease.
      expect(await store().privacyRequests.claimStatusCheck(4_999, 60_000)).toBeUndefined();
      const claimed = await store().privacyRequests.claimStatusCheck(6_000, 60_000);
      expect(claimed).toMatchObject({ id: done.id, statusCheckAt: 66_000 });
      expect(await store().privacyRequests.claimStatusCheck(8_000, 60_000)).toBeUndefined();
      expect((await store().privacyRequests.claimStatusCheck(10_000, 60_000))?.id).toBe(later.id);
      await store().privacyRequests.saveStatusCheck(ws, later.id, { checked: 1 }, null);
      // A process that died mid-check leaves it due again once the lease is over.
      expect((await store().privacyRequests.claimStatusCheck(66_000, 60_000))?.id).toBe(done.id);
      await store().privacyRequests.saveStatusCheck(ws, done.id, { checked: 2 }, 200_000);
      expect(await store().privacyRequests.get(ws, done.id)).toMatchObject({ result: { checked: 2 }, statusCheckAt: 200_000 });
      expect(await store().privacyRequests.get(ws, later.id)).toMatchObject({ result: { checked: 1 } });
      expect((await store().privacyRequests.get(ws, later.id))?.statusCheckAt).toBeUndefined();
      expect(await store().privacyRequests.transitions(ws, done.id)).toHaveLength(1);
      // A transition may set or clear it.
      const moved = await store().privacyRequests.transition(ws, done.id, 'completed', { statusCheckAt: null }, step(done.id, 'completed', 'completed', 2));
      expect(moved?.statusCheckAt).toBeUndefined();
      await store().privacyRequests.transition(ws, running.id, 'processing', { statusCheckAt: null }, step(running.id, 'processing', 'completed', 3));
    });

    it('takes a guarded step or saves a guarded check only over the result the caller read, one of several at once', async () => {
      const ws = await freshWorkspace(store());
      const read = { kind: 'correct', recipients: [{ destinationId: 'd1', status: 'failed', reason: 'http_400', detail: null }] };
      const r = request(ws, `dsr_${ws}_guard`, { type: 'correct', status: 'completed', result: read });
      await store().privacyRequests.create(r, step(r.id, null, 'completed', 1));
      // Several callers read the same result and claim at once: exactly one wins.
      const claims = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          store().privacyRequests.transition(ws, r.id, 'completed', { result: { ...read, recipients: [{ ...read.recipients[0], status: 'queued', by: n }] }, statusCheckAt: 10 }, step(r.id, 'completed', 'completed', 10 + n), { result: read }),
        ),
      );
      const won = claims.filter((c) => c !== undefined);
      expect(won).toHaveLength(1);
      expect(await store().privacyRequests.transitions(ws, r.id)).toHaveLength(2);
      const claimed = (await store().privacyRequests.get(ws, r.id))!;
      expect(claimed.result).toEqual(won[0]!.result);
      // A check that read the result before the claim does not put it back; one that read it after saves.
      expect(await store().privacyRequests.saveStatusCheck(ws, r.id, read, null, { result: read })).toBe(false);
      expect(await store().privacyRequests.get(ws, r.id)).toMatchObject({ result: claimed.result, statusCheckAt: 10 });
      expect(await store().privacyRequests.saveStatusCheck(ws, r.id, { kind: 'correct', recipients: [] }, null, { result: claimed.result })).toBe(true);
      expect((await store().privacyRequests.get(ws, r.id))?.result).toEqual({ kind: 'correct', recipients: [] });
      // Unguarded, as before; a guard on a request with no result yet matches null.
      expect(await store().privacyRequests.saveStatusCheck(ws, r.id, null, null)).toBe(true);
      expect(await store().privacyRequests.transition(ws, r.id, 'completed', { result: { x: 1 } }, step(r.id, 'completed', 'completed', 30), { result: null })).toMatchObject({ result: { x: 1 } });
      expect(await store().privacyRequests.transition(ws, 'dsr_missing', 'completed', {}, step('dsr_missing', 'completed', 'completed', 31), { result: null })).toBeUndefined();
    });

    it('lists by status, type, channel, due date and receipt period, newest first', async () => {
      const ws = await freshWorkspace(store());
      await store().privacyRequests.create(request(ws, `dsr_${ws}_1`, { receivedAt: 10, dueAt: 100 }), step(`dsr_${ws}_1`, null, 'received', 10));
      await store().privacyRequests.create(request(ws, `dsr_${ws}_2`, { receivedAt: 20, dueAt: 200, type: 'access', status: 'denied', channel: 'subject_portal' }), step(`dsr_${ws}_2`, null, 'received', 20));
      const list = (filter: Parameters<ReturnType<StoreContractContext['store']>['privacyRequests']['list']>[1]) => store().privacyRequests.list(ws, filter).then((rows) => rows.map((x) => x.id));
      expect(await list({ limit: 10 })).toEqual([`dsr_${ws}_2`, `dsr_${ws}_1`]);
      expect(await list({ limit: 10, status: ['denied'] })).toEqual([`dsr_${ws}_2`]);
      expect(await list({ limit: 10, type: 'delete' })).toEqual([`dsr_${ws}_1`]);
      expect(await list({ limit: 10, channel: 'subject_portal' })).toEqual([`dsr_${ws}_2`]);
      expect(await list({ limit: 10, channel: 'admin_api' })).toEqual([`dsr_${ws}_1`]);
      expect(await list({ limit: 10, dueBefore: 150 })).toEqual([`dsr_${ws}_1`]);
      expect(await list({ limit: 10, receivedFrom: 15, receivedTo: 25 })).toEqual([`dsr_${ws}_2`]);
      // By the address the answer goes to, in any case (an admin may have typed it with capitals).
      await store().privacyRequests.create(request(ws, `dsr_${ws}_3`, { receivedAt: 30, contactEmail: 'Ivy@Example.com' }), step(`dsr_${ws}_3`, null, 'received', 30));
      expect(await list({ limit: 10, contactEmail: 'ivy@example.com' })).toEqual([`dsr_${ws}_3`]);
      expect(await list({ limit: 10, contactEmail: 'u@example.com' })).toEqual([`dsr_${ws}_2`, `dsr_${ws}_1`]);
    });

    it('deletes answered requests and their history once their record-keeping period is over, never an open one', async () => {
      const ws = await freshWorkspace(store());
      const now = Date.parse('2030-01-01T00:00:00Z');
      const longAgo = now - 800 * 86_400_000;
      const old = request(ws, `dsr_${ws}_old`, { status: 'completed', respondedAt: longAgo, retainUntil: now - 50 });
      const kept = request(ws, `dsr_${ws}_kept`, { status: 'completed', respondedAt: longAgo, retainUntil: Date.parse('2100-01-01T00:00:00Z') });
      // Earlier versions counted the period from receipt, also for requests still open: those stay.
      const open = request(ws, `dsr_${ws}_open`, { status: 'verifying', retainUntil: now - 50 });
      const recent = request(ws, `dsr_${ws}_recent`, { status: 'denied', respondedAt: now - 400 * 86_400_000, retainUntil: now - 50 });
      for (const r of [old, kept, open, recent]) await store().privacyRequests.create(r, step(r.id, null, 'received', 1));
      expect(await store().privacyRequests.deleteExpired(now)).toBeGreaterThanOrEqual(1);
      expect(await store().privacyRequests.get(ws, old.id)).toBeUndefined();
      expect(await store().privacyRequests.transitions(ws, old.id)).toEqual([]);
      for (const r of [kept, open, recent]) expect(await store().privacyRequests.get(ws, r.id)).toBeDefined();
    });

    it("deletes a new download link's code (of no request) once it has expired, and no request's code", async () => {
      const ws = await freshWorkspace(store());
      const code = (requestId: string, expiresAt: number) => ({ requestId, workspaceId: ws, codeHash: 'h', expiresAt, attemptsLeft: 3, createdAt: 1 });
      const open = request(ws, `dsr_${ws}_coded`, { status: 'verifying' });
      await store().privacyRequests.create(open, step(open.id, null, 'received', 1));
      await store().privacyRequests.putCode(code(open.id, 1_000));
      await store().privacyRequests.putCode(code(`dlc_${ws}_old`, 1_000));
      await store().privacyRequests.putCode(code(`dlc_${ws}_new`, 5_000));
      await store().privacyRequests.deleteExpired(2_000);
      expect(await store().privacyRequests.getCode(ws, `dlc_${ws}_old`)).toBeUndefined();
      expect(await store().privacyRequests.getCode(ws, `dlc_${ws}_new`)).toBeDefined();
      // A request's expired code stays: checking it denies the request with the reason (subject-intake.ts).
      expect(await store().privacyRequests.getCode(ws, open.id)).toBeDefined();
    });
  });
}
