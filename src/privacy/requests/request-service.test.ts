import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { RequestAuditEntry } from './request-audit.js';
import { requestView } from '../../api/privacy-request-view.js';
import { requestMetrics } from './request-metrics.js';
import { RequestService } from './request-service.js';

const WS = 'ws_test';
let dir: string;
let store: SqlStore;
let now: number;
let audit: RequestAuditEntry[];
let service: RequestService;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-dsr-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  await store.workspaces.create({ id: WS, name: 'Test' });
  now = Date.parse('2026-01-31T10:00:00.000Z');
  audit = [];
  service = new RequestService(store, { now: () => now, audit: { record: async (e) => void audit.push(e) } });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SluiceError);
  expect((error as SluiceError).code).toBe(code);
}

describe('receipt confirmations (CCPA 7021(a): within 10 business days)', () => {
  it('lists open requests whose receipt nobody confirmed in time, until someone records it; an emailed receipt or an answer keeps them off', async () => {
    // Saturday 2026-01-31: 10 business days later is Friday 2026-02-13, same time of day.
    const unconfirmed = await service.create(WS, { type: 'access', subject: { userId: 'by-letter' }, channel: 'admin_api' }, 'admin');
    const emailed = await service.create(WS, { type: 'access', subject: { userId: 'by-email' }, channel: 'admin_api' }, 'admin');
    await service.confirmReceipt(emailed, 'system', 'receipt confirmation emailed to the subject');
    const answered = await service.create(WS, { type: 'access', subject: { userId: 'answered' }, channel: 'admin_api' }, 'admin');
    await service.deny(WS, answered.id, 'admin', 'not a customer');
    expect(new Date(unconfirmed.receiptDueAt).toISOString()).toBe('2026-02-13T10:00:00.000Z');

    now = Date.parse('2026-02-13T10:00:00.000Z'); // the last moment in time
    expect(await service.receiptOverdue(WS)).toEqual([]);
    now += 1;
    expect((await service.receiptOverdue(WS)).map((r) => r.id)).toEqual([unconfirmed.id]);
    expect(requestView((await service.load(WS, unconfirmed.id)), now).receiptOverdue).toBe(true);
    expect(requestView((await service.load(WS, emailed.id)), now).receiptOverdue).toBe(false);

    const recorded = await service.recordReceiptConfirmation(WS, unconfirmed.id, 'member:mem_1 (privacy@shop.test)');
    expect(recorded.receiptConfirmedAt).toBe(now);
    expect(await service.receiptOverdue(WS)).toEqual([]);
    // Recorded once: asking again changes nothing.
    now += 60_000;
    expect((await service.recordReceiptConfirmation(WS, unconfirmed.id, 'admin')).receiptConfirmedAt).toBe(recorded.receiptConfirmedAt);
    const history = await store.privacyRequests.transitions(WS, unconfirmed.id);
    expect(history.filter((t) => t.action === 'receipt_confirmed').map((t) => t.actor)).toEqual(['member:mem_1 (privacy@shop.test)']);
  });
});

describe('request lifecycle', () => {
  it('waits in verifying until someone verifies the subject, then goes to processing', async () => {
    const created = await service.create(WS, { type: 'access', subject: { userId: 'u1' }, channel: 'admin_api' }, 'token:a (admin)');
    expect(created.status).toBe('verifying');
    expect(new Date(created.dueAt).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    now += 60_000;
    const verified = await service.verify(WS, created.id, 'token:b (privacy)');
    expect(verified.status).toBe('processing');
    expect(verified.verifiedBy).toBe('token:b (privacy)');
    const history = await store.privacyRequests.transitions(WS, created.id);
    expect(history.map((t) => [t.from, t.to, t.action, t.actor])).toEqual([
      [null, 'received', 'received', 'token:a (admin)'],
      ['received', 'verifying', 'verification_started', 'token:a (admin)'],
      ['verifying', 'processing', 'verified', 'token:b (privacy)'],
    ]);
    expect(history[2]!.at).toBe(now);
    expect(audit.map((e) => e.action)).toEqual(['privacy_request.received', 'privacy_request.verification_started', 'privacy_request.verified']);
  });

  it('goes straight to processing when the admin vouches for the subject, and through approval when the workspace requires it', async () => {
    const direct = await service.create(WS, { type: 'delete', subject: { email: 'a@example.com' }, channel: 'admin_api', verified: true }, 'admin');
    expect(direct.status).toBe('processing');

    await store.workspaces.updateSettings(WS, { privacyRequests: { requireApproval: true } });
    const gated = await service.create(WS, { type: 'delete', subject: { userId: 'u2' }, channel: 'admin_api', verified: true }, 'admin');
    expect(gated.status).toBe('awaiting_approval');
    await expectCode(service.verify(WS, gated.id, 'admin'), 'request_state_conflict');
    // The one who vouched for it cannot also approve it.
    await expectCode(service.approve(WS, gated.id, 'admin'), 'approval_needs_another_person');
    const approved = await service.approve(WS, gated.id, 'dpo');
    expect(approved.status).toBe('processing');
  });

  it('needs no verification for opt-outs', async () => {
    const optOut = await service.create(WS, { type: 'opt_out', regulation: 'ccpa', subject: { anonymousId: 'anon-1' }, channel: 'subject_portal' }, 'subject');
    expect(optOut.status).toBe('processing');
    expect(optOut.verifiedBy).toBe('system');
    // Friday Jan 30 is not involved: received Saturday Jan 31, 15 business days -> Friday Feb 20.
    expect(new Date(optOut.dueAt).toISOString()).toBe('2026-02-20T10:00:00.000Z');
  });

  it('denies with a reason, once', async () => {
    const created = await service.create(WS, { type: 'access', subject: { userId: 'u1' }, channel: 'admin_api' }, 'admin');
    const denied = await service.deny(WS, created.id, 'dpo', 'identity could not be verified');
    expect(denied.status).toBe('denied');
    expect(denied.denialReason).toBe('identity could not be verified');
    expect(denied.respondedAt).toBe(now);
    await expectCode(service.deny(WS, created.id, 'dpo', 'again'), 'request_state_conflict');
  });

  it('extends once, by the legal period, only before the deadline', async () => {
    const gdpr = await service.create(WS, { type: 'access', subject: { userId: 'u1' }, channel: 'admin_api' }, 'admin');
    const extended = await service.extend(WS, gdpr.id, 'dpo', 'complex request: 14 systems');
    expect(new Date(extended.dueAt).toISOString()).toBe('2026-04-30T10:00:00.000Z');
    expect(extended.extensionReason).toBe('complex request: 14 systems');
    await expectCode(service.extend(WS, gdpr.id, 'dpo', 'more'), 'extension_not_allowed');

    const ccpa = await service.create(WS, { type: 'delete', regulation: 'ccpa', subject: { userId: 'u1' }, channel: 'admin_api' }, 'admin');
    expect(new Date((await service.extend(WS, ccpa.id, 'dpo', 'backlog')).dueAt).toISOString()).toBe('2026-05-01T10:00:00.000Z');

    const optOut = await service.create(WS, { type: 'opt_out', regulation: 'ccpa', subject: { userId: 'u1' }, channel: 'admin_api' }, 'admin');
    await expectCode(service.extend(WS, optOut.id, 'dpo', 'no'), 'extension_not_allowed');

    const late = await service.create(WS, { type: 'access', subject: { userId: 'u3' }, channel: 'admin_api' }, 'admin');
    now += 40 * 86_400_000;
    await expectCode(service.extend(WS, late.id, 'dpo', 'too late'), 'extension_not_allowed');
  });

  it('lists overdue and due-soon open requests, soonest first', async () => {
    const a = await service.create(WS, { type: 'access', subject: { userId: 'a' }, channel: 'admin_api' }, 'admin'); // due Feb 28
    now = Date.parse('2026-02-10T10:00:00.000Z');
    const b = await service.create(WS, { type: 'access', subject: { userId: 'b' }, channel: 'admin_api' }, 'admin'); // due Mar 10
    const c = await service.create(WS, { type: 'access', subject: { userId: 'c' }, channel: 'admin_api' }, 'admin');
    await service.deny(WS, c.id, 'dpo', 'duplicate');
    now = Date.parse('2026-03-05T00:00:00.000Z');
    expect((await service.overdue(WS)).map((r) => r.id)).toEqual([a.id]);
    expect((await service.dueSoon(WS, 7)).map((r) => r.id)).toEqual([a.id, b.id]);
    expect((await service.dueSoon(WS, 1)).map((r) => r.id)).toEqual([a.id]);
  });

  it('keeps a failed request on the deadline lists and out of the answered figures: the subject has had no answer', async () => {
    // A deletion whose destination never confirmed fails after its attempts; the DPO must still answer in time.
    const created = await service.create(WS, { type: 'delete', regulation: 'ccpa', subject: { userId: 'stuck' }, channel: 'admin_api', verified: true }, 'admin');
    const done = await service.create(WS, { type: 'delete', regulation: 'ccpa', subject: { userId: 'done' }, channel: 'admin_api', verified: true }, 'admin');
    now += 2 * 86_400_000;
    const failed = await service.fail(created, 'webhook answered 500 for 4 hours');
    expect(failed.status).toBe('failed');
    expect(failed.respondedAt).toBeNull();
    await service.complete(done, { ok: true });
    now = created.dueAt + 86_400_000;
    expect((await service.overdue(WS)).map((r) => r.id)).toEqual([created.id]);
    expect((await service.dueSoon(WS, 7)).map((r) => r.id)).toEqual([created.id]);
    expect(requestView((await service.load(WS, created.id)), now).overdue).toBe(true);
    const metrics = requestMetrics(await store.privacyRequests.list(WS, { limit: 100 }), 0, now);
    expect(metrics.byType.delete).toMatchObject({ received: 2, completed: 1, failed: 1, open: 1, medianDaysToRespond: 2 });
    expect(metrics.answeredLate).toBe(0);
    // Unanswered, so its deadline may still be extended (within the original period), but an answered one's may not.
    now = created.dueAt - 86_400_000;
    const extended = await service.extend(WS, created.id, 'dpo', 'the CRM is down; its vendor is restoring it');
    expect(extended.dueAt).toBe(created.receivedAt + 90 * 86_400_000);
    expect(extended.status).toBe('failed');
    await expectCode(service.extend(WS, done.id, 'dpo', 'too late'), 'request_state_conflict');
    now = extended.dueAt + 86_400_000;
    // Retried and completed late, it is answered, late.
    await service.retry(WS, created.id, 'dpo');
    await service.complete(await service.load(WS, created.id), { ok: true });
    const after = requestMetrics(await store.privacyRequests.list(WS, { limit: 100 }), 0, now + 1);
    expect(after.byType.delete).toMatchObject({ completed: 2, failed: 0, open: 0 });
    expect(after.answeredLate).toBe(1);
    expect(await service.overdue(WS)).toEqual([]);
  });

  it('keeps each request record 24 months after its answer, and an unanswered one as long as it is open (CCPA 7101)', async () => {
    const extended = await service.create(WS, { type: 'know', regulation: 'ccpa', subject: { email: 'slow@example.com' }, channel: 'admin_api', verified: true }, 'admin');
    await service.extend(WS, extended.id, 'dpo', 'archives to search');
    const waiting = await service.create(WS, { type: 'access', subject: { email: 'never-verified@example.com' }, channel: 'subject_portal' }, 'subject');
    now = Date.parse('2026-04-20T10:00:00.000Z'); // answered within the extended 90 days
    const answered = await service.complete(await service.load(WS, extended.id), { report: 'know' });
    expect(new Date(answered.retainUntil!).toISOString()).toBe('2028-04-20T10:00:00.000Z');
    now = Date.parse('2028-02-15T00:00:00.000Z'); // 24 months after receipt, not after the answer
    expect(await store.privacyRequests.deleteExpired(now)).toBe(0);
    expect(await store.privacyRequests.get(WS, extended.id)).toBeDefined();
    expect(await store.privacyRequests.get(WS, waiting.id)).toBeDefined();
    now = Date.parse('2028-04-21T00:00:00.000Z');
    expect(await store.privacyRequests.deleteExpired(now)).toBe(1);
    expect(await store.privacyRequests.get(WS, extended.id)).toBeUndefined();
    // Still open (never verified, never denied): its record stays; it is on the overdue list, not forgotten.
    expect((await service.overdue(WS)).map((r) => r.id)).toEqual([waiting.id]);
  });

  it('puts the most overdue requests on the lists first even when more than the list holds are open', async () => {
    const oldest = await service.create(WS, { type: 'access', subject: { userId: 'first-in' }, channel: 'admin_api' }, 'admin');
    // A backlog of 1,000 newer open requests (a campaign of requests), all overdue later.
    const base = (await service.load(WS, oldest.id));
    for (let i = 0; i < 1000; i++) {
      const at = now + 60_000 + i;
      const r = { ...base, id: `dsr_backlog_${String(i).padStart(4, '0')}`, receivedAt: at, dueAt: at + 30 * 86_400_000, updatedAt: at };
      await store.privacyRequests.create(r, { requestId: r.id, from: null, to: 'verifying', at, actor: 'admin', action: 'received', note: null });
    }
    now += 90 * 86_400_000;
    const overdue = await service.overdue(WS);
    expect(overdue[0]!.id).toBe(oldest.id);
    expect((await service.dueSoon(WS, 7))[0]!.id).toBe(oldest.id);
  });

  it('rejects a subject without identifiers and a correction without traits, saying what to send', async () => {
    await expectCode(service.create(WS, { type: 'access', subject: {}, channel: 'admin_api' }, 'admin'), 'validation_failed');
    await expectCode(service.create(WS, { type: 'correct', subject: { userId: 'u' }, channel: 'admin_api' }, 'admin'), 'validation_failed');
  });

  it('rejects a placeholder userId or anonymousId ("null", "undefined", "0"): it names nobody, and a deletion on it erased every visitor who sent it', async () => {
    for (const subject of [{ userId: 'undefined' }, { userId: 'NULL' }, { anonymousId: '00000000-0000-0000-0000-000000000000' }, { userId: 'null', email: 'ada@example.com' }]) {
      const error = await service.create(WS, { type: 'delete', subject, channel: 'admin_api', verified: true }, 'admin').then(() => undefined, (e: unknown) => e);
      expect(error, JSON.stringify(subject)).toBeInstanceOf(SluiceError);
      expect((error as SluiceError).code).toBe('validation_failed');
      expect((error as SluiceError).message).toMatch(/^subject\.(userId|anonymousId) ".*" is a placeholder apps send for people they do not know/);
    }
    expect(await store.privacyRequests.list(WS, { limit: 10 })).toEqual([]);
    // A real identifier that merely contains such a word is a person's.
    await service.create(WS, { type: 'delete', subject: { userId: 'null-island-42' }, channel: 'admin_api', verified: true }, 'admin');
  });


  it("refuses an objection to a consent category the workspace does not have, at intake, naming the workspace's categories", async () => {
    const error = await service.create(WS, { type: 'object', subject: { userId: 'ada' }, params: { categories: ['Analytics', 'marketing'] }, channel: 'admin_api', verified: true }, 'admin').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('validation_failed');
    expect((error as SluiceError).message).toBe(
      'categories names "marketing", which is not a consent category of this workspace; it has necessary, functional, analytics, advertising. Name those objected to, or leave categories out to object to every optional one.',
    );
    expect(await store.privacyRequests.list(WS, { limit: 10 })).toEqual([]);
    // The workspace's own categories, by id or name in any case; a category the workspace added counts too.
    await store.workspaces.changeSettings(WS, (settings) => ({ ...settings, consentCategories: [{ id: 'necessary', name: 'Necessary', required: true }, { id: 'marketing', name: 'Marketing emails' }] }));
    const accepted = await service.create(WS, { type: 'object', subject: { userId: 'ada' }, params: { categories: ['MARKETING EMAILS'] }, channel: 'admin_api', verified: true }, 'admin');
    expect(accepted.status).toBe('processing');
  });
  it('refuses a parameter the type would ignore, such as categories on an opt-out, saying where it belongs', async () => {
    const refused = async (type: 'opt_out' | 'access' | 'restrict', params: Record<string, unknown>) => {
      const error = await service.create(WS, { type, subject: { userId: 'ada' }, params, channel: 'admin_api', verified: true }, 'admin').then(() => undefined, (e: unknown) => e);
      expect(error, JSON.stringify(params)).toBeInstanceOf(SluiceError);
      return (error as SluiceError).message;
    };
    expect(await refused('opt_out', { categories: ['analytics'] })).toBe(
      '`categories` applies to object requests only, not to opt_out requests (an opt-out denies the categories marked gpc: true; to object to other categories, make an object request): the consent categories objected to. Leave it out, or choose the type it belongs to.',
    );
    expect(await refused('access', { traits: { name: 'Ada' } })).toMatch(/^`traits` applies to correct requests only, not to access requests: the corrected values\./);
    expect(await refused('restrict', { suppress: false })).toMatch(/^`suppress` applies to delete requests only/);
    expect(await store.privacyRequests.list(WS, { limit: 10 })).toEqual([]);
    await service.create(WS, { type: 'delete', subject: { userId: 'ada' }, params: { suppress: false }, channel: 'admin_api', verified: true }, 'admin');
  });

  it('records an authorized agent with the proof reference, and keeps records 24 months', async () => {
    const created = await service.create(
      WS,
      { type: 'know', regulation: 'ccpa', subject: { email: 's@example.com' }, channel: 'admin_api', agent: { name: 'Agent Co', email: 'agent@example.com', proofReference: 'POA-2026-17' } },
      'admin',
    );
    expect(created.agent).toEqual({ name: 'Agent Co', email: 'agent@example.com', proofReference: 'POA-2026-17' });
    expect(created.contactEmail).toBe('agent@example.com');
    const denied = await service.deny(WS, created.id, 'dpo', 'the agent could not show the signed permission');
    expect(new Date(denied.retainUntil!).toISOString()).toBe('2028-01-31T10:00:00.000Z');
    const [first] = await store.privacyRequests.transitions(WS, created.id);
    expect(first!.note).toContain('POA-2026-17');
    now = Date.parse('2028-02-02T00:00:00.000Z');
    expect(await store.privacyRequests.deleteExpired(now)).toBe(1);
    expect(await store.privacyRequests.get(WS, created.id)).toBeUndefined();
  });
});

describe('the language a request is filed in', () => {
  it('is kept as its primary subtag (pt-BR: pt), English when none is given, and one Sluice does not write in is refused', async () => {
    const made = (language?: string) => service.create(WS, { type: 'access', subject: { email: 'l@example.com' }, channel: 'admin_api', ...(language !== undefined && { language }) }, 'admin');
    expect((await made('de')).language).toBe('de');
    const portuguese = await made('pt-BR');
    expect(portuguese.language).toBe('pt');
    expect((await store.privacyRequests.get(WS, portuguese.id))?.language).toBe('pt');
    expect((await made()).language).toBe('en');
    await expectCode(made('sv'), 'validation_failed');
    await expect(made('')).rejects.toThrow('language "" is not a language Sluice writes to data subjects in: use one of en, de, fr, es, it, nl, pt');
    expect(await store.privacyRequests.list(WS, { limit: 10 })).toHaveLength(3);
  });
});
