import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { chromiumMissing, launchChromium } from './support/browser.js';
import { startSmtpCapture, type SmtpCapture } from './support/smtp-capture.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * The data subject's side in their own language (decision 0407): the hosted privacy page follows `lang`, else the
 * browser's Accept-Language; the request remembers the language it was filed in, and every email about it is
 * written in it. Mail read from a real SMTP server.
 */
let sluice: TestSluice;
let smtp: SmtpCapture;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'privacy@shop.example' });
});
afterAll(async () => {
  await sluice?.stop();
  await smtp?.close();
});

const page = (query: string, headers: Record<string, string> = {}) => fetch(`${sluice.url}/privacy?writeKey=${sluice.writeKey}${query}`, { headers });
const mailTo = (to: string, subject: string) => smtp.waitFor((m) => m.to.includes(to) && m.subject === subject, 60_000);

describe('the hosted privacy page in the visitor language', () => {
  it('follows Accept-Language, and lang before it; says so to caches (Vary) and in the page (lang)', async () => {
    const french = await page('', { 'accept-language': 'fr-CH, fr;q=0.9, en;q=0.5' });
    expect(french.status).toBe(200);
    expect(french.headers.get('vary')).toContain('Accept-Language');
    expect(french.headers.get('content-language')).toBe('fr');
    const html = await french.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<h1>Vos droits sur vos données</h1>');
    expect(html).toContain("M&#39;envoyer une copie de mes données (droit d&#39;accès)");
    expect(html).not.toContain('What would you like us to do?');

    const portuguese = await (await page('&lang=pt-PT', { 'accept-language': 'de-DE' })).text();
    expect(portuguese).toContain('<html lang="pt">');
    expect(portuguese).toContain('Enviar pedido');
    // Nothing asked for: English.
    expect(await (await page('')).text()).toContain('<html lang="en">');
    expect(await (await page('', { 'accept-language': 'sv-SE' })).text()).toContain('<h1>Your privacy choices</h1>');
  });

  it('refuses a lang it does not speak, saying which it does', async () => {
    const refused = await page('&lang=xx');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('text/html');
    const html = await refused.text();
    expect(html).toContain('lang=&quot;xx&quot; is not a language the privacy page speaks: use one of en, de, fr, es, it, nl, pt');
    expect(html).toContain('&amp;lang=&lt;en|de|fr|es|it|nl|pt&gt;');
  });

  it('refuses a language the emails cannot be written in, on the public and the admin API', async () => {
    const response = await fetch(`${sluice.url}/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ writeKey: sluice.writeKey, type: 'access', email: 'sv@example.com', language: 'sv' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('language "sv" is not a language Sluice writes to data subjects in: use one of en, de, fr, es, it, nl, pt');
    const admin = await ownerApi(sluice)<{ error: { message: string } }>('POST', '/privacy-requests', { type: 'access', subject: { email: 'sv@example.com' }, language: 'sv' });
    expect(admin.status).toBe(400);
    expect(admin.body.error.message).toContain('language "sv" is not a language Sluice writes');
  });

  it('writes to the subject of a request the privacy team filed in Italian in Italian, and shows its language', async () => {
    const created = await ownerApi(sluice)<{ id: string; language: string }>('POST', '/privacy-requests', { type: 'access', subject: { email: 'lucia@example.com' }, regulation: 'gdpr', language: 'it' });
    expect(created.status).toBe(201);
    expect(created.body.language).toBe('it');
    const receipt = await mailTo('lucia@example.com', 'Abbiamo ricevuto la Sua richiesta sulla privacy');
    expect(receipt.text).toContain('abbiamo ricevuto la Sua richiesta di accesso ai Suoi dati personali');
    expect(receipt.text).toContain(`Riferimento: ${created.body.id}`);
    const english = await ownerApi(sluice)<{ language: string }>('POST', '/privacy-requests', { type: 'access', subject: { email: 'grace@example.com' } });
    expect(english.body.language).toBe('en');
  });
});

describe.skipIf(chromiumMissing())('a German visitor in headless Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('files a deletion through the page in German (Accept-Language: de-DE), the request records de, and every email is German', async () => {
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'hans-u', traits: { email: 'hans@example.com' } });
    await eventually(async () => ((await ownerApi(sluice)<{ events: unknown[] }>('GET', '/events?userId=hans-u')).body.events.length > 0 ? true : undefined));

    // The browser asks for German: its Accept-Language is de-DE.
    const context = await browser.newContext({ locale: 'de-DE' });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`);
    expect(await tab.getByRole('heading', { level: 1 }).textContent()).toBe('Ihre Datenschutzrechte');
    await tab.getByLabel('Was dürfen wir für Sie tun?').selectOption('delete');
    // The page's own messages are German too.
    await tab.getByRole('button', { name: 'Antrag senden' }).click();
    await expect.poll(() => tab.getByRole('alert').textContent()).toContain('Bitte geben Sie Ihre E-Mail-Adresse ein');
    await tab.getByLabel('Ihre E-Mail-Adresse').fill('hans@example.com');
    await tab.getByRole('button', { name: 'Antrag senden' }).click();
    await tab.getByLabel('Code aus der E-Mail').waitFor();
    expect(await tab.locator('#verify-intro').textContent()).toMatch(/^Wir haben einen 6-stelligen Code an h\S*@example\.com gesendet\. Er ist 10 Minuten gültig\.$/);

    const codeMail = await mailTo('hans@example.com', 'Bestätigen Sie Ihren Datenschutzantrag');
    expect(codeMail.text).toMatch(/auf der Sie Ihren Antrag auf Löschung Ihrer personenbezogenen Daten gestellt haben \(Aktenzeichen dsr_\w+\)\. Er ist 10 Minuten gültig, bis zum \d{1,2}\. [A-Za-zä]+ \d{4} um \d{2}:\d{2} UTC,/);
    const code = /Ihr Bestätigungscode lautet (\d{6})\./.exec(codeMail.text)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await tab.getByLabel('Code aus der E-Mail').fill(code!);
    await tab.getByRole('button', { name: 'Bestätigen' }).click();
    await expect.poll(() => tab.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^Vielen Dank\. Ihr Antrag dsr_\S+ ist bestätigt; wir antworten Ihnen bis zum \d{1,2}\. [A-Za-zä]+ \d{4}\.$/);
    const id = /Ihr Antrag (dsr_\S+) ist bestätigt/.exec((await tab.getByRole('status').textContent()) ?? '')![1]!;
    expect(errors).toEqual([]);
    await context.close();

    const request = await eventually(async () => {
      const found = await ownerApi(sluice)<{ status: string; language: string; channel: string }>('GET', `/privacy-requests/${id}`);
      return found.body.status === 'completed' ? found.body : undefined;
    }, 60_000);
    expect(request).toMatchObject({ language: 'de', channel: 'subject_portal' });

    const receipt = await mailTo('hans@example.com', 'Wir haben Ihren Datenschutzantrag erhalten');
    expect(receipt.text).toMatch(/^Am \d{1,2}\. [A-Za-zä]+ \d{4} \(UTC\) haben wir Ihren Antrag auf Löschung Ihrer personenbezogenen Daten erhalten\.\nWir antworten Ihnen bis zum \d{1,2}\. [A-Za-zä]+ \d{4} \(UTC\)\./);
    expect(receipt.text).toContain(`Aktenzeichen: ${id}`);
    const done = await mailTo('hans@example.com', 'Ihr Datenschutzantrag ist erledigt');
    expect(done.text).toContain('Wir haben Ihre personenbezogenen Daten aus unseren Systemen gelöscht.');
    expect(done.text).toContain(`Aktenzeichen: ${id}`);
    for (const mail of [codeMail, receipt, done]) expect(mail.text).not.toMatch(/\b(your|We|request|Reference)\b/);
  });

  it("says every refusal and fault in German: a value the API's schema refuses, on its field; a site whose source is off; a server fault; no answer", async () => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`${sluice.url}/privacy?writeKey=${sluice.writeKey}`);
    const alert = () => tab.getByRole('alert').textContent();
    const email = tab.getByLabel('Ihre E-Mail-Adresse');
    const send = tab.getByRole('button', { name: 'Antrag senden' });
    await tab.getByLabel('Was dürfen wir für Sie tun?').selectOption('delete');

    // An address the page's own check lets through but the API's schema refuses (longer than 320 characters): the API
    // answers validation_failed naming the field (error.path), and the page says it in German on that field, not the
    // API's English "Invalid request: body/email must NOT have more than 320 characters".
    await email.fill(`${'h'.repeat(320)}@beispiel.de`);
    await send.click();
    await expect.poll(alert).toContain('Diese E-Mail-Adresse kann nicht verwendet werden');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await alert()).not.toMatch(/Invalid|must|body/);

    // An opt-out takes no email, but one typed wrong is said at once, in German.
    await tab.getByLabel('Was dürfen wir für Sie tun?').selectOption('opt_out');
    await email.fill('hans@beispiel');
    await send.click();
    await expect.poll(alert).toContain('Diese E-Mail-Adresse kann nicht verwendet werden');

    // The site's source switched off after the page was opened: the site is to blame, said in German.
    const source = (await sluice.store.sources.list((await sluice.store.workspaces.list())[0]!.id)).find((s) => s.writeKey === sluice.writeKey)!;
    expect((await ownerApi(sluice)('PATCH', `/sources/${source.id}`, { enabled: false })).status).toBe(200);
    try {
      await tab.getByLabel('Was dürfen wir für Sie tun?').selectOption('delete');
      await email.fill('hans@example.com');
      await eventually(async () => {
        await send.click();
        return (await alert())?.includes('Von dieser Seite können derzeit keine Anträge gesendet werden') ? true : undefined;
      }, 15_000);
    } finally {
      expect((await ownerApi(sluice)('PATCH', `/sources/${source.id}`, { enabled: true })).status).toBe(200);
    }

    // A fault on the server's side and no answer at all cannot be caused on a healthy test server: the browser is
    // given a 503 with the API's error body, then no answer, for the intake's address only.
    await tab.route('**/v1/privacy-requests', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'storage_unavailable', message: 'The database cannot be reached right now; nothing was changed. Retry after the Retry-After delay.' } }) }));
    await send.click();
    await expect.poll(alert).toBe('Der Server hat mit 503 geantwortet. Bitte versuchen Sie es später erneut.');
    await tab.unroute('**/v1/privacy-requests');
    await tab.route('**/v1/privacy-requests', (route) => route.abort('connectionrefused'));
    await send.click();
    await expect.poll(alert).toBe('Wir konnten den Server nicht erreichen. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es erneut.');
    await tab.unrouteAll({ behavior: 'wait' });
    expect(errors).toEqual([]);
    await context.close();
  });
});
