import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keys } from '../../core/crypto/keys.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Regulation } from './deadlines.js';
import { RequestService } from './request-service.js';
import { SubjectNotices, type NoticeMailer } from './subject-notices.js';

const WS = 'ws_test';
let dir: string;
let store: SqlStore;
let sent: { to: string; subject: string; text: string }[];
let requests: RequestService;
let notices: SubjectNotices;

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
  notices = new SubjectNotices({ mailer, requests, keys: new Keys('notices-test-secret-key-0123456789abcdef'), publicUrl: 'http://sluice.test', logger: pino({ level: 'silent' }) });
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
  await notices.idle();
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
    await notices.idle();
    const text = sent.find((m) => m.text.includes('We deleted your personal data'))!.text;
    expect(text).toContain('- CRM: deleted');
    expect(text).toContain('- Old partner: this service cannot be asked automatically; we ask it to delete your data directly');
    expect(text).toContain('- Analytics: the service did not confirm the deletion; we follow it up with them');
    expect(text).not.toMatch(/ask Old partner|HTTP 500|shard/);
  });
});
