import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keys } from '../../core/crypto/keys.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Regulation } from './deadlines.js';
import { signCertificate, type DestinationDeletion } from './certificate.js';
import { consentCategoriesOf } from '../privacy-config.js';
import { RequestService } from './request-service.js';
import { SubjectEmailOutbox } from './subject-email-outbox.js';
import { SubjectNotices, type NoticeMailer } from './subject-notices.js';

const WS = 'ws_test';
let dir: string;
let store: SqlStore;
let sent: { to: string; subject: string; text: string }[];
let requests: RequestService;
let notices: SubjectNotices;
let outbox: SubjectEmailOutbox;

/** Every notice so far written, stored and sent (the jobs role's sender does this in Sluice). */
async function settled(): Promise<void> {
  await notices.idle();
  while ((await outbox.sendDue()).length > 0);
}
const keys = new Keys('notices-test-secret-key-0123456789abcdef');

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-notices-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  await store.workspaces.create({ id: WS, name: 'Test' });
  sent = [];
  const mailer: NoticeMailer = {
    send: async (message) => {
      sent.push(message);
      return { ok: true, messageId: `m${sent.length}` };
    },
  };
  requests = new RequestService(store);
  outbox = new SubjectEmailOutbox({ emails: store.subjectEmails, mailer, keys, requests, logger: pino({ level: 'silent' }) });
  notices = new SubjectNotices({ outbox, keys, publicUrl: 'http://sluice.test', logger: pino({ level: 'silent' }), consentCategories: async (ws) => consentCategoriesOf((await store.workspaces.get(ws))?.settings ?? {}) });
  requests.onTransition(notices.listener);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The denial notice the subject of a request under `regulation` receives. */
async function denialNotice(regulation: Regulation): Promise<string> {
  const created = await requests.create(WS, { type: 'delete', subject: { email: 'ada@example.com' }, regulation, contactEmail: 'ada@example.com', channel: 'admin_api' }, 'token:a (admin)');
  await requests.deny(WS, created.id, 'token:a (admin)', 'We are required by tax law to keep your invoices for 10 years.');
  await settled();
  const denial = sent.find((m) => m.subject === 'We could not complete your privacy request');
  expect(denial?.to).toBe('ada@example.com');
  expect(denial?.text).toContain(`Reference: ${created.id}`);
  return denial!.text;
}

describe('denial notice', () => {
  it('gives the reason and, under the GDPR, the right to complain to a supervisory authority and to a judicial remedy (Art. 12(4))', async () => {
    const text = await denialNotice('gdpr');
    expect(text).toContain('Why: We are required by tax law to keep your invoices for 10 years.');
    expect(text).toMatch(/lodge a complaint with a data protection supervisory authority/);
    expect(text).toMatch(/seek a judicial remedy/);
  });

  it('gives the basis for the denial under the CCPA, without the GDPR remedies', async () => {
    const text = await denialNotice('ccpa');
    expect(text).toContain('Why: We are required by tax law to keep your invoices for 10 years.');
    expect(text).not.toMatch(/supervisory authority/);
  });
});

describe('completion notice of a deletion', () => {
  it("tells the person each recipient's outcome in plain words, without the certificate's technical details", async () => {
    const created = await requests.create(WS, { type: 'delete', subject: { email: 'ada@example.com' }, contactEmail: 'ada@example.com', channel: 'admin_api', verified: true }, 'token:a (admin)');
    const at = new Date().toISOString();
    const destination = (name: string, outcome: 'deleted' | 'not_supported' | 'failed', detail: string) => ({ destinationId: `dst_${name}`, name, type: 'webhook', outcome, detail, attempts: 1, at });
    await requests.complete(created, {
      destinations: [
        destination('CRM', 'deleted', '3 record(s) deleted'),
        destination('Old partner', 'not_supported', 'deleted on 2026-11-02; its connection details were erased, so the erasure could not be forwarded: ask Old partner to delete the person directly'),
        destination('Analytics', 'failed', 'HTTP 500: {"trace":"db timeout at shard 7"}'),
      ],
    });
    await settled();
    const text = sent.find((m) => m.text.includes('We deleted your personal data'))!.text;
    expect(text).toContain('- CRM: deleted');
    expect(text).toContain('- Old partner: this service cannot be asked automatically; we ask it to delete your data directly');
    expect(text).toContain('- Analytics: the service did not confirm the deletion; we follow it up with them');
    expect(text).not.toMatch(/ask Old partner|HTTP 500|shard/);
  });
});

describe('notice when the deletion jobs at the tools have ended', () => {
  it('follows the completion notice once, when the last job has ended, with where the data stands at each recipient', async () => {
    const created = await requests.create(WS, { type: 'delete', subject: { email: 'ada@example.com' }, contactEmail: 'ada@example.com', channel: 'admin_api', verified: true }, 'token:a (admin)');
    const at = new Date().toISOString();
    const entry = (name: string, outcome: 'deleted' | 'submitted' | 'failed' | 'not_recipient', extra: object = {}) => ({ destinationId: `dst_${name}`, name, type: 'mixpanel', outcome, detail: `${name}: technical detail`, attempts: 1, at, ...extra });
    const completed = await requests.complete(created, { destinations: [entry('CRM', 'deleted'), entry('Mixpanel', 'submitted', { jobId: 't1' }), entry('Amplitude', 'submitted', { jobId: 't2' }), entry('Ads', 'not_recipient')] }, Date.now() + 3_600_000);
    await settled();
    expect(sent.find((m) => m.subject === 'Your privacy request is complete')?.text).toContain('- Mixpanel: deletion requested, in progress at the service');
    const updates = () => sent.filter((m) => m.subject === 'Update on your deletion request');

    // One job ends, the other still runs: a history step, no notice yet.
    const mixpanelDone = { destinations: [entry('CRM', 'deleted'), entry('Mixpanel', 'deleted', { jobId: 't1' }), entry('Amplitude', 'submitted', { jobId: 't2' }), entry('Ads', 'not_recipient')] };
    await requests.recordStatusCheck(completed, mixpanelDone, [{ name: 'Mixpanel', type: 'mixpanel', detail: 'done' }], Date.now() + 3_600_000);
    await settled();
    expect(updates()).toEqual([]);

    // The last one is given up on (never confirmed in time): one notice, followed up like a failure.
    const last = { destinations: [entry('CRM', 'deleted'), entry('Mixpanel', 'deleted', { jobId: 't1' }), entry('Amplitude', 'submitted', { jobId: 't2', stoppedAskingAt: at }), entry('Ads', 'not_recipient')] };
    await requests.recordStatusCheck(await requests.load(WS, created.id), last, [{ name: 'Amplitude', type: 'amplitude', detail: 'not confirmed within 60 days' }], undefined);
    await settled();
    expect(updates()).toHaveLength(1);
    const text = updates()[0]!.text;
    expect(updates()[0]!.to).toBe('ada@example.com');
    expect(text).toContain('- CRM: deleted');
    expect(text).toContain('- Mixpanel: deleted');
    expect(text).toContain('- Amplitude: the service did not confirm the deletion; we follow it up with them');
    expect(text).not.toContain('Ads');
    expect(text).not.toContain('technical detail');
    expect(text).toContain(`Reference: ${created.id}`);
    const history = (await store.privacyRequests.transitions(WS, created.id)).map((t) => t.action);
    expect(history.filter((a) => a === 'deletion_job_ended')).toHaveLength(2);
    expect(history.filter((a) => a === 'deletion_jobs_settled')).toHaveLength(1);
    expect(history.at(-1)).toBe('deletion_jobs_settled');
  });
});

describe('notice when the last follow-up is confirmed by hand', () => {
  it('tells the person once every service followed up with has deleted, not for each one', async () => {
    const created = await requests.create(WS, { type: 'delete', subject: { email: 'ada@example.com' }, contactEmail: 'ada@example.com', channel: 'admin_api', verified: true }, 'token:a (admin)');
    const at = new Date().toISOString();
    const entry = (id: string, outcome: DestinationDeletion['outcome'], extra: Partial<DestinationDeletion> = {}): DestinationDeletion => ({ destinationId: id, name: `Tool ${id}`, type: 'mixpanel', outcome, detail: `answer of ${id}`, attempts: 1, at, ...extra });
    const certificate = signCertificate(keys, {
      kind: 'sluice.deletion-certificate/v1', requestId: created.id, workspaceId: WS, regulation: 'gdpr', receivedAt: at, issuedAt: at, subjectHashes: ['h1'],
      systems: [{ system: 'events', found: 1, deleted: 1, deletedAt: at, residual: 0, verifiedAt: at }],
      destinations: [entry('crm', 'deleted'), entry('mixpanel', 'failed', { jobId: 'j1' }), entry('amplitude', 'submitted', { jobId: 'j2', stoppedAskingAt: at })],
      suppression: { kept: false, hashedIdentifiers: 0, detail: 'not kept' }, verified: false,
    });
    await requests.complete(created, certificate);
    const updates = () => sent.filter((m) => m.subject === 'Update on your deletion request');

    await requests.confirmDeletion(WS, created.id, 'mixpanel', 'member:mem_dpo (dpo@shop.example)', 'deleted in Mixpanel by hand', keys);
    await settled();
    expect(updates()).toEqual([]);

    await requests.confirmDeletion(WS, created.id, 'amplitude', 'member:mem_dpo (dpo@shop.example)', 'Amplitude support confirmed', keys);
    await settled();
    expect(updates()).toHaveLength(1);
    const text = updates()[0]!.text;
    expect(text).toContain('The services we were following up with have now deleted your data.');
    expect(text).toContain('- Tool crm: deleted');
    expect(text).toContain('- Tool mixpanel: deleted');
    expect(text).toContain('- Tool amplitude: deleted');
    expect(text).not.toMatch(/dpo@|by hand|support confirmed/);
  });
});

describe('completion notice of a know request', () => {
  it('gives a link to read the report in the browser, before the link to the JSON file', async () => {
    const created = await requests.create(WS, { type: 'know', subject: { email: 'ada@example.com' }, regulation: 'ccpa', contactEmail: 'ada@example.com', channel: 'admin_api', verified: true }, 'token:a (admin)');
    await requests.complete(created, { kind: 'know' });
    await settled();
    const lines = sent.find((m) => m.subject === 'Your privacy request is complete')!.text.split('\n');
    const readable = lines.findIndex((l) => /^http:\/\/sluice\.test\/api\/v1\/privacy-requests\/\S+\/download\?\S+&format=html$/.test(l));
    const json = lines.findIndex((l) => /^http:\/\/sluice\.test\/api\/v1\/privacy-requests\/\S+\/download\?\S+$/.test(l) && !l.includes('format='));
    expect(readable).toBeGreaterThan(-1);
    expect(json).toBeGreaterThan(readable);
    expect(lines[readable]).toBe(`${lines[json]}&format=html`);
  });
});

describe('completion notice of a request whose answer is an action', () => {
  /** The completion notice of a request of `type` completed with `result`. */
  async function completionOf(type: 'correct' | 'restrict' | 'object' | 'opt_out', result: object, params: object = {}): Promise<string> {
    const created = await requests.create(WS, { type, subject: { email: 'ada@example.com' }, params, regulation: type === 'opt_out' ? 'ccpa' : 'gdpr', contactEmail: 'ada@example.com', channel: 'admin_api', verified: true }, 'token:a (admin)');
    await requests.complete(created, result);
    await settled();
    return sent.find((m) => m.subject === 'Your privacy request is complete')!.text;
  }

  it('tells the person which details were corrected and which services were told (GDPR Art. 19), in plain words', async () => {
    const recipient = (destinationId: string, name: string, status: string, reason: string | null = null) => ({ destinationId, name, type: 'webhook', status, reason, detail: reason ? 'technical' : null });
    const text = await completionOf('correct', {
      kind: 'correct', traits: ['name', 'phone'], identify: { messageId: 'dsr-correct-x', userId: 'ada' }, unlinkedEmails: 0,
      recipients: [recipient('dst_crm', 'CRM', 'delivered'), recipient('dst_crm', 'CRM', 'dropped', 'filter'), recipient('dst_ads', 'Ads', 'dropped', 'consent_denied:advertising'), recipient('dst_wh', 'Warehouse', 'failed', 'http_500')],
    }, { traits: { name: 'Ada King', phone: '+44 20 7946 0001' } });
    expect(text).toContain('We corrected your personal data: name, phone number.');
    expect(text).toContain('- CRM: told of the correction');
    expect(text).toContain('- Ads: not told: it does not receive your data, under your privacy choices');
    expect(text).toContain('The services that receive your data, and whether we could tell them of the correction:');
    expect(text).toContain('- Warehouse: not told yet: it did not accept the correction; we are following this up and will write to you once it has it');
    expect(text).not.toMatch(/passed the correction on/);
    expect(text.match(/- CRM/g)).toHaveLength(1);
    expect(text).not.toMatch(/Ada King|\+44|technical|http_500|consent_denied/);
  });

  it('tells the person a restriction keeps their data unused until lifted, and that they are told before it is (Art. 18(3))', async () => {
    const text = await completionOf('restrict', { kind: 'restrict', identifiers: 2, effect: 'events are kept but no longer routed' });
    expect(text).toContain('we keep it, but no longer use it or send it to other services');
    expect(text).toContain('we will tell you before it is lifted');
    expect(text).not.toContain('routed');
  });

  it('names the uses an objection stopped, and says an opt-out was honoured (CCPA regs 7025(c)(6))', async () => {
    expect(await completionOf('object', { kind: 'object', deniedCategories: ['analytics', 'advertising'], purposes: [] })).toContain('We stopped using your personal data for: Analytics, Advertising.');
    sent.length = 0;
    expect(await completionOf('opt_out', { kind: 'opt_out', deniedCategories: ['advertising'], purposes: [] })).toContain('Opt-Out Request Honored: we no longer sell or share your personal information.');
  });

  it('dates the receipt and the answer with the month in words', async () => {
    const created = await requests.create(WS, { type: 'object', subject: { email: 'ada@example.com' }, contactEmail: 'ada@example.com', channel: 'admin_api' }, 'token:a (admin)');
    await settled();
    const text = sent.find((m) => m.subject === 'We received your privacy request')!.text;
    expect(text).toMatch(/^On \d{1,2} [A-Z][a-z]+ \d{4} \(UTC\) we received your request for an end to the uses of your personal data you object to\.\nWe will answer by \d{1,2} [A-Z][a-z]+ \d{4} \(UTC\)\./);
    expect(text).toContain(`Reference: ${created.id}`);
  });

  it("writes the download link's expiry as a person reads it, not as an ISO timestamp", async () => {
    const created = await requests.create(WS, { type: 'access', subject: { email: 'ada@example.com' }, contactEmail: 'ada@example.com', channel: 'admin_api', verified: true }, 'token:a (admin)');
    await requests.complete(created, { format: 'sluice.access-export/v1' });
    await settled();
    const text = sent.find((m) => m.subject === 'Your privacy request is complete')!.text;
    expect(text).toMatch(/The link works until \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2} UTC;/);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });
});

describe('an objection whose categories cannot be read', () => {
  it('still tells the person, naming the categories by id', async () => {
    const failing = new SubjectNotices({ outbox, keys, publicUrl: 'http://sluice.test', logger: pino({ level: 'silent' }), consentCategories: async () => { throw new Error('store down'); } });
    const created = await requests.create(WS, { type: 'object', subject: { email: 'obj@example.com' }, contactEmail: 'obj@example.com', channel: 'admin_api', verified: true }, 'token:a (admin)');
    const done = await requests.complete(created, { kind: 'object', deniedCategories: ['analytics'], purposes: [] });
    sent.length = 0;
    failing.listener(done, { requestId: done.id, from: 'processing', to: 'completed', at: Date.now(), actor: 'system', action: 'completed', note: null });
    await failing.idle();
    await settled();
    expect(sent.map((m) => m.text).join('\n')).toContain('We stopped using your personal data for: analytics.');
  });
});
