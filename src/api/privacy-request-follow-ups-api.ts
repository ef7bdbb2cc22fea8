import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Keys } from '../core/crypto/keys.js';
import type { DeliveryRetry } from '../privacy/requests/correction-follow-up.js';
import type { RequestService } from '../privacy/requests/request-service.js';
import type { SubjectEmailOutbox } from '../privacy/requests/subject-email-outbox.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';
import type { PrivacyRequest } from '../privacy/requests/request.js';
import { RequestList, requestListView, RequestSchema, requestView } from './privacy-request-view.js';

/** The email follow-ups list reads this many requests at most (newest given-up email first). */
const EMAIL_FOLLOW_UPS_LIMIT = 500;

/**
 * What the privacy team follows up after a request completed: deletions a tool did not confirm (listed, confirmed by
 * hand, a confirmation withdrawn; deletion-follow-up.ts) and corrections a recipient did not accept (listed, sent
 * again, or confirmed told another way; correction-follow-up.ts, correction-confirmed-by-hand.ts, decision 0606) and emails to the subject the
 * mail server never took (listed, sent again; subject-email-outbox.ts, decision 0802). Registered by `privacyRequestsApi`.
 */
export const privacyRequestFollowUpsApi: FastifyPluginAsyncTypebox<{ requests: RequestService; keys: Keys; store: Pick<Store, 'subjectEmails'>; emails: SubjectEmailOutbox; deliveryRetry?: DeliveryRetry }> = async (
  app,
  { requests, keys, store, emails, deliveryRetry },
) => {
  app.get('/privacy-requests/deletion-follow-ups', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Completed deletions that did not reach every destination for certain (a tool's job failed, or was never confirmed): a person must follow up, then confirm it (POST .../deletion-follow-ups/:destinationId/confirm)",
      response: { 200: RequestList },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    return requestListView(store.subjectEmails, workspaceId, await requests.withDeletionFollowUps(workspaceId), Date.now());
  });

  app.get('/privacy-requests/correction-follow-ups', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Completed corrections with a recipient whose delivery of the corrected identify failed (the router gave up), or one sent it again still on its way: send it again once the destination can take it (POST .../retry-recipients), or confirm it was told another way',
      response: { 200: RequestList },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    return requestListView(store.subjectEmails, workspaceId, await requests.withCorrectionFollowUps(workspaceId), Date.now());
  });

  app.get('/privacy-requests/email-follow-ups', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Requests with an email to the subject that was given up (the address was refused, or the mail server did not take it within 3 days) and not sent again, newest first, each with its `emails`: the person may never have been told (POST .../emails/:emailId/send-again)',
      response: { 200: RequestList },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const listed: PrivacyRequest[] = [];
    // A request's emails are deleted with its record (24 months after the answer), so each is there.
    for (const id of await store.subjectEmails.requestsWithGivenUp(workspaceId, EMAIL_FOLLOW_UPS_LIMIT)) listed.push(await requests.load(workspaceId, id));
    return requestListView(store.subjectEmails, workspaceId, listed, Date.now());
  });

  app.post('/privacy-requests/:id/emails/:emailId/send-again', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Send again an email to the subject that was given up, to the request's contact address as it is now; a completion or new-link email of an access or know request is sent as a new download link (the `send-link` step), not the old link",
      description:
        'Audited as `privacy_request.email_sent_again` (or `privacy_request.link_sent`); the email given up then shows `sentAgainBy`/`sentAgainAt` and leaves the email follow-ups, and the new email is listed after it. ' +
        '409 `email_not_given_up` when the email is not given up, or was sent again already.',
      params: Type.Object({ id: Type.String(), emailId: Type.String() }),
      response: { 200: RequestSchema },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const updated = await emails.sendAgain(workspaceId, request.params.id, request.params.emailId, auditContext(request));
    return requestView(updated, Date.now(), undefined, await store.subjectEmails.ofRequest(workspaceId, updated.id));
  });

  app.post('/privacy-requests/:id/retry-recipients', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Send a completed correction's corrected identify again to each recipient whose delivery failed (the router's retry of that delivery); the recipients then read `queued` and are followed until their delivery ends",
      description:
        'Audited as `privacy_request.correction_recipients_retried`. A recipient whose destination was deleted or is disabled, or whose event was erased, stays failed (the history step says why); when none can be sent again the answer is 409 `conflict`. ' +
        '409 `no_failed_recipients` when the request is not a completed correction with a failed recipient.',
      params: IdParams,
      response: { 200: RequestSchema },
    },
  }, async (request) => {
    const updated = await requests.retryCorrectionRecipients(principalOf(request).workspaceId, request.params.id, auditContext(request), deliveryRetry);
    return requestView(updated, Date.now());
  });

  app.post('/privacy-requests/:id/correction-follow-ups/:destinationId/confirm', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Confirm that a completed correction's failed recipient was told of the correction another way (GDPR 19): it reads delivered, confirmed by hand with your note, and leaves the follow-ups",
      description:
        'Audited as `privacy_request.correction_confirmed_by_hand`. Once no recipient is left failed or on its way, the person is emailed where each recipient stands (`correction_recipients_settled`). ' +
        '409 `no_correction_follow_up` when that destination is not a failed recipient of a completed correction; `request_state_conflict` when the request is not a completed correction, or its recipients changed meanwhile (reload it).',
      params: Type.Object({ id: Type.String(), destinationId: Type.String() }),
      body: Type.Object({ note: Type.String({ minLength: 1, maxLength: 2000, description: 'How the recipient was told, e.g. "emailed the CRM vendor the corrected name; they confirmed (ticket 881)"' }) }, { additionalProperties: false }),
      response: { 200: RequestSchema },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const updated = await requests.confirmCorrection(principal.workspaceId, request.params.id, request.params.destinationId, auditContext(request), request.body.note);
    return requestView(updated, Date.now());
  });

  app.post('/privacy-requests/:id/correction-follow-ups/:destinationId/withdraw', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Withdraw a confirmation by hand of a correction's recipient (made by mistake, or the service was not told after all), with the reason: it reads failed as before and is back on the follow-ups",
      description:
        'Audited as `privacy_request.correction_confirmation_withdrawn`. The person is not emailed again. ' +
        '409 `no_hand_confirmation` when that recipient was not confirmed by hand; `request_state_conflict` when the request is not a completed correction, or its recipients changed meanwhile (reload it).',
      params: Type.Object({ id: Type.String(), destinationId: Type.String() }),
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why, e.g. "confirmed on the wrong request"' }) }, { additionalProperties: false }),
      response: { 200: RequestSchema },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const updated = await requests.withdrawCorrectionConfirmation(principal.workspaceId, request.params.id, request.params.destinationId, auditContext(request), request.body.reason);
    return requestView(updated, Date.now());
  });

  app.post('/privacy-requests/:id/deletion-follow-ups/:destinationId/confirm', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Confirm that a completed deletion's follow-up is done (the data is deleted at that destination): the certificate is re-issued with the entry deleted, naming who confirmed it and their note",
      params: Type.Object({ id: Type.String(), destinationId: Type.String() }),
      body: Type.Object({ note: Type.String({ minLength: 1, maxLength: 2000, description: 'What was done, e.g. "Mixpanel support confirmed the deletion (ticket 4711)"' }) }, { additionalProperties: false }),
      response: { 200: RequestSchema },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const updated = await requests.confirmDeletion(principal.workspaceId, request.params.id, request.params.destinationId, auditContext(request), request.body.note, keys);
    return requestView(updated, Date.now());
  });

  app.post('/privacy-requests/:id/deletion-follow-ups/:destinationId/withdraw', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Withdraw a confirmation by hand (made by mistake, or the tool had not deleted after all): the certificate is re-issued with the destination's entry as it was before, to follow up again",
      params: Type.Object({ id: Type.String(), destinationId: Type.String() }),
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why, e.g. "confirmed the wrong destination"' }) }, { additionalProperties: false }),
      response: { 200: RequestSchema },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const updated = await requests.withdrawDeletionConfirmation(principal.workspaceId, request.params.id, request.params.destinationId, auditContext(request), request.body.reason, keys);
    return requestView(updated, Date.now());
  });
};
