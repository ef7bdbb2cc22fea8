import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi } from './support/api-client.js';
import { chromiumMissing, consoleBuildMissing, launchChromium, setUpOwner } from './support/browser.js';
import type { DeletionCertificate, DestinationDeletion } from '../src/privacy/requests/certificate.js';
import { recordStatusCheck } from '../src/privacy/requests/deletion-certificate-steps.js';
import { RequestTransitions } from '../src/privacy/requests/request-transitions.js';
import { completedRequest } from './support/privacy-requests.js';
import { RecordingServer } from './support/recording-server.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Issue 10's "polled where the tool offers status", past the request's completion: Mixpanel takes a deletion as
 * an asynchronous task. The request completes with the task `submitted`; Sluice keeps asking (here every second,
 * SLUICE_DELETION_STATUS_CHECK_SECONDS=1) and re-issues the signed certificate when the task ends, one history
 * step and audit entry per task, then stops asking. A real HTTP server stands for Mixpanel's GDPR API v3: two
 * projects (two destinations), whose tasks are named after their project tokens. The console's request queue
 * says which deletions still wait on a tool.
 */
describe('a deletion taken as an asynchronous job is followed to its end', () => {
  let sluice: TestSluice;
  let mixpanel: RecordingServer;
  /** What the status call answers, per task. */
  const taskStatus = new Map<string, string>([['task-alpha', 'STARTED'], ['task-beta', 'STARTED']]);
  const ids: Record<string, string> = {};
  const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
  const owner = { name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' };
  let ownerCreated = false;
  /**
   * Runs `steps` in the console as the owner, in a browser of its own: their account is created through the setup
   * link by the first browser test, later ones log in.
   */
  const inConsole = async (steps: (page: Page) => Promise<void>) => {
    const browser: Browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
      page.setDefaultTimeout(15_000);
      if (!ownerCreated) {
        await setUpOwner(page, sluice.url, sluice.bootstrap.setupToken!, owner);
        ownerCreated = true;
      } else {
        await page.goto(sluice.url);
        await page.getByLabel('Email').fill(owner.email);
        await page.getByLabel('Password').fill(owner.password);
        await page.getByRole('button', { name: 'Log in', exact: true }).click();
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
      }
      await steps(page);
    } finally {
      await browser.close();
    }
  };
  const statusCalls = (task: string) => mixpanel.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/api/app/data-deletions/v3.0/${task}?`)).length;

  beforeAll(async () => {
    mixpanel = await RecordingServer.start();
    mixpanel.respond = (request) => {
      const token = new URL(request.path, 'http://mixpanel').searchParams.get('token');
      if (request.method === 'POST' && request.path.startsWith('/api/app/data-deletions/v3.0/?')) {
        return { status: 200, body: JSON.stringify({ status: 'ok', results: { task_id: `task-${token}` } }) };
      }
      const task = /\/data-deletions\/v3\.0\/([^/?]+)/.exec(request.path)?.[1];
      if (request.method === 'GET' && task) return { status: 200, body: JSON.stringify({ status: 'ok', results: { status: taskStatus.get(task) ?? 'NOT_FOUND' } }) };
      return { status: 200, body: JSON.stringify({ code: 200, status: 'OK', num_records_imported: 1 }) };
    };
    sluice = await startTestSluice({ SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1', SLUICE_DELETION_STATUS_CHECK_SECONDS: '1' });
    // Who answers the requests: emailed (here, the development outbox) when a deletion needs them.
    await sluice.store.members.create({ workspaceId: (await sluice.store.workspaces.list())[0]!.id, email: 'dpo@shop.example', name: 'DPO', role: 'privacy', status: 'active' });
    const base = new URL(mixpanel.url).origin;
    for (const token of ['alpha', 'beta']) {
      const created = await api('POST', '/destinations', { name: `Mixpanel ${token}`, type: 'mixpanel', config: { projectToken: token, gdprToken: `gdpr-${token}`, baseUrl: base, deletionBaseUrl: base } });
      expect(created.status, created.text).toBe(201);
      ids[token] = String(created.body.id);
    }
  });

  afterAll(async () => {
    await sluice?.stop();
    await mixpanel?.close();
  });

  it('asks until each job ends, re-signs the certificate with the answer, records it in the history and the audit log, then stops asking', async () => {
    const first = (await completedRequest(sluice, { type: 'delete', subject: { userId: 'ada' } })) as unknown as DeletionCertificate;
    const id = first.requestId;
    const entry = (c: DeletionCertificate, token: string) => c.destinations.find((d) => d.destinationId === ids[token])!;
    // At completion both tasks run: submitted, with the task id and the status asked right after submission.
    for (const token of ['alpha', 'beta']) {
      expect(entry(first, token)).toMatchObject({ outcome: 'submitted', jobId: `task-${token}`, detail: `deletion job task-${token}: last status STARTED` });
      expect(entry(first, token).checkedAt).toBeDefined();
    }
    expect(first.verified).toBe(true);
    const shown = (await api('GET', `/privacy-requests/${id}`)).body;
    expect(Date.parse(String(shown.nextDeletionStatusCheckAt))).toBeGreaterThan(Date.parse(first.issuedAt));

    // Still running at the next check: asked again, the certificate only says when; no history step.
    const result = async () => (await api('GET', `/privacy-requests/${id}/result`)).body as unknown as DeletionCertificate;
    await eventually(async () => (statusCalls('task-alpha') >= 2 ? true : undefined), 15_000, 50);
    const stillRunning = await eventually(async () => {
      const c = await result();
      return entry(c, 'alpha').checkedAt !== entry(first, 'alpha').checkedAt ? c : undefined;
    }, 15_000, 50);
    expect(entry(stillRunning, 'alpha')).toMatchObject({ outcome: 'submitted', jobId: 'task-alpha' });
    const history = async () => (await api('GET', `/privacy-requests/${id}`)).body.history as { action: string; note?: string; to: string }[];
    expect((await history()).filter((h) => h.action === 'deletion_job_ended')).toEqual([]);

    // One task succeeds, the other fails: each ends with the tool's answer.
    taskStatus.set('task-alpha', 'SUCCESS');
    taskStatus.set('task-beta', 'FAILURE');
    const settled = await eventually(async () => {
      const c = await result();
      return c.destinations.every((d) => d.outcome !== 'submitted') ? c : undefined;
    }, 20_000, 50);
    expect(entry(settled, 'alpha')).toMatchObject({ outcome: 'deleted', jobId: 'task-alpha', detail: 'deletion job task-alpha: done (Mixpanel task task-alpha succeeded)' } satisfies Partial<DestinationDeletion>);
    expect(entry(settled, 'beta')).toMatchObject({ outcome: 'failed', jobId: 'task-beta', detail: 'deletion job task-beta: the tool reports failure: Mixpanel task task-beta: FAILURE' } satisfies Partial<DestinationDeletion>);
    // Re-issued: later, no longer verified (a recipient failed), and signed by this installation.
    expect(settled.verified).toBe(false);
    expect(Date.parse(settled.issuedAt)).toBeGreaterThan(Date.parse(first.issuedAt));
    expect(settled.systems).toEqual(first.systems);
    expect((await api('POST', '/privacy-requests/certificates/verify', settled)).body).toEqual({ valid: true });
    expect((await api('POST', '/privacy-requests/certificates/verify', { ...settled, verified: true })).body).toEqual({ valid: false });

    // The request stays completed (its answer was given); each ended job is a step of its history and audited.
    const after = (await api('GET', `/privacy-requests/${id}`)).body;
    expect(after.status).toBe('completed');
    expect(after.nextDeletionStatusCheckAt).toBeUndefined();
    const ended = (await history()).filter((h) => h.action === 'deletion_job_ended');
    expect(ended.map((h) => h.note).sort()).toEqual([
      'Mixpanel alpha (mixpanel): deletion job task-alpha: done (Mixpanel task task-alpha succeeded)',
      'Mixpanel beta (mixpanel): deletion job task-beta: the tool reports failure: Mixpanel task task-beta: FAILURE',
    ]);
    expect(ended.every((h) => h.to === 'completed')).toBe(true);
    const audit = (await api('GET', '/audit-log?limit=100')).body.entries as { action: string; requestId?: string; target?: string }[];
    expect(audit.filter((a) => a.action === 'privacy_request.deletion_job_ended')).toHaveLength(2);
    // Then one step says no job is left running (the subject's notice of how it ended hangs on it).
    expect((await history()).filter((h) => h.action === 'deletion_jobs_settled')).toHaveLength(1);
    // The team is emailed the tool to follow up, once the last job ended.
    const toTeam = await eventually(async () => {
      const { messages } = (await api('GET', '/outbox')).body as { messages: { to: string; subject: string; text: string }[] };
      return messages.find((m) => m.to === 'dpo@shop.example' && m.subject === 'A deletion was not confirmed by every tool' && m.text.includes(id));
    });
    expect(toTeam.text).toContain('Mixpanel beta (its deletion job failed, job task-beta)');
    expect(toTeam.text).not.toContain('Mixpanel alpha');

    // The failed job waits on a person (Sluice cannot send the deletion again: the identifiers were cleared): the
    // request says so, and the queue's follow-up list holds it.
    expect(after.deletionFollowUps).toEqual([{ destinationId: ids.beta, name: 'Mixpanel beta', type: 'mixpanel', reason: 'failed', detail: entry(settled, 'beta').detail, jobId: 'task-beta' }]);
    const followUps = async () => ((await api('GET', '/privacy-requests/deletion-follow-ups')).body.requests as { id: string; deletionFollowUps?: unknown[] }[]);
    expect((await followUps()).find((r) => r.id === id)?.deletionFollowUps).toHaveLength(1);
    // Confirming a destination that does not wait on a person is refused, naming the one that does.
    const wrong = await api('POST', `/privacy-requests/${id}/deletion-follow-ups/${ids.alpha}/confirm`, { note: 'deleted' });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error).toMatchObject({ code: 'no_deletion_follow_up', message: expect.stringContaining(ids.beta!) });
    // A status check that read the request before the member's confirmation (below) is saved after it.
    const workspaceId = (await sluice.store.workspaces.list())[0]!.id;
    const readByTheCheck = (await sluice.store.privacyRequests.get(workspaceId, id))!;
    // Once it is done at the tool, a member confirms it: the certificate is re-issued with the entry deleted, naming them.
    const confirmed = await api('POST', `/privacy-requests/${id}/deletion-follow-ups/${ids.beta}/confirm`, { note: 'Mixpanel support deleted the profile (ticket 4711)' });
    expect(confirmed.status, confirmed.text).toBe(200);
    // The late check saves nothing over it (a compare-and-set on the certificate): the confirmation stands.
    await recordStatusCheck(new RequestTransitions(sluice.store), readByTheCheck, readByTheCheck.result, [{ name: 'Mixpanel alpha', type: 'mixpanel', detail: 'late' }], undefined);
    expect(entry(await result(), 'beta')).toMatchObject({ outcome: 'deleted', confirmedBy: expect.any(String) });
    expect(((await api('GET', `/privacy-requests/${id}`)).body.history as { note?: string }[]).some((h) => h.note?.endsWith(': late'))).toBe(false);
    expect(confirmed.body).toMatchObject({ status: 'completed' });
    expect(confirmed.body.deletionFollowUps).toBeUndefined();
    const reissued = await result();
    expect(entry(reissued, 'beta')).toMatchObject({ outcome: 'deleted', jobId: 'task-beta', detail: expect.stringContaining(': Mixpanel support deleted the profile (ticket 4711) (before: deletion job task-beta: the tool reports failure') });
    expect(entry(reissued, 'alpha')).toEqual(entry(settled, 'alpha'));
    expect(reissued.verified).toBe(true);
    expect((await api('POST', '/privacy-requests/certificates/verify', reissued)).body).toEqual({ valid: true });
    expect((await followUps()).some((r) => r.id === id)).toBe(false);
    const confirmation = (await history()).filter((h) => h.action === 'deletion_confirmed_by_hand');
    expect(confirmation).toEqual([expect.objectContaining({ to: 'completed', note: 'Mixpanel beta (mixpanel): Mixpanel support deleted the profile (ticket 4711)' })]);
    expect(entry(reissued, 'beta').confirmedBy).toBe((confirmation[0] as unknown as { actor: string }).actor);
    const audited = (await api('GET', '/audit-log?limit=100')).body.entries as { action: string }[];
    expect(audited.filter((a) => a.action === 'privacy_request.deletion_confirmed_by_hand')).toHaveLength(1);
    // Confirmed once: nothing waits on a person any more.
    const again = await api('POST', `/privacy-requests/${id}/deletion-follow-ups/${ids.beta}/confirm`, { note: 'again' });
    expect(again.body.error).toMatchObject({ code: 'no_deletion_follow_up' });
    expect(confirmed.body.handConfirmations).toEqual([{ destinationId: ids.beta, name: 'Mixpanel beta', type: 'mixpanel', confirmedBy: entry(reissued, 'beta').confirmedBy, confirmedAt: entry(reissued, 'beta').confirmedAt, withdrawable: true }]);

    // Confirmed by mistake: withdrawn, the entry is as the tool left it and the request is to follow up again.
    const notConfirmed = await api('POST', `/privacy-requests/${id}/deletion-follow-ups/${ids.alpha}/withdraw`, { reason: 'mistake' });
    expect(notConfirmed.status).toBe(409);
    expect(notConfirmed.body.error).toMatchObject({ code: 'no_hand_confirmation', message: expect.stringContaining(ids.beta!) });
    const withdrawn = await api('POST', `/privacy-requests/${id}/deletion-follow-ups/${ids.beta}/withdraw`, { reason: 'the ticket was about another person' });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect(withdrawn.body.handConfirmations).toBeUndefined();
    expect(withdrawn.body.deletionFollowUps).toEqual([expect.objectContaining({ destinationId: ids.beta, reason: 'failed', jobId: 'task-beta' })]);
    const restored = await result();
    expect(entry(restored, 'beta')).toMatchObject({ outcome: 'failed', detail: expect.stringContaining(': the ticket was about another person)') });
    expect(entry(restored, 'beta').confirmedBy).toBeUndefined();
    expect(restored.verified).toBe(false);
    expect((await api('POST', '/privacy-requests/certificates/verify', restored)).body).toEqual({ valid: true });
    expect((await followUps()).some((r) => r.id === id)).toBe(true);
    expect((await history()).filter((h) => h.action === 'deletion_confirmation_withdrawn')).toEqual([expect.objectContaining({ to: 'completed', note: 'Mixpanel beta (mixpanel): the ticket was about another person' })]);
    const auditedAgain = (await api('GET', '/audit-log?limit=100')).body.entries as { action: string }[];
    expect(auditedAgain.filter((a) => a.action === 'privacy_request.deletion_confirmation_withdrawn')).toHaveLength(1);
    const twice = await api('POST', `/privacy-requests/${id}/deletion-follow-ups/${ids.beta}/withdraw`, { reason: 'again' });
    expect(twice.body.error).toMatchObject({ code: 'no_hand_confirmation' });

    // Nothing is left to ask: no more status calls.
    const calls = statusCalls('task-alpha') + statusCalls('task-beta');
    await new Promise((r) => setTimeout(r, 2500));
    expect(statusCalls('task-alpha') + statusCalls('task-beta')).toBe(calls);
  }, 60_000);

  it.skipIf(chromiumMissing() || consoleBuildMissing())('shows in the console which completed deletions still wait on a tool, until the job ends', async () => {
    taskStatus.set('task-alpha', 'STARTED');
    taskStatus.set('task-beta', 'SUCCESS');
    const certificate = (await completedRequest(sluice, { type: 'delete', subject: { userId: 'grace' } })) as unknown as DeletionCertificate;
    await inConsole(async (page) => {
      await page.getByRole('link', { name: 'Privacy requests' }).click();
      const row = page.locator('tr', { hasText: certificate.requestId });
      await expect.poll(() => row.textContent()).toContain("Waiting on a tool's deletion job");
      taskStatus.set('task-alpha', 'SUCCESS');
      // The queue is read again while it shows work in progress, or on the next visit.
      await expect.poll(async () => {
        await page.reload();
        return row.textContent();
      }, { timeout: 20_000, interval: 500 }).not.toContain("Waiting on a tool's deletion job");
      expect(await row.textContent()).toContain('completed');
    });
  }, 60_000);

  it.skipIf(chromiumMissing() || consoleBuildMissing())("lists in the console a completed deletion whose tool job failed, until a member confirms it done with a note, and lists it again when the confirmation is withdrawn", async () => {
    taskStatus.set('task-alpha', 'STARTED');
    taskStatus.set('task-beta', 'STARTED');
    const certificate = (await completedRequest(sluice, { type: 'delete', subject: { userId: 'hopper' } })) as unknown as DeletionCertificate;
    const id = certificate.requestId;
    taskStatus.set('task-alpha', 'SUCCESS');
    taskStatus.set('task-beta', 'FAILURE');
    await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.deletionFollowUps ? true : undefined), 20_000, 50);
    await inConsole(async (page) => {
      await page.getByRole('link', { name: 'Privacy requests' }).click();
      await page.getByRole('tab', { name: 'Deletions to follow up' }).click();
      const row = page.locator('tr', { hasText: id });
      await expect.poll(() => row.textContent()).toContain("Follow up at Mixpanel beta: the tool's deletion job failed (job task-beta)");
      await page.getByRole('button', { name: `Confirm the deletion at Mixpanel beta of delete request ${id}` }).click();
      const form = page.getByRole('form', { name: `Confirm the deletion at Mixpanel beta of request ${id}` });
      await form.getByLabel("What was done (goes into the certificate and the request's history)").fill('Deleted in the Mixpanel project by hand');
      await form.getByRole('button', { name: 'Confirm deleted at Mixpanel beta' }).click();
      // Done: gone from the follow-up list, and the certificate names the confirmation.
      await expect.poll(() => row.count()).toBe(0);
      const reissued = (await api('GET', `/privacy-requests/${id}/result`)).body as unknown as DeletionCertificate;
      const beta = reissued.destinations.find((d) => d.destinationId === ids.beta)!;
      expect(beta).toMatchObject({ outcome: 'deleted', confirmedBy: expect.stringContaining('owner@example.com') });
      expect(beta.detail).toContain(': Deleted in the Mixpanel project by hand (before:');
      expect(reissued.verified).toBe(true);

      // Confirmed on the wrong request: the request (all requests) says who confirmed it, and it is withdrawn with a reason.
      await page.getByRole('tab', { name: 'All' }).click();
      await expect.poll(() => row.textContent()).toContain('Deleted at Mixpanel beta: confirmed by hand by');
      await page.getByRole('button', { name: `Withdraw the confirmation at Mixpanel beta of delete request ${id}` }).click();
      const withdraw = page.getByRole('form', { name: `Withdraw the confirmation at Mixpanel beta of request ${id}` });
      await withdraw.getByLabel("Why (goes into the certificate and the request's history)").fill('Confirmed on the wrong request');
      await withdraw.getByRole('button', { name: 'Withdraw the confirmation at Mixpanel beta' }).click();
      await expect.poll(() => row.textContent()).toContain("Follow up at Mixpanel beta: the tool's deletion job failed (job task-beta)");
      expect(await row.textContent()).not.toContain('confirmed by hand by');
      const restored = (await api('GET', `/privacy-requests/${id}/result`)).body as unknown as DeletionCertificate;
      expect(restored.destinations.find((d) => d.destinationId === ids.beta)).toMatchObject({ outcome: 'failed', detail: expect.stringContaining(': Confirmed on the wrong request)') });
      expect(restored.verified).toBe(false);
    });
  }, 60_000);
});
