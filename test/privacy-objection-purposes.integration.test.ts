import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { startSmtpCapture, type SmtpCapture } from './support/smtp-capture.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

interface History {
  action: string;
  actor: string;
  note?: string;
}

/**
 * An objection (GDPR Art. 21) whose purposes are the person's own words, not consent categories: what a category
 * covers is stopped at once, the rest waits for the privacy team (listed, never completed as if handled), who stops
 * each or refuses it on compelling legitimate grounds, never a direct-marketing one (Art. 21(3)); then the person is
 * told what was stopped and what was not, and why (decision 0607). Real SQLite, real SMTP capture.
 */
describe('an objection to purposes no consent category covers', () => {
  let sluice: TestSluice;
  let smtp: SmtpCapture;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'privacy@shop.example' });
    // Who answers the requests: told when one waits for them (an engineer is not).
    const workspaceId = (await sluice.store.workspaces.list())[0]!.id;
    await sluice.store.members.create({ workspaceId, email: 'dpo@shop.example', name: 'DPO', role: 'privacy', status: 'active' });
    await sluice.store.members.create({ workspaceId, email: 'dev@shop.example', name: 'Dev', role: 'engineer', status: 'active' });
  });
  afterAll(async () => {
    await sluice?.stop();
    await smtp?.close();
  });

  it('waits for the team, who stop or refuse each purpose, and the person is told which and why', async () => {
    const api = ownerApi(sluice);
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'obj-eve', traits: { email: 'eve@example.com' } });
    await eventually(async () => ((await api('GET', '/profiles/obj-eve')).status === 200 ? true : undefined));
    const created = await api('POST', '/privacy-requests', { type: 'object', subject: { email: 'eve@example.com' }, purposes: ['Analytics', 'credit scoring', 'Newsletter'], verified: true });
    expect(created.status, created.text).toBe(201);
    const id = String(created.body.id);

    // The category it names is denied at once; the other two wait, listed for the team, and the request stays open.
    const waiting = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      return shown.objectionPurposesToDecide ? shown : undefined;
    }, 30_000);
    expect(waiting).toMatchObject({ status: 'processing', objectionPurposesToDecide: ['credit scoring', 'Newsletter'] });
    const parked = (waiting.history as History[]).find((h) => h.action === 'objection_awaiting_decision');
    expect(parked?.note).toMatch(/"credit scoring", "Newsletter"; consent categories denied already: analytics$/);
    const listed = (await api('GET', '/privacy-requests/objection-decisions')).body.requests as { id: string }[];
    expect(listed.map((r) => r.id)).toEqual([id]);
    // The team is told at once, by email, what waits for them.
    const told = await smtp.waitFor((m) => m.to.includes('dpo@shop.example') && m.subject === 'An objection waits for your decision', 30_000);
    expect(told.text).toContain(`the object request ${id} (GDPR, due `);
    expect(told.text).toContain('"credit scoring", "Newsletter"');
    expect(told.text).toMatch(/\/privacy-requests$/m);
    expect(smtp.messages.some((m) => m.to.includes('dev@shop.example'))).toBe(false);
    const overdueOrOpen = (await api('GET', '/privacy-requests?limit=100')).body.requests as { id: string; status: string }[];
    expect(overdueOrOpen.find((r) => r.id === id)?.status).toBe('processing');
    const consent = (await api('GET', '/profiles/obj-eve/consent')).body as { categories: { id: string; granted: boolean; rule: string }[] };
    expect(consent.categories.find((c) => c.id === 'analytics')).toMatchObject({ granted: false, rule: 'ledger' });
    // Not every optional use: only what the objection names (advertising is not stopped for "credit scoring").
    expect(consent.categories.find((c) => c.id === 'advertising')?.rule).not.toBe('ledger');

    // Every purpose, once; direct marketing cannot be refused.
    const partial = await api('POST', `/privacy-requests/${id}/objection-decision`, { decisions: [{ purpose: 'credit scoring', outcome: 'stopped', note: 'x' }] });
    expect(partial.status).toBe(400);
    expect(partial.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('missing "Newsletter"') });
    const refusedMarketing = await api('POST', `/privacy-requests/${id}/objection-decision`, {
      decisions: [
        { purpose: 'credit scoring', outcome: 'stopped', note: 'x' },
        { purpose: 'Newsletter', outcome: 'refused', note: 'we like sending it' },
      ],
    });
    expect(refusedMarketing.status).toBe(409);
    expect(refusedMarketing.body.error).toMatchObject({ code: 'direct_marketing_objection', message: expect.stringContaining('Art. 21(3)') });
    expect((await api('GET', `/privacy-requests/${id}`)).body.status).toBe('processing');

    const grounds = 'fraud prevention on credit purchases is required of us and outweighs the objection (Art. 21(1))';
    const decided = await api('POST', `/privacy-requests/${id}/objection-decision`, {
      decisions: [
        { purpose: 'Newsletter', outcome: 'stopped', note: 'unsubscribed in the mailing tool' },
        { purpose: 'credit scoring', outcome: 'refused', note: grounds },
      ],
    });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.body).toMatchObject({ status: 'completed', respondedAt: expect.any(String) });
    expect(decided.body).not.toHaveProperty('objectionPurposesToDecide');
    expect(decided.body.objectionDecisions).toEqual([
      { purpose: 'Newsletter', outcome: 'stopped', note: 'unsubscribed in the mailing tool', decidedBy: expect.stringContaining('Owner bootstrap token'), decidedAt: expect.any(String) },
      { purpose: 'credit scoring', outcome: 'refused', note: grounds, decidedBy: expect.stringContaining('Owner bootstrap token'), decidedAt: expect.any(String) },
    ]);
    expect((await api('GET', '/privacy-requests/objection-decisions')).body.requests).toEqual([]);
    const completion = await smtp.waitFor((m) => m.to.includes('eve@example.com') && m.subject === 'Your privacy request is complete', 30_000);
    expect(completion.text).toContain('We stopped using your personal data for: Analytics, Newsletter.');
    expect(completion.text).toContain(`We did not stop using your personal data for "credit scoring", on these grounds: ${grounds}`);
    expect(completion.text).toContain('you may lodge a complaint with a data protection supervisory authority');

    // Who decided, in the history and the audit log; nothing is left to decide.
    const history = (await api('GET', `/privacy-requests/${id}`)).body.history as History[];
    expect(history.find((h) => h.action === 'completed')).toMatchObject({ actor: expect.stringContaining('Owner bootstrap token'), note: expect.stringContaining('"credit scoring": refused: fraud prevention') });
    const audit = (await api('GET', '/audit-log?action=privacy_request.objection_awaiting_decision')).body.entries as { resourceId: string }[];
    expect(audit.map((a) => a.resourceId)).toEqual([id]);
    const again = await api('POST', `/privacy-requests/${id}/objection-decision`, { decisions: [{ purpose: 'Newsletter', outcome: 'stopped', note: 'x' }] });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'request_state_conflict' });
  });

  it('still completes at once an objection whose purposes all name consent categories', async () => {
    const api = ownerApi(sluice);
    const created = await api('POST', '/privacy-requests', { type: 'object', subject: { userId: 'obj-eve' }, purposes: ['advertising'], categories: ['analytics'], verified: true });
    const id = String(created.body.id);
    const done = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      return shown.status === 'completed' ? shown : undefined;
    }, 30_000);
    expect(done).not.toHaveProperty('objectionPurposesToDecide');
    const result = (await api('GET', `/privacy-requests/${id}/result`)).body as { deniedCategories: string[] };
    expect([...result.deniedCategories].sort()).toEqual(['advertising', 'analytics']);
  });
});
