import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keys } from '../../core/crypto/keys.js';
import { LANGUAGES, type Language } from '../../core/i18n/languages.js';
import type { SqlStore } from '../../store/sql/sql-store.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { consentCategoriesOf } from '../privacy-config.js';
import { PRIVACY_PAGE_TEXTS } from './privacy-page-texts.js';
import { RequestService } from './request-service.js';
import type { RequestType } from './request.js';
import { SUBJECT_EMAIL_TEXTS } from './subject-email-texts.js';
import { SubjectIntake } from './subject-intake.js';
import { SubjectNewLinks } from './subject-new-links.js';
import { SubjectEmailOutbox } from './subject-email-outbox.js';
import { SubjectNotices, type NoticeMailer } from './subject-notices.js';
import { closeUnverifiedRequests } from './unverified-requests.js';
import { wordsOf } from '../../../test/support/text-table-words.js';

/**
 * Every email to a data subject, of every kind, rendered in every language: each one in the request's language, with
 * nothing of the English wording in the others, no placeholder left unfilled, dates written for the language.
 */
const WS = 'ws_languages';
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
let intake: SubjectIntake;
let newLinks: SubjectNewLinks;
const keys = new Keys('languages-test-secret-key-0123456789abcdef');
const by = 'token:a (admin)';

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-email-languages-'));
  store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
  await store.workspaces.create({ id: WS, name: 'Test' });
  sent = [];
  const mailer: NoticeMailer = {
    send: async (message) => {
      sent.push(message);
      return { ok: true, messageId: `m${sent.length}` };
    },
  };
  const logger = pino({ level: 'silent' });
  requests = new RequestService(store);
  outbox = new SubjectEmailOutbox({ emails: store.subjectEmails, mailer, keys, requests, logger: logger });
  notices = new SubjectNotices({ outbox, keys, publicUrl: 'http://sluice.test', logger, consentCategories: async (ws) => consentCategoriesOf((await store.workspaces.get(ws))?.settings ?? {}) });
  requests.onTransition(notices.listener);
  intake = new SubjectIntake({ store, requests, keys, mailer, logger });
  newLinks = new SubjectNewLinks({ store, requests, keys, mailer, logger });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The English wording's phrases long enough to be recognised in another language's email if they leaked into it. */
const ENGLISH_PHRASES = [...new Set(wordsOf(SUBJECT_EMAIL_TEXTS.en).flatMap((w) => w.split('§')).map((w) => w.trim()).filter((w) => w.length >= 14 && w.includes(' ')))];

/** Every kind of email a request in `language` gets: code, receipt, extension, denial, completion of each type, a new link. */
async function everyEmail(language: Language): Promise<{ subject: string; text: string }[]> {
  const email = `ada-${language}@example.com`;
  const admin = (type: RequestType, extra: object = {}) =>
    requests.create(WS, { type, subject: { email }, contactEmail: email, channel: 'admin_api', verified: true, language, ...extra }, by);

  // The hosted page's request: its code email, then its receipt.
  await intake.submit({ id: 'src_1', workspaceId: WS }, { type: 'access', email, language }, '203.0.113.7');
  await newLinks.ask({ id: 'src_1', workspaceId: WS }, email, '203.0.113.8', language);
  // Its code never entered: the sweep closes it, and the subject is told why.
  await closeUnverifiedRequests({ store, requests }, Date.now() + 30 * 86_400_000);

  const access = await admin('access', { regulation: 'gdpr' });
  await requests.extend(WS, access.id, by, 'We must gather your data from three archives.');
  await requests.complete(await requests.load(WS, access.id), { format: 'sluice.access-export/v1' });
  await requests.sendNewLink(WS, access.id, by);
  await requests.complete(await admin('know', { regulation: 'ccpa' }), { kind: 'know' });
  const at = new Date().toISOString();
  await requests.complete(await admin('delete', { regulation: 'gdpr' }), {
    destinations: [
      { destinationId: 'dst_crm', name: 'CRM', type: 'webhook', outcome: 'deleted', detail: '', attempts: 1, at },
      { destinationId: 'dst_mp', name: 'Mixpanel', type: 'mixpanel', outcome: 'submitted', detail: '', attempts: 1, at },
      { destinationId: 'dst_old', name: 'Old', type: 'webhook', outcome: 'not_supported', detail: '', attempts: 1, at },
      { destinationId: 'dst_x', name: 'X', type: 'webhook', outcome: 'failed', detail: '', attempts: 1, at },
    ],
    suppression: { kept: true },
  });
  const recipient = (name: string, status: string, reason: string | null = null) => ({ destinationId: `dst_${name}`, name, type: 'webhook', status, reason, detail: null });
  await requests.complete(await admin('correct', { params: { traits: { name: 'Ada', phone: '1' } } }), {
    kind: 'correct', traits: ['name', 'phone'], identify: { messageId: 'm', userId: 'ada' }, unlinkedEmails: 0,
    recipients: [recipient('CRM', 'delivered'), recipient('Ads', 'dropped', 'consent_denied:advertising'), recipient('Wh', 'dropped', 'filter'), recipient('Dw', 'failed', 'http_500')],
  });
  await requests.complete(await admin('restrict'), { kind: 'restrict' });
  await requests.complete(await admin('object', { params: { categories: ['analytics'] } }), { kind: 'object', deniedCategories: ['analytics'], purposes: [] });
  await requests.complete(await admin('opt_out', { regulation: 'ccpa' }), { kind: 'opt_out', deniedCategories: ['advertising'] });
  await requests.complete(await admin('limit_sensitive', { regulation: 'ccpa' }), { kind: 'limit_sensitive' });
  await requests.complete(await admin('unrestrict'), { kind: 'unrestrict' });
  const refused = await admin('delete', { regulation: 'gdpr' });
  await requests.deny(WS, refused.id, by, 'Steuerrecht / tax law.');
  await settled();
  return sent.filter((m) => m.to === email);
}

describe('emails to the data subject in each language', () => {
  it.each(LANGUAGES)('%s: every kind is written in the request language, placeholders filled', async (language) => {
    expect(ENGLISH_PHRASES.length).toBeGreaterThan(60);
    const mails = await everyEmail(language);
    const text = SUBJECT_EMAIL_TEXTS[language];
    const subjects = new Set(mails.map((m) => m.subject));
    for (const expected of [text.code.subject, text.newLinkCode.subject, text.received.subject, text.extended.subject, text.completed.subject, text.linkSent.subject, text.denied.subject]) {
      expect(subjects, expected).toContain(expected);
    }
    // code, new-link code, 11 receipts, extension, 10 completions, new link, 2 denials
    expect(mails.length).toBe(26);
    for (const mail of mails) {
      const all = `${mail.subject}\n${mail.text}`;
      expect(all).not.toMatch(/undefined|NaN|\[object|\{\w+\}|§|\d{4}-\d{2}-\d{2}T/);
      if (language !== 'en') {
        for (const phrase of ENGLISH_PHRASES) expect(all, `${language} email "${mail.subject}" holds English: ${phrase}`).not.toContain(phrase);
      }
    }
    const bodies = mails.map((m) => m.text).join('\n');
    // Each request's reference, in the language's words; the deadlines and the link's expiry as the language writes them.
    expect(bodies).toContain(text.reference(''));
    const month = new Intl.DateTimeFormat({ en: 'en-GB', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', it: 'it-IT', nl: 'nl-NL', pt: 'pt-PT' }[language], { month: 'long', timeZone: 'UTC' }).format(Date.now());
    expect(bodies).toContain(month);
    expect(bodies).toContain('UTC');
    // The objection names the category by its label in the language (the default categories are translated), not its id.
    const analytics = { en: 'Analytics', de: 'Statistik', fr: "Mesure d'audience", es: 'Analítica', it: 'Statistiche', nl: 'Analyse', pt: 'Análise' }[language];
    expect(bodies).toContain(text.objection.stopped(analytics));
    // Under the GDPR the denial names the right to complain; the team's reason is quoted as written.
    expect(bodies).toContain(text.denied.gdprRemedies);
    expect(bodies).toContain(text.why('Steuerrecht / tax law.'));
    // Sluice's own reason for closing the request whose code was never entered, in the language too.
    expect(bodies).toContain(text.why(text.unverified.notEntered(7)));
  });

  it('names a workspace category without a translation by its name, and an unknown one by its id', async () => {
    await store.workspaces.updateSettings(WS, { consentCategories: [{ id: 'necessary', name: 'Necessary', required: true }, { id: 'stats', name: 'Site statistics' }] });
    expect(consentCategoriesOf((await store.workspaces.get(WS))?.settings ?? {}).map((c) => c.id)).toEqual(['necessary', 'stats']);
    const created = await requests.create(WS, { type: 'object', subject: { email: 'b@example.com' }, contactEmail: 'b@example.com', channel: 'admin_api', verified: true, language: 'de', params: { categories: ['stats'] } }, by);
    await requests.complete(created, { kind: 'object', deniedCategories: ['stats', 'gone'], purposes: [] });
    await settled();
    expect(sent.find((m) => m.to === 'b@example.com' && m.subject === SUBJECT_EMAIL_TEXTS.de.completed.subject)?.text).toContain('Wir verwenden Ihre personenbezogenen Daten nicht mehr für: Site statistics, gone.');
  });
});

/** The keys of a table of texts, as paths (`script.errors.codeWrong.one`); a function is a leaf. */
function keysOf(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

describe('every language has every text', () => {
  it.each(LANGUAGES)('%s: the emails and the hosted page have the keys English has, none empty', (language) => {
    expect(keysOf(SUBJECT_EMAIL_TEXTS[language])).toEqual(keysOf(SUBJECT_EMAIL_TEXTS.en));
    expect(keysOf(PRIVACY_PAGE_TEXTS[language])).toEqual(keysOf(PRIVACY_PAGE_TEXTS.en));
    const leaves = (table: object) => keysOf(table).map((key) => [key, key.split('.').reduce<unknown>((at, k) => (at as Record<string, unknown>)[k], table)] as const);
    for (const [key, leaf] of [...leaves(SUBJECT_EMAIL_TEXTS[language]), ...leaves(PRIVACY_PAGE_TEXTS[language])]) {
      if (typeof leaf === 'string') expect(leaf.trim(), key).not.toBe('');
      else expect(typeof leaf === 'function' || Array.isArray(leaf), key).toBe(true);
    }
  });
});
