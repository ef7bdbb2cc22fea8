import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { startSmtpCapture, type SmtpCapture } from './support/smtp-capture.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

interface Recipient {
  name: string;
  status: string;
  reason: string | null;
  detail?: string | null;
  retriedBy?: string;
  retriedAt?: string;
  confirmedBy?: string;
  confirmedAt?: string;
}

/**
 * A correction whose corrected identify a recipient refused (GDPR 19 not yet done there), end to end with webhooks
 * (real local HTTP servers): the request completes (the person is answered) but is marked for the privacy team
 * (`correctionFollowUps`, its own list), the person's email says that recipient was not told, and once the
 * destination accepts, the team sends it again (`retry-recipients`, audited): the recipient then reads delivered and
 * the person is told.
 */
describe('a correction a recipient refused', () => {
  let sluice: TestSluice;
  let smtp: SmtpCapture;
  const servers: RecordingServer[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    sluice = await startTestSluice({ SLUICE_SMTP_URL: smtp.url, SLUICE_MAIL_FROM: 'privacy@shop.example', SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    // Who answers the requests: emailed when a correction needs them.
    await sluice.store.members.create({ workspaceId: (await sluice.store.workspaces.list())[0]!.id, email: 'dpo@shop.example', name: 'DPO', role: 'privacy', status: 'active' });
  });
  afterAll(async () => {
    await sluice?.stop();
    await smtp?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('completes marked for follow-up without telling the person the recipient has it, and is sent again once the recipient accepts', async () => {
    const api = ownerApi(sluice);
    const good = await createWebhook(sluice, servers, 'Good hook');
    const crm = await createWebhook(sluice, servers, 'CRM hook');
    // A 4xx fails the delivery at once (no retries to wait for).
    crm.server.respond = (request) => (request.raw.includes('dsr-correct-') ? { status: 400, body: '{"error":"name too long"}' } : { status: 200 });
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'fu-ada', traits: { email: 'fu@example.com', name: 'Ada Byron' } });
    await eventually(async () => ((await api('GET', '/profiles/fu-ada')).status === 200 ? true : undefined));

    const created = await api('POST', '/privacy-requests', { type: 'correct', subject: { email: 'fu@example.com' }, traits: { name: 'Ada Lovelace' }, verified: true });
    expect(created.status, created.text).toBe(201);
    const id = String(created.body.id);
    const done = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      return ['completed', 'failed'].includes(String(shown.status)) ? shown : undefined;
    }, 60_000);
    expect(done.status, String(done.failure)).toBe('completed');
    expect(done.correctionFollowUps).toEqual([{ destinationId: crm.id, name: 'CRM hook', type: 'webhook', reason: expect.stringContaining('400'), detail: expect.any(String), failedAt: expect.any(String) }]);
    const listed = (await api('GET', '/privacy-requests/correction-follow-ups')).body.requests as { id: string }[];
    expect(listed.map((r) => r.id)).toEqual([id]);

    // The person is answered, and not told that the refusing recipient has the correction.
    const completion = await smtp.waitFor((m) => m.to.includes('fu@example.com') && m.subject === 'Your privacy request is complete', 60_000);
    expect(completion.text).toContain('- Good hook: told of the correction');
    expect(completion.text).toContain('- CRM hook: not told yet: it did not accept the correction; we are following this up and will write to you once it has it');
    expect(completion.text).not.toMatch(/CRM hook: told|passed the correction on/);

    // The destination is fixed; the privacy team sends the correction again.
    crm.server.respond = () => ({ status: 200 });
    const retried = await api('POST', `/privacy-requests/${id}/retry-recipients`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).not.toHaveProperty('correctionFollowUps');
    const crmNow = (retried.body.correctionRecipients as Recipient[]).find((r) => r.name === 'CRM hook');
    expect(crmNow).toMatchObject({ retriedBy: expect.stringMatching(/owner|token|member/), retriedAt: expect.any(String) });
    expect(['queued', 'delivered']).toContain(crmNow?.status);

    const settled = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      const recipient = (shown.correctionRecipients as Recipient[]).find((r) => r.name === 'CRM hook');
      return recipient?.status === 'delivered' ? shown : undefined;
    }, 30_000);
    expect((settled.correctionRecipients as Recipient[]).map((r) => [r.name, r.status]).sort()).toEqual([['CRM hook', 'delivered'], ['Good hook', 'delivered']]);
    expect(crm.server.events().filter((e) => e.messageId === `dsr-correct-${id}`)).toEqual([expect.objectContaining({ type: 'identify', userId: 'fu-ada', traits: { name: 'Ada Lovelace' } })]);
    expect((await api('GET', '/privacy-requests/correction-follow-ups')).body.requests).toEqual([]);

    // The retry is in the request's history and the audit log with who asked; the person is told the recipient has it now.
    const history = (await api('GET', `/privacy-requests/${id}`)).body.history as { action: string; actor: string; note?: string }[];
    expect(history.find((h) => h.action === 'correction_recipients_retried')).toMatchObject({ note: expect.stringContaining('CRM hook (webhook)') });
    expect(history.find((h) => h.action === 'correction_recipient_ended')).toMatchObject({ actor: 'system', note: 'CRM hook (webhook): delivered' });
    const audit = (await api('GET', '/audit-log?action=privacy_request.correction_recipients_retried')).body.entries as { resourceId: string; actor: string }[];
    expect(audit).toEqual([expect.objectContaining({ resourceId: id })]);
    const update = await smtp.waitFor((m) => m.to.includes('fu@example.com') && m.subject === 'Update on your correction request', 30_000);
    expect(update.text).toContain('- CRM hook: told of the correction');

    // Nothing is left to send again.
    const again = await api('POST', `/privacy-requests/${id}/retry-recipients`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'no_failed_recipients' });
  });

  it('sends it again to the recipients that can take it, and says which cannot (disabled, deleted) and why', async () => {
    const api = ownerApi(sluice);
    const refuse = (request: { raw: string }) => (request.raw.includes('dsr-correct-') ? { status: 400, body: '{"error":"no"}' } : { status: 200 });
    const first = await createWebhook(sluice, servers, 'Hook A');
    const second = await createWebhook(sluice, servers, 'Hook B');
    first.server.respond = refuse;
    second.server.respond = refuse;
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'fu-bob', traits: { email: 'bob-fu@example.com' } });
    await eventually(async () => ((await api('GET', '/profiles/fu-bob')).status === 200 ? true : undefined));
    const created = await api('POST', '/privacy-requests', { type: 'correct', subject: { userId: 'fu-bob' }, traits: { name: 'Bob' }, verified: true });
    const id = String(created.body.id);
    const done = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      return shown.status === 'completed' ? shown : undefined;
    }, 60_000);
    // The first test's hooks accept by now: only these two refused.
    expect((done.correctionFollowUps as { name: string }[]).map((f) => f.name).sort()).toEqual(['Hook A', 'Hook B']);

    first.server.respond = () => ({ status: 200 });
    expect((await api('PATCH', `/destinations/${second.id}`, { enabled: false })).status).toBe(200);
    const retried = await api('POST', `/privacy-requests/${id}/retry-recipients`);
    expect(retried.status, retried.text).toBe(200);
    expect((retried.body.correctionFollowUps as { name: string }[]).map((f) => f.name)).toEqual(['Hook B']);
    const step = (retried.body.history ?? (await api('GET', `/privacy-requests/${id}`)).body.history) as { action: string; note?: string }[];
    const note = step.find((h) => h.action === 'correction_recipients_retried')?.note ?? '';
    expect(note).toMatch(/^the corrected identify was sent again to Hook A \(webhook\); not sent again: Hook B: Destination \S+ \(Hook B\) is disabled/);
    await eventually(async () => (first.server.events().some((e) => e.messageId === `dsr-correct-${id}`) ? true : undefined), 30_000);

    // Deleted meanwhile: nothing left that can be sent again.
    expect((await api('DELETE', `/destinations/${second.id}`)).status).toBe(204);
    const none = await api('POST', `/privacy-requests/${id}/retry-recipients`);
    expect(none.status).toBe(409);
    expect(none.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('Hook B: the destination was deleted') });
  });

  it('confirms by hand a recipient told another way: audited with the note, off the follow-ups, and the person told once none is left', async () => {
    const api = ownerApi(sluice);
    const refuse = (request: { raw: string }) => (request.raw.includes('dsr-correct-') ? { status: 422, body: '{"error":"unknown field"}' } : { status: 200 });
    const crm = await createWebhook(sluice, servers, 'Legacy CRM');
    const shop = await createWebhook(sluice, servers, 'Shop hook');
    crm.server.respond = refuse;
    shop.server.respond = refuse;
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'fu-cyd', traits: { email: 'cyd@example.com', name: 'Cyd' } });
    await eventually(async () => ((await api('GET', '/profiles/fu-cyd')).status === 200 ? true : undefined));
    const created = await api('POST', '/privacy-requests', { type: 'correct', subject: { email: 'cyd@example.com' }, traits: { name: 'Cyd Charisse' }, verified: true });
    const id = String(created.body.id);
    const done = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      return shown.status === 'completed' ? shown : undefined;
    }, 60_000);
    expect((done.correctionFollowUps as { name: string }[]).map((f) => f.name).sort()).toEqual(['Legacy CRM', 'Shop hook']);
    await smtp.waitFor((m) => m.to.includes('cyd@example.com') && m.subject === 'Your privacy request is complete', 60_000);
    // The team is emailed which services did not take it.
    const toTeam = await smtp.waitFor((m) => m.to.includes('dpo@shop.example') && m.subject === 'A correction did not reach every service' && m.text.includes(id), 30_000);
    expect(toTeam.text).toMatch(/Legacy CRM \(http_422\), Shop hook \(http_422\)|Shop hook \(http_422\), Legacy CRM \(http_422\)/);
    expect(toTeam.text).not.toContain('cyd@example.com');

    // A note is required; a destination that is not a failed recipient is refused, naming those that are.
    expect((await api('POST', `/privacy-requests/${id}/correction-follow-ups/${crm.id}/confirm`, {})).status).toBe(400);
    const notRecipient = await api('POST', `/privacy-requests/${id}/correction-follow-ups/dst_nowhere/confirm`, { note: 'x' });
    expect(notRecipient.status).toBe(409);
    expect(notRecipient.body.error).toMatchObject({ code: 'no_correction_follow_up', message: expect.stringContaining(crm.id) });

    // The CRM's vendor was emailed the corrected name: one confirmed, the other still to follow up, nobody emailed yet.
    const note = 'emailed the CRM vendor the corrected name; they confirmed (ticket 881)';
    const first = await api('POST', `/privacy-requests/${id}/correction-follow-ups/${crm.id}/confirm`, { note });
    expect(first.status, first.text).toBe(200);
    expect((first.body.correctionFollowUps as { name: string }[]).map((f) => f.name)).toEqual(['Shop hook']);
    const told = (first.body.correctionRecipients as Recipient[]).find((r) => r.name === 'Legacy CRM');
    expect(told).toMatchObject({ status: 'delivered', reason: 'confirmed_by_hand', confirmedBy: expect.stringContaining('Owner bootstrap token'), confirmedAt: expect.any(String) });
    expect(told?.detail).toMatch(/^confirmed by hand by .+: emailed the CRM vendor .+ \(before: failed at \S+Z, http_422/);
    expect(told).not.toHaveProperty('failedAt');
    const listed = (await api('GET', '/privacy-requests/correction-follow-ups')).body.requests as { id: string; correctionFollowUps: { name: string }[] }[];
    expect(listed.find((r) => r.id === id)?.correctionFollowUps.map((f) => f.name)).toEqual(['Shop hook']);
    const again = await api('POST', `/privacy-requests/${id}/correction-follow-ups/${crm.id}/confirm`, { note });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'no_correction_follow_up', message: expect.stringContaining('confirmed by hand') });
    let history = (await api('GET', `/privacy-requests/${id}`)).body.history as { action: string; note?: string }[];
    expect(history.filter((h) => h.action === 'correction_confirmed_by_hand').map((h) => h.note)).toEqual([`Legacy CRM (webhook): ${note}`]);
    expect(history.some((h) => h.action === 'correction_recipients_settled')).toBe(false);

    // The last one: the correction is settled and the person told, in one update naming both as told.
    const last = await api('POST', `/privacy-requests/${id}/correction-follow-ups/${shop.id}/confirm`, { note: 'corrected in the shop admin by hand' });
    expect(last.status, last.text).toBe(200);
    expect(last.body).not.toHaveProperty('correctionFollowUps');
    history = (await api('GET', `/privacy-requests/${id}`)).body.history as { action: string; note?: string }[];
    expect(history.filter((h) => h.action === 'correction_recipients_settled')).toHaveLength(1);
    const audit = (await api('GET', '/audit-log?action=privacy_request.correction_confirmed_by_hand')).body.entries as { resourceId: string }[];
    expect(audit.filter((a) => a.resourceId === id)).toHaveLength(2);
    const update = await smtp.waitFor((m) => m.to.includes('cyd@example.com') && m.subject === 'Update on your correction request', 30_000);
    expect(update.text).toContain('some services had not accepted the correction. We have since told them of it:');
    expect(update.text).toContain('- Legacy CRM: told of the correction');
    expect(update.text).toContain('- Shop hook: told of the correction');
    expect(update.text).not.toContain('ticket 881');
    // (The second test's correction, whose Hook B was deleted, is still to follow up.)
    expect(((await api('GET', '/privacy-requests/correction-follow-ups')).body.requests as { id: string }[]).map((r) => r.id)).not.toContain(id);

    // The shop's confirmation was a mistake: withdrawn with a reason, the recipient reads failed as before and is back on
    // the follow-ups (the person, told already, is not emailed again); a second withdrawal is refused.
    const shopBefore = (done.correctionRecipients as Recipient[]).find((r) => r.name === 'Shop hook')!;
    expect((await api('POST', `/privacy-requests/${id}/correction-follow-ups/${shop.id}/withdraw`, {})).status).toBe(400);
    const withdrawn = await api('POST', `/privacy-requests/${id}/correction-follow-ups/${shop.id}/withdraw`, { reason: 'the shop admin change was on another customer' });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    const back = (withdrawn.body.correctionRecipients as Recipient[]).find((r) => r.name === 'Shop hook');
    expect(back).toEqual(shopBefore);
    expect((withdrawn.body.correctionFollowUps as { name: string }[]).map((f) => f.name)).toEqual(['Shop hook']);
    expect(((await api('GET', '/privacy-requests/correction-follow-ups')).body.requests as { id: string }[]).map((r) => r.id)).toContain(id);
    history = (await api('GET', `/privacy-requests/${id}`)).body.history as { action: string; note?: string }[];
    expect(history.filter((h) => h.action === 'correction_confirmation_withdrawn').map((h) => h.note)).toEqual(['Shop hook (webhook): the shop admin change was on another customer']);
    expect(((await api('GET', '/audit-log?action=privacy_request.correction_confirmation_withdrawn')).body.entries as { resourceId: string }[]).map((a) => a.resourceId)).toEqual([id]);
    const twice = await api('POST', `/privacy-requests/${id}/correction-follow-ups/${shop.id}/withdraw`, { reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'no_hand_confirmation', message: expect.stringContaining(crm.id) });
    // Confirmed again, it leaves the follow-ups once more.
    expect((await api('POST', `/privacy-requests/${id}/correction-follow-ups/${shop.id}/confirm`, { note: 'corrected for the right customer' })).status).toBe(200);
    expect(((await api('GET', '/privacy-requests/correction-follow-ups')).body.requests as { id: string }[]).map((r) => r.id)).not.toContain(id);

    // (The services accept corrections from now on, for the next test.)
    crm.server.respond = () => ({ status: 200 });
    shop.server.respond = () => ({ status: 200 });

    // Only a completed correction has recipients to confirm.
    const access = await api('POST', '/privacy-requests', { type: 'access', subject: { userId: 'fu-cyd' } });
    const notCorrection = await api('POST', `/privacy-requests/${String(access.body.id)}/correction-follow-ups/${crm.id}/confirm`, { note });
    expect(notCorrection.status).toBe(409);
    expect(notCorrection.body.error).toMatchObject({ code: 'request_state_conflict' });
  });

  it('keeps a recipient that fails again on the follow-ups with the new failure, its time and who sent it again, and tells the person nothing yet', async () => {
    const api = ownerApi(sluice);
    const crm = await createWebhook(sluice, servers, 'Stubborn CRM');
    crm.server.respond = (request) => (request.raw.includes('dsr-correct-') ? { status: 400, body: '{"error":"name too long"}' } : { status: 200 });
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'fu-dot', traits: { email: 'dot@example.com', name: 'Dot' } });
    await eventually(async () => ((await api('GET', '/profiles/fu-dot')).status === 200 ? true : undefined));
    const created = await api('POST', '/privacy-requests', { type: 'correct', subject: { email: 'dot@example.com' }, traits: { name: 'Dorothy' }, verified: true });
    const id = String(created.body.id);
    const done = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      return shown.status === 'completed' ? shown : undefined;
    }, 60_000);
    const first = (done.correctionFollowUps as Record<string, string>[])[0]!;
    expect(first).toMatchObject({ name: 'Stubborn CRM', reason: 'http_400', detail: expect.stringContaining('name too long'), failedAt: expect.any(String) });
    expect(first).not.toHaveProperty('retriedBy');
    await smtp.waitFor((m) => m.to.includes('dot@example.com') && m.subject === 'Your privacy request is complete', 60_000);

    // Sent again while the service still refuses, for another reason now.
    crm.server.respond = (request) => (request.raw.includes('dsr-correct-') ? { status: 422, body: '{"error":"field locked"}' } : { status: 200 });
    const retried = await api('POST', `/privacy-requests/${id}/retry-recipients`);
    expect(retried.status, retried.text).toBe(200);
    const retriedAt = ((retried.body.correctionRecipients as Recipient[]).find((r) => r.name === 'Stubborn CRM'))!.retriedAt!;
    const again = await eventually(async () => {
      const shown = (await api('GET', `/privacy-requests/${id}`)).body;
      return shown.correctionFollowUps ? shown : undefined;
    }, 30_000);
    const followUp = (again.correctionFollowUps as Record<string, string>[])[0]!;
    expect(followUp).toMatchObject({ name: 'Stubborn CRM', reason: 'http_422', detail: expect.stringContaining('field locked'), retriedBy: expect.stringContaining('Owner bootstrap token'), retriedAt });
    expect(Date.parse(followUp.failedAt!)).toBeGreaterThanOrEqual(Date.parse(retriedAt));
    expect((again.correctionRecipients as Recipient[]).find((r) => r.name === 'Stubborn CRM')).toMatchObject({ status: 'failed', failedAt: followUp.failedAt });
    const listed = (await api('GET', '/privacy-requests/correction-follow-ups')).body.requests as { id: string; correctionFollowUps: Record<string, string>[] }[];
    expect(listed.find((r) => r.id === id)?.correctionFollowUps).toEqual([followUp]);
    // The history (and the audit log) say it failed again; the person is not emailed until it has the correction.
    const history = again.history as { action: string; note?: string }[] | undefined;
    const steps = history ?? ((await api('GET', `/privacy-requests/${id}`)).body.history as { action: string; note?: string }[]);
    expect(steps.find((h) => h.action === 'correction_recipient_ended')?.note).toMatch(/^Stubborn CRM \(webhook\): failed \(http_422\)/);
    expect(steps.some((h) => h.action === 'correction_recipients_settled')).toBe(false);
    expect(smtp.messages.filter((m) => m.to.includes('dot@example.com')).map((m) => m.subject)).not.toContain('Update on your correction request');
    // The team is emailed that it failed again after the re-send.
    await smtp.waitFor((m) => m.to.includes('dpo@shop.example') && m.subject === 'A correction did not reach every service' && m.text.includes('Stubborn CRM (http_422), again after it was sent again'), 30_000);
  });
});
