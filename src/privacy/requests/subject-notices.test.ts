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
