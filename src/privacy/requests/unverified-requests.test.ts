import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { RequestAuditEntry } from './request-audit.js';
import { RequestService } from './request-service.js';
import type { PrivacyRequest, RequestTransition } from './request.js';
import { closeUnverifiedRequests } from './unverified-requests.js';

const DAY_MS = 86_400_000;
const SHOP = 'ws_shop';
const STRICT = 'ws_strict';
const PATIENT = 'ws_patient';
let dir: string;
let store: SqlStore;
let now: number;
let audit: RequestAuditEntry[];
let told: Array<{ request: PrivacyRequest; transition: RequestTransition }>;
let service: RequestService;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-unverified-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  await store.workspaces.create({ id: SHOP, name: 'Shop (default: 7 days)' });
  await store.workspaces.create({ id: STRICT, name: 'Strict (2 days)' });
  await store.workspaces.updateSettings(STRICT, { privacyRequests: { closeUnverifiedAfterDays: 2 } });
  await store.workspaces.create({ id: PATIENT, name: 'Patient (never)' });
  await store.workspaces.updateSettings(PATIENT, { privacyRequests: { closeUnverifiedAfterDays: 0 } });
  now = Date.parse('2026-03-02T09:00:00.000Z');
  audit = [];
  told = [];
  service = new RequestService(store, { now: () => now, audit: { record: async (e) => void audit.push(e) } });
  service.onTransition((request, transition) => void told.push({ request, transition }));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A request as the hosted page makes it: waiting for the code emailed to the subject. */
async function fromThePage(workspaceId: string, email: string): Promise<PrivacyRequest> {
  const request = await service.create(workspaceId, { type: 'delete', subject: { email }, contactEmail: email, channel: 'subject_portal' }, 'subject');
  await store.privacyRequests.putCode({ requestId: request.id, workspaceId, codeHash: 'hmac-of-the-code', expiresAt: now + 10 * 60_000, attemptsLeft: 3, createdAt: now });
  return request;
}

const sweep = () => closeUnverifiedRequests({ store, requests: service }, now);
const statusOf = async (workspaceId: string, id: string) => (await service.load(workspaceId, id)).status;

describe('requests made on the hosted page and never verified', () => {
  it('are denied once the workspace’s days have passed, the subject told why; admin-entered, verified and never-closing workspaces’ requests stay', async () => {
    const lapsed = await fromThePage(SHOP, 'lapsed@example.com');
    const verified = await fromThePage(SHOP, 'verified@example.com');
    await service.verify(SHOP, verified.id, 'subject (one-time code by email)');
    const entered = await service.create(SHOP, { type: 'delete', subject: { email: 'by-phone@example.com' }, channel: 'admin_api' }, 'member:mem_dpo (dpo@shop.example)');
    expect(entered.status).toBe('verifying');
    const strict = await fromThePage(STRICT, 'strict@example.com');
    const patient = await fromThePage(PATIENT, 'patient@example.com');

    now += 2 * DAY_MS;
    expect(await sweep()).toEqual([]); // two days exactly: not yet past
    now += 1;
    expect(await sweep()).toEqual([{ workspaceId: STRICT, requestId: strict.id }]);

    now = lapsed.receivedAt + 7 * DAY_MS + 1;
    told = [];
    expect(await sweep()).toEqual([{ workspaceId: SHOP, requestId: lapsed.id }]);
    const denied = await service.load(SHOP, lapsed.id);
    expect(denied).toMatchObject({ status: 'denied', respondedAt: now });
    expect(denied.denialReason).toBe('Your identity could not be verified: the code we emailed was not entered within 7 days. You can make the request again.');
    expect(await store.privacyRequests.getCode(SHOP, lapsed.id)).toBeUndefined();
    // The transition the subject's denial notice is written from, and its record for the audit log.
    expect(told).toEqual([{ request: expect.objectContaining({ id: lapsed.id, contactEmail: 'lapsed@example.com' }), transition: expect.objectContaining({ from: 'verifying', to: 'denied', actor: 'system', action: 'denied' }) }]);
    expect((await store.privacyRequests.transitions(SHOP, lapsed.id)).at(-1)).toMatchObject({ to: 'denied', actor: 'system' });
    expect(audit.filter((e) => e.requestId === lapsed.id).at(-1)).toMatchObject({ action: 'privacy_request.denied', actor: 'system' });

    expect(await statusOf(SHOP, verified.id)).toBe('processing');
    expect(await statusOf(SHOP, entered.id)).toBe('verifying');
    expect(await statusOf(PATIENT, patient.id)).toBe('verifying');
    expect(await store.privacyRequests.getCode(PATIENT, patient.id)).toBeDefined();

    now += 30 * DAY_MS;
    expect(await sweep()).toEqual([]); // nothing twice; the others stay as they are
    expect(await statusOf(PATIENT, patient.id)).toBe('verifying');
  });

  it('leaves a request verified after it was read as it is, instead of denying it after the fact', async () => {
    const request = await fromThePage(SHOP, 'just-in-time@example.com');
    await service.verify(SHOP, request.id, 'subject (one-time code by email)');
    now += 8 * DAY_MS;
    expect(await service.denyUnverified(request, 'system', 'not verified')).toBeUndefined();
    expect(await statusOf(SHOP, request.id)).toBe('processing');
  });
});
