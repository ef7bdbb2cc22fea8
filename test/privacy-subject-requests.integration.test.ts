import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestExecutor } from '../src/privacy/requests/request-executor.js';
import { closeUnverifiedRequests } from '../src/privacy/requests/unverified-requests.js';
import { ownerApi } from './support/api-client.js';
import { RecordingServer } from './support/recording-server.js';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from './support/smtp-capture.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Data subjects asking for themselves through the public endpoint (writeKey), verified by a one-time code
 * sent by email, and told by email what happened: everything read from a real SMTP server.
 */
let sluice: TestSluice;
let smtp: SmtpCapture;
let hook: RecordingServer;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);

/** The subject's side: the public endpoint, authenticated by the site's writeKey. */
async function subject(path: string, body: Record<string, unknown>, writeKey = sluice.writeKey, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${sluice.url}/v1/privacy-requests${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(writeKey), origin: 'https://shop.example', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

async function track(path: string, event: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sluice.url}/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(sluice.writeKey) }, body: JSON.stringify(event) });
  expect(response.status).toBe(200);
}

const mailTo = (to: string, subjectLine: string) => smtp.waitFor((m) => m.to.includes(to) && m.subject === subjectLine, 60_000);
const codeIn = (mail: CapturedMail) => /verification code is (\d{6})\./.exec(mail.text)?.[1];
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function finished(id: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const shown = (await api('GET', `/privacy-requests/${id}`)).body;
    return ['completed', 'failed', 'denied'].includes(String(shown.status)) ? shown : undefined;
  }, 60_000);
}

beforeAll(async () => {
  smtp = await startSmtpCapture();
  hook = await RecordingServer.start();
  sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'privacy@shop.example', SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
  expect((await api('POST', '/destinations', { name: 'CRM webhook', type: 'webhook', config: { url: hook.url } })).status).toBe(201);
  // Ada: a visitor (anonymousId) who later signed in (userId) with her email.
  await track('page', { anonymousId: 'ada-anon', name: 'Pricing' });
  await track('identify', { anonymousId: 'ada-anon', userId: 'ada-user', traits: { email: 'ada@example.com', name: 'Ada' } });
  await track('track', { userId: 'ada-user', event: 'Order Completed', properties: { revenue: 42 } });
  await eventually(async () => ((await api('GET', '/profiles/ada%40example.com')).status === 200 ? true : undefined), 60_000);
  await eventually(async () => (((await api('GET', '/events?userId=ada-user&limit=10')).body.events as unknown[]).length === 2 ? true : undefined), 60_000);
});
afterAll(async () => {
  await sluice?.stop();
  await smtp?.close();
  await hook?.close();
});

describe('a data subject’s own request, verified by an emailed code', () => {
  it('sends a receipt and a 6-digit code, stores only its hash, and after the code sends a time-limited link to the export', async () => {
    const submitted = await subject('', { type: 'access', email: 'Ada@Example.com', anonymousId: 'ada-anon', userId: 'mallory-user' });
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const id = String(submitted.body.id);
    expect(submitted.body).toMatchObject({ type: 'access', status: 'verifying', verification: { method: 'email', sentTo: 'a***@example.com', emailSent: true } });
    expect(Date.parse(String((submitted.body.verification as { expiresAt: string }).expiresAt)) - Date.now()).toBeGreaterThan(9 * 60_000);
    // Only the email is proven: a userId not linked to it is left out, and the answer says so.
    expect(submitted.body.ignoredIdentifiers).toEqual([expect.objectContaining({ identifier: 'userId' })]);

    const receipt = await mailTo('ada@example.com', 'We received your privacy request');
    expect(receipt.text).toContain(id);
    expect(receipt.text).toContain('6-digit code');
    const codeMail = await mailTo('ada@example.com', 'Confirm your privacy request');
    const code = codeIn(codeMail)!;
    expect(code).toMatch(/^\d{6}$/);
    expect(codeMail.from).toContain('privacy@shop.example');
    // Says what was asked for and until when the code works, as a person reads them (not `access request`, not an ISO time).
    expect(codeMail.text).toMatch(/where you asked us for a copy of your personal data \(reference dsr_\w+\)\. It expires in 10 minutes, at \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2} UTC,/);

    const stored = await sluice.store.privacyRequests.getCode('ws_default', id);
    expect(stored).toMatchObject({ attemptsLeft: 3 });
    expect(stored!.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.codeHash).not.toContain(code);
    const shown = (await api('GET', `/privacy-requests/${id}`)).body;
    expect(shown).toMatchObject({ status: 'verifying', channel: 'subject_portal', subject: { email: 'ada@example.com', anonymousId: 'ada-anon' } });
    expect(JSON.stringify(shown)).not.toContain('mallory-user');
    await eventually(async () => ((await api('GET', `/privacy-requests/${id}`)).body.receiptConfirmedAt ? true : undefined));

    const miss = await subject(`/${id}/verify`, { code: wrong(code) });
    expect(miss.status).toBe(400);
    expect(miss.body.error).toMatchObject({ code: 'verification_code_invalid', attemptsLeft: 2 });
    const hit = await subject(`/${id}/verify`, { code });
    expect(hit.status).toBe(200);
    expect(['processing', 'completed']).toContain(hit.body.status);
    expect(await sluice.store.privacyRequests.getCode('ws_default', id)).toBeUndefined();
    expect((await finished(id)).status).toBe('completed');

    const done = await mailTo('ada@example.com', 'Your privacy request is complete');
    const link = done.text.split('\n').find((line) => /^http\S+\/download\?\S+$/.test(line) && !line.includes('format='));
    expect(link).toBeDefined();
    expect(done.text).toMatch(/works until/);
    // The link points at SLUICE_PUBLIC_URL; this test server listens on a random port instead.
    expect(link!.startsWith(`${sluice.config.publicUrl}/api/v1/privacy-requests/${id}/download?`)).toBe(true);
    const { pathname, search } = new URL(link!);
    const exported = await fetch(`${sluice.url}${pathname}${search}`);
    expect(exported.status).toBe(200);
    const document = (await exported.json()) as { events: { userId?: string; anonymousId?: string }[]; subject: { emails: string[] } };
    expect(document.events).toHaveLength(3);
    expect(document.subject.emails).toEqual(['ada@example.com']);

    // And a page to read: the same data in plain words, every event included, with a link to the JSON file.
    const readable = done.text.split('\n').find((line) => line.endsWith('&format=html'));
    expect(done.text.indexOf(readable!)).toBeLessThan(done.text.indexOf(`\n${link!}\n`));
    const page = await fetch(`${sluice.url}${new URL(readable!).pathname}${new URL(readable!).search}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-disposition')).toBeNull();
    const html = await page.text();
    for (const shown of ['<h1>Your personal data</h1>', 'How we know you', 'ada@example.com', '<td>name</td><td>Ada</td>', 'Who received your data', 'CRM webhook', 'Order Completed', 'Page viewed: Pricing', '3 recorded events.']) {
      expect(html, shown).toContain(shown);
    }
    expect(html).toContain(`href="download?workspace=`);
    expect(html).not.toContain('format=html');
    const tampered = await fetch(`${sluice.url}${new URL(readable!).pathname}${new URL(readable!).search.replace('signature=', 'signature=0')}`);
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await tampered.text()).toContain('This download link is not valid: open the link from the email exactly as it is');

    const history = (await api('GET', `/privacy-requests/${id}`)).body.history as { action: string; actor: string }[];
    expect(history.find((h) => h.action === 'verified')).toMatchObject({ actor: 'subject (one-time code by email)' });
    expect(history.find((h) => h.action === 'receipt_confirmed')).toBeDefined();
  });

  it('takes an address with letters beyond ASCII (RFC 6531) and an internationalised domain, and refuses one without an @', async () => {
    for (const address of ['hänsel@beispiel.de', 'ada@bücher.example']) {
      const made = await subject('', { type: 'access', email: address });
      expect(made.status, JSON.stringify(made.body)).toBe(202);
      expect(String(made.body.id)).toMatch(/^dsr_/);
    }
    const refused = await subject('', { type: 'access', email: 'hänsel.beispiel.de' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_failed', path: 'email' });
  });

  it('closes the request after three wrong codes and tells the subject why', async () => {
    const submitted = await subject('', { type: 'delete', email: 'ada@example.com' });
    const id = String(submitted.body.id);
    const code = codeIn(await smtp.waitFor((m) => m.subject === 'Confirm your privacy request' && m.text.includes(id), 60_000))!;
    expect((await subject(`/${id}/verify`, { code: wrong(code) })).body.error).toMatchObject({ code: 'verification_code_invalid', attemptsLeft: 2 });
    expect((await subject(`/${id}/verify`, { code: wrong(code) })).body.error).toMatchObject({ code: 'verification_code_invalid', attemptsLeft: 1 });
    const third = await subject(`/${id}/verify`, { code: wrong(code) });
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: 'verification_attempts_exceeded' });
    // Even the right code is too late now, and nothing was deleted.
    expect((await subject(`/${id}/verify`, { code })).status).toBe(409);
    expect((await api('GET', `/privacy-requests/${id}`)).body).toMatchObject({ status: 'denied', denialReason: expect.stringMatching(/3 wrong codes/) });
    expect((await api('GET', '/profiles/ada-user')).status).toBe(200);
    const denial = await smtp.waitFor((m) => m.subject === 'We could not complete your privacy request' && m.text.includes(id), 60_000);
    expect(denial.text).toMatch(/could not be verified: 3 wrong codes/);
  });

  it('refuses an expired code and closes the request', async () => {
    const submitted = await subject('', { type: 'know', email: 'ada@example.com' });
    const id = String(submitted.body.id);
    const code = codeIn(await smtp.waitFor((m) => m.subject === 'Confirm your privacy request' && m.text.includes(id), 60_000))!;
    // Eleven minutes later, as far as the stored code knows.
    const stored = (await sluice.store.privacyRequests.getCode('ws_default', id))!;
    await sluice.store.privacyRequests.putCode({ ...stored, expiresAt: Date.now() - 60_000 });
    const late = await subject(`/${id}/verify`, { code });
    expect(late.status).toBe(400);
    expect(late.body.error).toMatchObject({ code: 'verification_code_expired' });
    expect((await api('GET', `/privacy-requests/${id}`)).body.status).toBe('denied');
  });

  it('tells the subject of an extension with its reason, and of a completed deletion with what each recipient answered', async () => {
    await track('identify', { userId: 'bob-user', anonymousId: 'bob-anon', traits: { email: 'bob@example.com' } });
    await eventually(async () => ((await api('GET', '/profiles/bob%40example.com')).status === 200 ? true : undefined), 60_000);
    const submitted = await subject('', { type: 'delete', email: 'bob@example.com' });
    const id = String(submitted.body.id);
    const code = codeIn(await mailTo('bob@example.com', 'Confirm your privacy request'))!;
    const extended = await api('POST', `/privacy-requests/${id}/extend`, { reason: 'Our warehouse vendor needs two extra weeks to process erasures.' });
    expect(extended.status).toBe(200);
    const extension = await mailTo('bob@example.com', 'We need more time for your privacy request');
    expect(extension.text).toContain('Our warehouse vendor needs two extra weeks to process erasures.');
    const due = new Date(String(extended.body.dueAt));
    expect(extension.text).toContain(`We will now answer by ${due.getUTCDate()} ${due.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })} ${due.getUTCFullYear()} (UTC).`);

    expect((await subject(`/${id}/verify`, { code })).status).toBe(200);
    expect((await finished(id)).status).toBe('completed');
    const done = await mailTo('bob@example.com', 'Your privacy request is complete');
    expect(done.text).toContain('We deleted your personal data');
    expect(done.text).toContain('- CRM webhook: deleted');
    expect(hook.requests.some((r) => (r.body as { type?: string; userId?: string }).type === 'delete' && (r.body as { userId?: string }).userId === 'bob-user')).toBe(true);
    expect((await api('GET', '/profiles/bob-anon')).status).toBe(404);
  });

  it('takes an opt-out without a code, and without an email sends nothing', async () => {
    const before = smtp.messages.length;
    const submitted = await subject('', { type: 'opt_out', anonymousId: 'carol-anon' });
    expect(submitted.status).toBe(202);
    expect(submitted.body.verification).toBeUndefined();
    expect((await finished(String(submitted.body.id))).status).toBe('completed');
    expect(smtp.messages.length).toBe(before);
  });

  it('records the network the subject asked, verified and downloaded from with those steps in the audit log, their IP address truncated (behind the default trusted proxy: its X-Forwarded-For)', async () => {
    const from = { 'x-forwarded-for': '203.0.113.7' };
    const submitted = await subject('', { type: 'access', email: 'erin@example.com' }, sluice.writeKey, from);
    expect(submitted.status).toBe(202);
    const id = String(submitted.body.id);
    const code = codeIn(await mailTo('erin@example.com', 'Confirm your privacy request'))!;
    expect((await subject(`/${id}/verify`, { code }, sluice.writeKey, { 'x-forwarded-for': '2001:db8:85a3:8d3:1319:8a2e:370:7348' })).status).toBe(200);
    expect((await finished(id)).status).toBe('completed');
    const done = await mailTo('erin@example.com', 'Your privacy request is complete');
    const link = new URL(done.text.split('\n').find((line) => /^http\S+\/download\?\S+$/.test(line) && !line.includes('format='))!);
    expect((await fetch(`${sluice.url}${link.pathname}${link.search}`, { headers: { 'x-forwarded-for': '198.51.100.99' } })).status).toBe(200);
    const entries = (await api('GET', `/audit-log?resourceId=${id}`)).body.entries as { action: string; actor: string; ip?: string }[];
    // The audit log cannot be erased: of the subject's address it keeps the network (IPv4 /24, IPv6 /48), decision 0604.
    expect(entries.find((e) => e.action === 'privacy_request.received')).toMatchObject({ ip: '203.0.113.0' });
    expect(entries.find((e) => e.action === 'privacy_request.verified')).toMatchObject({ ip: '2001:db8:85a3::' });
    expect(entries.find((e) => e.actor === 'subject (signed download link)')).toMatchObject({ ip: '198.51.100.0' });
    expect(JSON.stringify(entries)).not.toMatch(/203\.0\.113\.7|198\.51\.100\.99|1319:8a2e/);
    // Sluice's own steps came from no request.
    expect(entries.find((e) => e.action === 'privacy_request.completed')?.ip).toBeUndefined();
  });

  it('closes an earlier request the subject made again before verifying it (same type, same email), says why, audits it, and lets the new one go ahead', async () => {
    const from = { 'x-forwarded-for': '203.0.113.41' };
    const first = await subject('', { type: 'access', email: 'fay@example.com' }, sluice.writeKey, from);
    const other = await subject('', { type: 'delete', email: 'fay@example.com' }, sluice.writeKey, from);
    const stranger = await subject('', { type: 'access', email: 'gus@example.com' }, sluice.writeKey, from);
    for (const made of [first, other, stranger]) expect(made.status).toBe(202);
    await mailTo('fay@example.com', 'Confirm your privacy request');
    // The code email did not come (or was lost): Fay asks again.
    const again = await subject('', { type: 'access', email: 'Fay@Example.com' }, sluice.writeKey, from);
    expect(again.status).toBe(202);
    const firstId = String(first.body.id);
    const againId = String(again.body.id);
    const closed = (await api('GET', `/privacy-requests/${firstId}`)).body as { status: string; denialReason?: string; history: { action: string; actor: string }[] };
    expect(closed.status).toBe('denied');
    expect(closed.denialReason).toContain(`Replaced by request ${againId}`);
    expect(closed.history.map((h) => h.action)).toContain('superseded');
    expect(await sluice.store.privacyRequests.getCode('ws_default', firstId)).toBeUndefined();
    const audited = (await api('GET', `/audit-log?resourceId=${firstId}`)).body.entries as { action: string; actor: string; ip?: string }[];
    expect(audited.find((e) => e.action === 'privacy_request.superseded')).toMatchObject({ actor: expect.stringContaining('subject (source'), ip: '203.0.113.0' });
    // Another type of request by the same email, and the same type by someone else, stay as they were.
    expect((await api('GET', `/privacy-requests/${String(other.body.id)}`)).body.status).toBe('verifying');
    expect((await api('GET', `/privacy-requests/${String(stranger.body.id)}`)).body.status).toBe('verifying');
    // The new request is verified with its own code and runs; the old one cannot be verified any more.
    const codes = smtp.messages.filter((m) => m.to.includes('fay@example.com') && m.subject === 'Confirm your privacy request' && m.text.includes(againId));
    const code = codeIn(codes[0]!)!;
    expect((await subject(`/${firstId}/verify`, { code })).body.error).toMatchObject({ code: 'request_state_conflict' });
    expect((await subject(`/${againId}/verify`, { code })).status).toBe(200);
    expect((await finished(againId)).status).toBe('completed');
    // Fay was not told her request could not be completed: she was answered by the new one.
    await mailTo('fay@example.com', 'Your privacy request is complete');
    expect(smtp.messages.filter((m) => m.to.includes('fay@example.com') && m.subject === 'We could not complete your privacy request')).toEqual([]);
  });

  it('lets the privacy team send a new download link for a completed access request (the first expired or was lost), and refuses one where there is none to send', async () => {
    const submitted = await subject('', { type: 'access', email: 'hal@example.com' });
    const id = String(submitted.body.id);
    const code = codeIn(await mailTo('hal@example.com', 'Confirm your privacy request'))!;
    // Before it is completed there is no link to send again.
    const early = await api('POST', `/privacy-requests/${id}/send-link`);
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'no_download_link' });
    expect((await subject(`/${id}/verify`, { code })).status).toBe(200);
    expect((await finished(id)).status).toBe('completed');
    const first = await mailTo('hal@example.com', 'Your privacy request is complete');

    const sent = await api('POST', `/privacy-requests/${id}/send-link`);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body).toMatchObject({ id, status: 'completed' });
    const again = await mailTo('hal@example.com', 'A new link to your privacy request');
    const links = (mail: CapturedMail) => mail.text.split('\n').filter((line) => /^http\S+\/download\?\S+$/.test(line));
    expect(links(again)).toHaveLength(2); // the readable page and the file, as in the completion notice
    expect(again.text).toContain(`Reference: ${id}`);
    const link = new URL(links(again).find((l) => !l.includes('format='))!);
    const exported = await fetch(`${sluice.url}${link.pathname}${link.search}`);
    expect(exported.status).toBe(200);
    expect(((await exported.json()) as { subject: { emails: string[] } }).subject.emails).toContain('hal@example.com');
    // A link of its own (a later expiry, signed again), not the first one repeated.
    expect(links(first)).toHaveLength(2);
    expect(links(again)[1]).not.toBe(links(first)[1]);
    // Recorded in the request's history and in the audit log, with the caller's address (an admin's: whole).
    const shown = (await api('GET', `/privacy-requests/${id}`)).body as { history: { action: string }[] };
    expect(shown.history.map((h) => h.action)).toContain('link_sent');
    const entries = (await api('GET', `/audit-log?resourceId=${id}`)).body.entries as { action: string; ip?: string }[];
    expect(entries.find((e) => e.action === 'privacy_request.link_sent')).toMatchObject({ ip: '127.0.0.1' });

    // A request of another type, or one without an address to send to, has no link.
    const optOut = await subject('', { type: 'opt_out', anonymousId: 'hal-anon' });
    expect((await finished(String(optOut.body.id))).status).toBe('completed');
    expect((await api('POST', `/privacy-requests/${String(optOut.body.id)}/send-link`)).body.error).toMatchObject({ code: 'no_download_link' });
    const byAdmin = await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'hal-user' }, verified: true });
    expect((await finished(String(byAdmin.body.id))).status).toBe('completed');
    const noAddress = await api('POST', `/privacy-requests/${String(byAdmin.body.id)}/send-link`);
    expect(noAddress.body.error).toMatchObject({ code: 'no_download_link', message: expect.stringContaining('no contact email address') });
  });

  it('lets the subject get a new download link on their own after proving the email again, with the same answer whether or not the address has a request', async () => {
    const links = (mail: CapturedMail) => mail.text.split('\n').filter((line) => /^http\S+\/download\?\S+$/.test(line));
    const submitted = await subject('', { type: 'access', email: 'ivy@example.com' });
    const id = String(submitted.body.id);
    expect((await subject(`/${id}/verify`, { code: codeIn(await mailTo('ivy@example.com', 'Confirm your privacy request'))! })).status).toBe(200);
    expect((await finished(id)).status).toBe('completed');
    await mailTo('ivy@example.com', 'Your privacy request is complete');
    // Another request of Ivy's still running has no link to send.
    const running = await api('POST', '/privacy-requests', { type: 'know', subject: { email: 'ivy@example.com' }, contactEmail: 'ivy@example.com' });
    expect(running.body).toMatchObject({ status: 'verifying' });

    const from = { 'x-forwarded-for': '203.0.113.58' };
    const asked = await subject('/new-link', { email: 'Ivy@Example.com' }, sluice.writeKey, from);
    const unknown = await subject('/new-link', { email: 'nobody-here@example.com' }, sluice.writeKey, from);
    // Whoever asks learns nothing about whether the address has a request: the same answer, and a code to the address.
    for (const answer of [asked, unknown]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(Object.keys(answer.body).sort()).toEqual(['id', 'verification']);
      expect(Object.keys(answer.body.verification as object).sort()).toEqual(['emailSent', 'expiresAt', 'method', 'sentTo']);
      expect(answer.body.verification).toMatchObject({ method: 'email', emailSent: true });
    }
    const ivyCode = codeIn(await mailTo('ivy@example.com', 'Your code for a new download link'))!;
    const nobodyCode = codeIn(await mailTo('nobody-here@example.com', 'Your code for a new download link'))!;
    expect(await sluice.store.privacyRequests.getCode('ws_default', String(asked.body.id))).toMatchObject({ attemptsLeft: 3 });

    // The code is bound to the address it was sent to: someone else's code, or Ivy's with another address, is wrong.
    const ivyLink = `/new-link/${String(asked.body.id)}/verify`;
    const otherAddress = await subject(ivyLink, { email: 'nobody-here@example.com', code: ivyCode }, sluice.writeKey, from);
    expect(otherAddress.status).toBe(400);
    expect(otherAddress.body.error).toMatchObject({ code: 'verification_code_invalid', attemptsLeft: 2 });
    const before = smtp.messages.filter((m) => m.subject === 'A new link to your privacy request').length;
    const none = await subject(`/new-link/${String(unknown.body.id)}/verify`, { email: 'nobody-here@example.com', code: nobodyCode }, sluice.writeKey, from);
    expect(none.status, JSON.stringify(none.body)).toBe(200);
    expect(none.body).toEqual({ sentTo: 'n***@example.com', requests: [] });

    const renewed = await subject(ivyLink, { email: 'ivy@example.com', code: ivyCode }, sluice.writeKey, from);
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect(renewed.body).toMatchObject({ sentTo: 'i***@example.com', requests: [{ id, type: 'access' }] });
    expect(await sluice.store.privacyRequests.getCode('ws_default', String(asked.body.id))).toBeUndefined();
    expect((await subject(ivyLink, { email: 'ivy@example.com', code: ivyCode })).body.error).toMatchObject({ code: 'verification_attempts_exceeded' });
    const mail = await mailTo('ivy@example.com', 'A new link to your privacy request');
    expect(mail.text).toContain(`Reference: ${id}`);
    expect(links(mail)).toHaveLength(2);
    const link = new URL(links(mail).find((l) => !l.includes('format='))!);
    expect((await fetch(`${sluice.url}${link.pathname}${link.search}`)).status).toBe(200);
    expect(smtp.messages.filter((m) => m.subject === 'A new link to your privacy request')).toHaveLength(before + 1);

    // In the request's history and the audit log, as the subject's step, their address truncated.
    const shown = (await api('GET', `/privacy-requests/${id}`)).body as { history: { action: string; actor: string; note: string | null }[] };
    expect(shown.history.find((h) => h.action === 'link_sent')).toMatchObject({ actor: 'subject (one-time code by email)', note: expect.stringContaining('privacy page') });
    const entries = (await api('GET', `/audit-log?resourceId=${id}`)).body.entries as { action: string; ip?: string }[];
    expect(entries.find((e) => e.action === 'privacy_request.link_sent')).toMatchObject({ ip: '203.0.113.0' });

    // Asking counts with the page's requests per address (3 an hour), and a code never used is pruned once expired.
    const limited = 'link-limit@example.com';
    const other = { 'x-forwarded-for': '203.0.113.59' };
    const unused = await subject('/new-link', { email: limited }, sluice.writeKey, other);
    for (let i = 0; i < 2; i++) expect((await subject('/new-link', { email: limited }, sluice.writeKey, other)).status).toBe(202);
    const fourth = await subject('/new-link', { email: limited }, sluice.writeKey, other);
    expect(fourth.status).toBe(429);
    expect(fourth.body.error).toMatchObject({ code: 'too_many_requests' });
    await sluice.store.privacyRequests.deleteExpired(Date.now() + 11 * 60_000);
    expect(await sluice.store.privacyRequests.getCode('ws_default', String(unused.body.id))).toBeUndefined();
  });

  it('takes a numeric userId or anonymousId as the Tracking API does (as text), and no other type', async () => {
    const submitted = await subject('', { type: 'opt_out', userId: 4711, anonymousId: 815 });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect((await api('GET', `/privacy-requests/${String(submitted.body.id)}`)).body).toMatchObject({ subject: { userId: '4711', anonymousId: '815' } });
    for (const userId of [true, ['4711'], { id: 4711 }]) {
      const refused = await subject('', { type: 'opt_out', userId });
      expect(refused.status, JSON.stringify(userId)).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('userId must be a string') });
    }
  });

  it('refuses unknown writeKeys and missing emails, limits requests per email address, and is in the OpenAPI document', async () => {
    expect((await subject('', { type: 'access', email: 'x@example.com' }, 'not-a-key')).status).toBe(401);
    const noEmail = await subject('', { type: 'access', userId: 'ada-user' });
    expect(noEmail.status).toBe(400);
    expect(noEmail.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('email') });
    expect((await subject('', { type: 'suppress', email: 'x@example.com' })).status).toBe(400);
    for (let i = 0; i < 3; i++) expect((await subject('', { type: 'access', email: 'dave@example.com' })).status).toBe(202);
    const fourth = await subject('', { type: 'access', email: 'dave@example.com' });
    expect(fourth.status).toBe(429);
    expect(fourth.body.error).toMatchObject({ code: 'too_many_requests' });
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);

    const preflight = await fetch(`${sluice.url}/v1/privacy-requests`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');

    const openapi = (await api('GET', '/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/privacy-requests', '/v1/privacy-requests/{id}/verify', '/v1/privacy-requests/new-link', '/v1/privacy-requests/new-link/{id}/verify']));
  });
});

describe('a request whose code was never entered', () => {
  it('is denied once the workspace’s days have passed (7 by default), the subject told why and that they may ask again', async () => {
    const submitted = await subject('', { type: 'delete', email: 'idle@example.com' });
    expect(submitted.status).toBe(202);
    const id = String(submitted.body.id);
    expect(codeIn(await mailTo('idle@example.com', 'Confirm your privacy request'))).toMatch(/^\d{6}$/);
    // Eight days on: the request was received eight days ago, and nobody entered the code.
    await sluice.store.db.updateTable('privacy_requests').set((eb) => ({ received_at: eb('received_at', '-', 8 * 86_400_000) })).where('id', '=', id).execute();
    const jobs = new RequestExecutor({ store: sluice.store, keys: sluice.keys, requests: sluice.privacyRequests, logger: sluice.logger, pollMs: 100 });
    jobs.start();
    try {
      const shown = await finished(id);
      expect(shown).toMatchObject({ status: 'denied', denialReason: 'Your identity could not be verified: the code we emailed was not entered within 7 days. You can make the request again.' });
      const notice = await mailTo('idle@example.com', 'We could not complete your privacy request');
      expect(notice.text).toContain('the code we emailed was not entered within 7 days');
      expect(notice.text).toContain(id);
    } finally {
      await jobs.stop();
    }
  });
});

describe('the request metrics (CCPA 7102)', () => {
  type Figures = { received: number; completed: number; denied: number; open: number; closedWithoutDecision: { total: number; superseded: number; neverVerified: number } };
  it('count requests closed without a decision (made again, never verified) apart from denials, in the JSON and the CSV', async () => {
    const window = `from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    const figures = async () => (await api('GET', `/reports/request-metrics?${window}`)).body as { total: Figures; byType: Record<string, Figures> };
    const before = await figures();
    // Made twice before verifying: the first is superseded. Never verified: closed by the sweep. Refused: a denial.
    // From an address of their own: the intake's limit per IP counts this file's other requests from 127.0.0.1.
    const from = { 'x-forwarded-for': '203.0.113.77' };
    const first = await subject('', { type: 'know', email: 'metrics-kim@example.com' }, sluice.writeKey, from);
    const again = await subject('', { type: 'know', email: 'metrics-kim@example.com' }, sluice.writeKey, from);
    const idle = await subject('', { type: 'know', email: 'metrics-lee@example.com' }, sluice.writeKey, from);
    for (const made of [first, again, idle]) expect(made.status, JSON.stringify(made.body)).toBe(202);
    const refused = await api('POST', '/privacy-requests', { type: 'know', subject: { email: 'metrics-mo@example.com' } });
    expect((await api('POST', `/privacy-requests/${String(refused.body.id)}/deny`, { reason: 'We could not verify the request.' })).status).toBe(200);
    await sluice.store.db.updateTable('privacy_requests').set((eb) => ({ received_at: eb('received_at', '-', 8 * 86_400_000) })).where('id', '=', String(idle.body.id)).execute();
    expect(await closeUnverifiedRequests({ store: sluice.store, requests: sluice.privacyRequests }, Date.now())).toContainEqual({ workspaceId: 'ws_default', requestId: String(idle.body.id) });
    expect((await api('GET', `/privacy-requests/${String(first.body.id)}`)).body).toMatchObject({ status: 'denied', closedWithoutDecision: 'superseded' });
    expect((await api('GET', `/privacy-requests/${String(idle.body.id)}`)).body).toMatchObject({ status: 'denied', closedWithoutDecision: 'never_verified' });

    const after = await figures();
    const know = after.byType.know!;
    const was = before.byType.know!;
    expect(know.received - was.received).toBe(4);
    expect(know.denied - was.denied).toBe(1); // only the refusal
    expect(know.closedWithoutDecision.superseded - was.closedWithoutDecision.superseded).toBe(1);
    expect(know.closedWithoutDecision.neverVerified - was.closedWithoutDecision.neverVerified).toBe(1);
    expect(know.closedWithoutDecision.total - was.closedWithoutDecision.total).toBe(2);
    expect(know.open - was.open).toBe(1); // the newer request, waiting for its code
    expect(after.total.denied - before.total.denied).toBe(1);
    expect(know.received).toBe(know.completed + know.denied + know.closedWithoutDecision.total + know.open);
    expect(String(again.body.status)).toBe('verifying');

    const csv = await fetch(`${sluice.url}/api/v1/reports/request-metrics?${window}&format=csv`, { headers: { authorization: `Bearer ${sluice.token}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="request-metrics-all-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/);
    const [header, ...lines] = (await csv.text()).trim().split('\r\n');
    expect(header).toBe('request type,received,complied with (completed),denied,closed without a decision: superseded (made again by the same person),closed without a decision: never verified (code never entered),open (failed included),failed,median days to respond');
    const knowRow = lines.find((l) => l.startsWith('know,'))!.split(',');
    expect(knowRow.slice(1, 7).map(Number)).toEqual([know.received, know.completed, know.denied, know.closedWithoutDecision.superseded, know.closedWithoutDecision.neverVerified, know.open]);
    expect(lines.at(-1)!.startsWith(`total,${after.total.received},`)).toBe(true);
  });
});
