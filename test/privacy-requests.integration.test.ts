import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleClient } from './support/console-client.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;

async function api(method: string, path: string, body?: unknown, token = sluice.token): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sluice.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('POST /api/v1/privacy-requests', () => {
  it('answers 201 with id, type, status, receivedAt and dueAt, and keeps the history of who did what', async () => {
    const created = await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'user-1' }, regulation: 'gdpr' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'access', status: 'verifying', regulation: 'gdpr', subject: { userId: 'user-1' } });
    expect(typeof created.body.id).toBe('string');
    expect(Date.parse(String(created.body.dueAt))).toBeGreaterThan(Date.parse(String(created.body.receivedAt)));

    const verified = await api('POST', `/privacy-requests/${String(created.body.id)}/verify`);
    expect(verified.status).toBe(200);
    const shown = await api('GET', `/privacy-requests/${String(created.body.id)}`);
    const history = shown.body.history as { action: string; actor: string }[];
    expect(history.map((h) => h.action).slice(0, 3)).toEqual(['received', 'verification_started', 'verified']);
    expect(history[2]!.actor).toContain('token:');
  });

  it("records the caller's IP address with every step it takes, in the audit log, as for other admin API calls", async () => {
    const created = await api('POST', '/privacy-requests', { type: 'restrict', subject: { userId: 'ip-user' }, regulation: 'gdpr' });
    const id = String(created.body.id);
    expect((await api('POST', `/privacy-requests/${id}/extend`, { reason: 'many systems to search' })).status).toBe(200);
    expect((await api('POST', `/privacy-requests/${id}/verify`)).status).toBe(200);
    const entries = (await api('GET', `/audit-log?resourceId=${id}`)).body.entries as { action: string; ip?: string }[];
    for (const action of ['received', 'verification_started', 'verified', 'extended']) {
      expect(entries.find((e) => e.action === `privacy_request.${action}`), action).toMatchObject({ ip: '127.0.0.1' });
    }
  });

  it('rejects bad input with a code and a message that says how to fix it', async () => {
    const noSubject = await api('POST', '/privacy-requests', { type: 'delete', subject: {} });
    expect(noSubject.status).toBe(400);
    expect(noSubject.body).toMatchObject({ error: { code: 'validation_failed' } });
    expect(String((noSubject.body.error as { message: string }).message)).toContain('subject.userId');
    const badType = await api('POST', '/privacy-requests', { type: 'erase', subject: { userId: 'u' } });
    expect(badType.status).toBe(400);
    const noTraits = await api('POST', '/privacy-requests', { type: 'correct', subject: { userId: 'u' } });
    expect(noTraits.body).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('extends, denies and refuses impossible actions with 409', async () => {
    const created = await api('POST', '/privacy-requests', { type: 'know', subject: { email: 'k@example.com' }, regulation: 'ccpa' });
    const id = String(created.body.id);
    const extended = await api('POST', `/privacy-requests/${id}/extend`, { reason: 'many systems to search' });
    expect(extended.body.extension).toMatchObject({ reason: 'many systems to search' });
    expect(Date.parse(String(extended.body.dueAt)) - Date.parse(String(created.body.receivedAt))).toBe(90 * 86_400_000);
    expect((await api('POST', `/privacy-requests/${id}/extend`, { reason: 'again' })).body).toMatchObject({ error: { code: 'extension_not_allowed' } });
    const denied = await api('POST', `/privacy-requests/${id}/deny`, { reason: 'not verifiable' });
    expect(denied.body).toMatchObject({ status: 'denied', denialReason: 'not verifiable' });
    const approve = await api('POST', `/privacy-requests/${id}/approve`);
    expect(approve.status).toBe(409);
    expect(approve.body).toMatchObject({ error: { code: 'request_state_conflict' } });
  });

  it('keeps when unverified hosted-page requests are closed: 1-28 days or 0 (never), anything else refused with what is allowed', async () => {
    try {
      expect((await api('PUT', '/privacy-requests/settings', { closeUnverifiedAfterDays: 3 })).body).toMatchObject({ closeUnverifiedAfterDays: 3, requireApproval: false });
      expect((await api('PUT', '/privacy-requests/settings', { closeUnverifiedAfterDays: 0 })).body).toMatchObject({ closeUnverifiedAfterDays: 0 });
      expect((await api('GET', '/privacy-requests/settings')).body).toMatchObject({ closeUnverifiedAfterDays: 0 });
      for (const bad of [-1, 29, 2.5, 'seven']) {
        const refused = await api('PUT', '/privacy-requests/settings', { closeUnverifiedAfterDays: bad });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('closeUnverifiedAfterDays') } });
      }
      expect((await api('GET', '/privacy-requests/settings')).body).toMatchObject({ closeUnverifiedAfterDays: 0 });
    } finally {
      await api('PUT', '/privacy-requests/settings', { closeUnverifiedAfterDays: 7 });
    }
  });

  it('holds verified requests for approval only when the workspace requires it', async () => {
    expect((await api('GET', '/privacy-requests/settings')).body).toEqual({ requireApproval: false, defaultRegulation: 'gdpr', closeUnverifiedAfterDays: 7 });
    await api('PUT', '/privacy-requests/settings', { requireApproval: true });
    try {
      const created = await api('POST', '/privacy-requests', { type: 'restrict', subject: { userId: 'u-approval' }, verified: true });
      expect(created.body.status).toBe('awaiting_approval');
      // The token that vouched for the subject cannot approve too: approval is a second person's look.
      const self = await api('POST', `/privacy-requests/${String(created.body.id)}/approve`);
      expect(self.status).toBe(403);
      expect(self.body).toMatchObject({ error: { code: 'approval_needs_another_person' } });
      const dpo = await api('POST', '/tokens', { name: 'DPO', role: 'privacy' });
      expect(dpo.status).toBe(201);
      const approved = await api('POST', `/privacy-requests/${String(created.body.id)}/approve`, undefined, String(dpo.body.token));
      expect(['processing', 'completed']).toContain(approved.body.status);
    } finally {
      await api('PUT', '/privacy-requests/settings', { requireApproval: false });
    }
  });

  it('does not let one member approve what they verified, through another of their tokens or the console', async () => {
    await api('PUT', '/privacy-requests/settings', { requireApproval: true });
    try {
      // Priya, a privacy admin, signs in to the console and vouches for a subject there.
      const invited = await api('POST', '/members', { email: 'priya@example.com', name: 'Priya', role: 'admin' });
      expect(invited.status).toBe(201);
      const priya = new ConsoleClient(sluice.url);
      expect((await priya.call('POST', '/auth/accept-invite', { token: invited.body.inviteToken, password: 'a long enough password' })).status).toBe(200);
      const filed = await priya.call<{ id: string; status: string }>('POST', '/privacy-requests', { type: 'restrict', subject: { userId: 'u-four-eyes' }, verified: true });
      expect(filed.body.status).toBe('awaiting_approval');
      const id = filed.body.id;
      // Neither her session nor a token she creates for herself counts as a second person.
      const own = await priya.call<{ token: string }>('POST', '/tokens', { name: 'Priya CLI', role: 'privacy' });
      expect(own.status).toBe(201);
      for (const attempt of [await priya.call('POST', `/privacy-requests/${id}/approve`), await api('POST', `/privacy-requests/${id}/approve`, undefined, own.body.token)]) {
        expect(attempt.status).toBe(403);
        expect(attempt.body).toMatchObject({ error: { code: 'approval_needs_another_person' } });
      }
      // The owner's token does.
      const approved = await api('POST', `/privacy-requests/${id}/approve`);
      expect(['processing', 'completed']).toContain(approved.body.status);
    } finally {
      await api('PUT', '/privacy-requests/settings', { requireApproval: false });
    }
  });

  it('lists due-soon requests and reports metrics by type and outcome', async () => {
    const created = await api('POST', '/privacy-requests', { type: 'delete', subject: { userId: 'awaiting-verification' } });
    const soon = await api('GET', '/privacy-requests/due-soon?days=60');
    expect((soon.body.requests as unknown[]).length).toBeGreaterThan(0);
    expect((await api('GET', '/privacy-requests/overdue')).body).toEqual({ requests: [] });
    // No contact address, so no emailed receipt: not yet overdue (10 business days), and recordable by hand.
    expect(created.body).toMatchObject({ receiptOverdue: false });
    expect(created.body).not.toHaveProperty('receiptConfirmedAt');
    expect((await api('GET', '/privacy-requests/receipt-overdue')).body).toEqual({ requests: [] });
    const confirmed = await api('POST', `/privacy-requests/${String(created.body.id)}/confirm-receipt`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: created.body.status, receiptOverdue: false, receiptConfirmedAt: expect.any(String) });
    const metrics = await api('GET', '/reports/request-metrics');
    expect(metrics.status).toBe(200);
    const byType = metrics.body.byType as Record<string, { received: number; denied: number; open: number }>;
    expect(byType.know).toMatchObject({ received: 1, denied: 1 });
    expect(byType.access!.received).toBe(1);
    expect(byType.delete!.open).toBe(1);
    expect(metrics.body.total).toMatchObject({ denied: 1 });
    expect(typeof (metrics.body.total as { medianDaysToRespond: number }).medianDaysToRespond).toBe('number');
  });

  it('reports the CCPA 7102 figures of CCPA requests only when asked for one regulation', async () => {
    const from = new Date().toISOString();
    await api('POST', '/privacy-requests', { type: 'correct', subject: { userId: 'eu-resident' }, regulation: 'gdpr', traits: { name: 'Ana' } });
    await api('POST', '/privacy-requests', { type: 'correct', subject: { userId: 'eu-resident-2' }, regulation: 'gdpr', traits: { name: 'Bo' } });
    const ca = await api('POST', '/privacy-requests', { type: 'correct', subject: { userId: 'ca-resident' }, regulation: 'ccpa', traits: { name: 'Cy' } });
    await api('POST', `/privacy-requests/${String(ca.body.id)}/deny`, { reason: 'could not verify' });
    const to = new Date(Date.now() + 1000).toISOString();
    const ccpa = await api('GET', `/reports/request-metrics?regulation=ccpa&from=${from}&to=${to}`);
    expect(ccpa.status).toBe(200);
    expect(ccpa.body.regulation).toBe('ccpa');
    expect((ccpa.body.byType as Record<string, unknown>).correct).toMatchObject({ received: 1, denied: 1, open: 0 });
    const all = await api('GET', `/reports/request-metrics?from=${from}&to=${to}`);
    expect((all.body.byType as Record<string, unknown>).correct).toMatchObject({ received: 3, denied: 1, open: 2 });
    expect((await api('GET', '/reports/request-metrics?regulation=lgpd')).status).toBe(400);
  });

  it("never shows one workspace's requests to another", async () => {
    const ws = await sluice.store.workspaces.create({ name: 'Other' });
    await sluice.store.tokens.create({ workspaceId: ws.id, name: 'other', secret: 'other-workspace-token-0123456789', role: 'owner' });
    const mine = await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'private' } });
    const theirs = await api('GET', `/privacy-requests/${String(mine.body.id)}`, undefined, 'other-workspace-token-0123456789');
    expect(theirs.status).toBe(404);
    expect((await api('GET', '/privacy-requests', undefined, 'other-workspace-token-0123456789')).body).toEqual({ requests: [] });
  });
});
