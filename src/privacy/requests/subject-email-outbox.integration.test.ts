import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reopenableStores, type ReopenableStore } from '../../../test/support/reopenable-stores.js';
import { startSmtpCapture, type SmtpCapture } from '../../../test/support/smtp-capture.js';
import { Keys } from '../../core/crypto/keys.js';
import { SmtpMailer } from '../../mail/smtp-mailer.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { RequestService } from './request-service.js';
import { GivenUpEmailNotice } from './given-up-email-notice.js';
import { PrivacyTeamMail } from './privacy-team-mail.js';
import { SubjectEmailOutbox, SUBJECT_EMAIL_RETRY_DELAYS_MS, SUBJECT_EMAIL_WINDOW_MS } from './subject-email-outbox.js';
import { SubjectNotices } from './subject-notices.js';

const WS = 'ws_mail';
const BY = 'token:a (admin)';
const MINUTE = 60_000;
const keys = new Keys('subject-email-outbox-test-secret-key-0123456789');
const silent = pino({ level: 'silent' });

const stores = await reopenableStores('subject_mail');

for (const kind of stores) {
  describe.skipIf(kind.skip)(`emails to data subjects, durable (${kind.name})`, () => {
    let opened: ReopenableStore;
    let store: SqlStore;
    let smtp: SmtpCapture;
    let mailer: SmtpMailer;
    let requests: RequestService;
    let outbox: SubjectEmailOutbox;
    let notices: SubjectNotices;
    /** The outbox's clock: moved by hand past a retry's wait. */
    let clock: number;
    let temporarilyRefused = false;

    beforeEach(async () => {
      opened = await kind.open();
      store = await opened.store();
      await store.workspaces.create({ id: WS, name: 'Shop' });
      temporarilyRefused = false;
      smtp = await startSmtpCapture({ refuse: (address) => address.startsWith('gone@'), refuseForNow: () => temporarilyRefused });
      mailer = new SmtpMailer(smtp.url, 'Privacy <privacy@shop.test>', silent, { timeoutMs: 5_000 });
      requests = new RequestService(store);
      clock = Date.now();
      outbox = new SubjectEmailOutbox({ emails: store.subjectEmails, mailer, keys, requests, logger: silent, now: () => clock });
      notices = new SubjectNotices({ outbox, keys, publicUrl: 'https://sluice.shop.test', logger: silent });
      requests.onTransition(notices.listener);
    });
    afterEach(async () => {
      await notices.idle();
      await mailer.close();
      await smtp.close();
      await store.close();
      await opened.drop();
    });

    /** Attempts every email due until none is left; what was attempted, in order. */
    async function sendAllDue(): Promise<string[]> {
      await notices.idle();
      const attempted: string[] = [];
      for (;;) {
        const round = await outbox.sendDue();
        if (round.length === 0) return attempted;
        attempted.push(...round.map(({ email, outcome }) => `${email.kind}:${outcome.status}`));
      }
    }

    const create = (type: 'access' | 'delete' | 'object', contactEmail = 'ada@example.com') =>
      requests.create(WS, { type, subject: { email: contactEmail }, contactEmail, channel: 'admin_api', verified: true }, BY);

    it('keeps the receipt through an outage, sends it once the server is back, and confirms the receipt then; the completion waits behind it', async () => {
      await smtp.down();
      const created = await create('object');
      expect(await sendAllDue()).toEqual(['receipt:retrying']);
      let [receipt] = await store.subjectEmails.ofRequest(WS, created.id);
      expect(receipt).toMatchObject({ kind: 'receipt', language: 'en', status: 'retrying', attempts: 1, nextAttemptAt: clock + SUBJECT_EMAIL_RETRY_DELAYS_MS[0]! });
      expect(receipt!.lastError).toMatch(/ECONNREFUSED/);
      expect((await requests.load(WS, created.id)).receiptConfirmedAt).toBeNull();

      // The request completes meanwhile: its email is stored, and waits for the receipt (a completion never comes first).
      await requests.complete(await requests.load(WS, created.id), { kind: 'object', deniedCategories: ['analytics'], purposes: [] });
      await smtp.up();
      expect(await sendAllDue()).toEqual([]);
      expect((await store.subjectEmails.ofRequest(WS, created.id)).map((e) => `${e.kind}:${e.status}`)).toEqual(['receipt:retrying', 'completion:queued']);

      clock += SUBJECT_EMAIL_RETRY_DELAYS_MS[0]!;
      expect(await sendAllDue()).toEqual(['receipt:sent', 'completion:sent']);
      expect(smtp.messages.map((m) => m.subject)).toEqual(['We received your privacy request', 'Your privacy request is complete']);
      expect(smtp.messages[0]!.envelopeTo).toEqual(['ada@example.com']);
      const emails = await store.subjectEmails.ofRequest(WS, created.id);
      [receipt] = emails;
      expect(receipt).toMatchObject({ status: 'sent', attempts: 2, lastError: null, sentAt: clock, sealedTo: '', sealedBody: '' });
      expect(emails[1]).toMatchObject({ status: 'sent', attempts: 1 });
      const after = await requests.load(WS, created.id);
      expect(after.receiptConfirmedAt).not.toBeNull();
      expect((await store.privacyRequests.transitions(WS, created.id)).find((t) => t.action === 'receipt_confirmed')?.note).toBe('receipt confirmation emailed to the subject (attempt 2)');
    });

    it('stores the address and the text sealed until sent', async () => {
      await smtp.down();
      const created = await create('object', 'sealed@example.com');
      await notices.idle();
      const [email] = await store.subjectEmails.ofRequest(WS, created.id);
      expect(email!.sealedTo).not.toContain('sealed@example.com');
      expect(keys.decrypt(email!.sealedTo)).toBe('sealed@example.com');
      expect(keys.decrypt(email!.sealedBody)).toContain(`Reference: ${created.id}`);
    });

    it('tries a 4xx again with backoff and gives it up at the end of the window, saying why', async () => {
      temporarilyRefused = true;
      const created = await create('object');
      const start = clock;
      let attempts = 0;
      for (;;) {
        const [email] = await store.subjectEmails.ofRequest(WS, created.id);
        if (email!.status === 'gave_up') break;
        clock = Math.max(clock, email!.nextAttemptAt);
        await sendAllDue();
        attempts++;
        expect(attempts).toBeLessThan(100);
      }
      const [email] = await store.subjectEmails.ofRequest(WS, created.id);
      expect(email!.status).toBe('gave_up');
      expect(email!.attempts).toBe(attempts);
      // 1, 5, 15, 30 minutes, then hourly, for 3 days after the first attempt.
      expect(attempts).toBe(5 + Math.floor((SUBJECT_EMAIL_WINDOW_MS - 51 * MINUTE) / (60 * MINUTE)));
      expect(email!.gaveUpAt! - start).toBeLessThanOrEqual(SUBJECT_EMAIL_WINDOW_MS);
      expect(email!.lastError).toMatch(/451/);
      expect(email!.lastError).toMatch(/given up after \d+ attempts over 3 days/);
      expect(email!.lastError).not.toContain('ada@example.com');
      expect(smtp.messages).toHaveLength(0);
    });

    it('gives a refused address up at once, lists the request to follow up, and sends the email again when asked (audited)', async () => {
      const created = await create('delete', 'gone@example.com');
      await requests.deny(WS, created.id, BY, 'We could not find you.');
      expect(await sendAllDue()).toEqual(['receipt:gave_up', 'denial:gave_up']);
      const [receipt, denial] = await store.subjectEmails.ofRequest(WS, created.id);
      expect(denial).toMatchObject({ kind: 'denial', status: 'gave_up', attempts: 1 });
      expect(denial!.lastError).toMatch(/550/);
      expect(denial!.lastError).toContain('[email]');
      expect(denial!.lastError).not.toContain('gone@example.com');
      expect(await store.subjectEmails.requestsWithGivenUp(WS, 10)).toEqual([created.id]);
      expect((await requests.load(WS, created.id)).receiptConfirmedAt).toBeNull();

      // The address is still refused: sent again it is given up again, and listed again.
      await outbox.sendAgain(WS, created.id, denial!.id, { actor: 'member:mem_dpo (dpo@shop.test)', ip: '10.0.0.9' });
      await expect(outbox.sendAgain(WS, created.id, denial!.id, BY)).rejects.toMatchObject({ code: 'email_not_given_up' });
      expect(await sendAllDue()).toEqual(['denial:gave_up']);
      expect(await store.subjectEmails.requestsWithGivenUp(WS, 10)).toEqual([created.id]);
      const history = await store.privacyRequests.transitions(WS, created.id);
      expect(history.filter((t) => t.action === 'email_sent_again')).toEqual([expect.objectContaining({ actor: 'member:mem_dpo (dpo@shop.test)', note: expect.stringContaining(`the denial email given up on`) })]);
      const emails = await store.subjectEmails.ofRequest(WS, created.id);
      expect(emails.map((e) => `${e.kind}:${e.status}`)).toEqual(['receipt:gave_up', 'denial:gave_up', 'denial:gave_up']);
      expect(emails[1]).toMatchObject({ sentAgainBy: 'member:mem_dpo (dpo@shop.test)', sealedBody: '' });
      await expect(outbox.sendAgain(WS, created.id, emails[1]!.id, BY)).rejects.toMatchObject({ code: 'email_not_given_up' });
      await expect(outbox.sendAgain(WS, 'dsr_other', receipt!.id, BY)).rejects.toMatchObject({ code: 'not_found' });
      expect(smtp.messages).toHaveLength(0);
    });

    it('tells the members who answer privacy requests, once, when an email is given up, without the address', async () => {
      for (const [email, role, status] of [
        ['owner@shop.test', 'owner', 'active'],
        ['dpo@shop.test', 'privacy', 'active'],
        ['dev@shop.test', 'engineer', 'active'],
        ['new-dpo@shop.test', 'privacy', 'invited'],
      ] as const) {
        await store.members.create({ workspaceId: WS, email, name: email, role, status });
      }
      const told = new GivenUpEmailNotice(store, new PrivacyTeamMail({ store, mailer, publicUrl: 'https://sluice.shop.test/', logger: silent }));
      const tellingOutbox = new SubjectEmailOutbox({ emails: store.subjectEmails, mailer, keys, requests, logger: silent, now: () => clock, onGivenUp: (email, error) => told.tell(email, error) });
      const created = await create('delete', 'gone@example.com');
      await notices.idle();
      expect((await tellingOutbox.sendDue()).map(({ email, outcome }) => `${email.kind}:${outcome.status}`)).toEqual(['receipt:gave_up']);
      const team = smtp.messages.filter((m) => m.subject === 'An email to a data subject was not delivered');
      expect(team.map((m) => m.envelopeTo[0]).sort()).toEqual(['dpo@shop.test', 'owner@shop.test']);
      expect(team[0]!.text).toContain(`Sluice gave up the receipt email to the person who made the delete request ${created.id} (due ${new Date(created.dueAt).toISOString().slice(0, 10)})`);
      expect(team[0]!.text).toMatch(/The mail server's last answer: .*550/);
      expect(team[0]!.text).toContain('https://sluice.shop.test/privacy-requests');
      expect(team[0]!.text).not.toContain('gone@example.com');
      // Nothing more is due, so nobody is told again.
      expect(await tellingOutbox.sendDue()).toEqual([]);
      expect(smtp.messages.filter((m) => m.subject === 'An email to a data subject was not delivered')).toHaveLength(2);
    });

    it('sends a given-up completion of an access request again with a new download link', async () => {
      await smtp.down();
      const created = await create('access');
      await requests.complete(created, { format: 'sluice.access-export/v1' });
      await notices.idle();
      const linkOf = (text: string) => /https:\/\/sluice\.shop\.test\/api\/v1\/privacy-requests\/\S+\/download\?\S+/.exec(text)?.[0];
      const firstLink = linkOf(keys.decrypt((await store.subjectEmails.ofRequest(WS, created.id))[1]!.sealedBody));
      expect(firstLink).toBeDefined();
      // Nothing takes it within the window (the server stays down).
      for (let round = 0; round < 200; round++) {
        const due = (await store.subjectEmails.ofRequest(WS, created.id)).filter((e) => e.status === 'queued' || e.status === 'retrying');
        if (due.length === 0) break;
        clock = Math.max(clock, ...due.map((e) => e.nextAttemptAt));
        await sendAllDue();
      }
      const completion = (await store.subjectEmails.ofRequest(WS, created.id)).find((e) => e.kind === 'completion')!;
      expect(completion.status).toBe('gave_up');

      await smtp.up();
      clock += 3_600_000;
      await outbox.sendAgain(WS, created.id, completion.id, BY);
      expect(await sendAllDue()).toEqual(['new_link:sent']);
      const mail = smtp.messages.at(-1)!;
      expect(mail.subject).toBe('A new link to your privacy request');
      const newLink = linkOf(mail.text);
      expect(newLink).toBeDefined();
      expect(newLink).not.toBe(firstLink);
      const history = await store.privacyRequests.transitions(WS, created.id);
      expect(history.find((t) => t.action === 'link_sent')).toMatchObject({ actor: BY, note: expect.stringContaining('sent again with a new download link') });
      expect((await store.subjectEmails.get(WS, completion.id))).toMatchObject({ status: 'gave_up', sentAgainBy: BY });
      // The receipt given up in the outage is moot: the new link told the person their request was received (CCPA
      // 7021(a)), so the receipt is confirmed and nothing is left to follow up.
      expect((await store.subjectEmails.ofRequest(WS, created.id)).filter((e) => e.status === 'gave_up' && e.sentAgainAt === null).map((e) => e.kind)).toEqual(['receipt']);
      expect((await requests.load(WS, created.id)).receiptConfirmedAt).not.toBeNull();
      expect(history.find((t) => t.action === 'receipt_confirmed')).toMatchObject({ actor: 'system', note: 'receipt confirmed to the subject by the new link email' });
      expect(await store.subjectEmails.requestsWithGivenUp(WS, 10)).toEqual([]);
    });

    it('sends an email again once the claim of a process that died during its attempt has run out (at least once)', async () => {
      const created = await create('object');
      await notices.idle();
      // A process claimed the receipt and died before recording anything (perhaps after the server's 250).
      expect((await store.subjectEmails.claimDue(clock, clock + 5 * MINUTE, 10)).map((e) => e.requestId)).toEqual([created.id]);
      expect(await sendAllDue()).toEqual([]);
      clock += 5 * MINUTE + 1;
      expect(await sendAllDue()).toEqual(['receipt:sent']);
      expect(smtp.messages).toHaveLength(1);
    });

    it('has each email attempted by one of two processes sending at once', async () => {
      const other = new SubjectEmailOutbox({ emails: store.subjectEmails, mailer, keys, requests, logger: silent, now: () => clock });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await create('object', `p${i}@example.com`)).id);
      await notices.idle();
      const [a, b] = await Promise.all([outbox.sendDue(), other.sendDue()]);
      expect(a.length + b.length).toBe(6);
      expect(smtp.messages).toHaveLength(6);
      expect(new Set(smtp.messages.map((m) => m.envelopeTo[0])).size).toBe(6);
    });
  });
}
