import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Keys } from '../core/crypto/keys.js';
import type { DeliveryRetry } from '../privacy/requests/correction-follow-up.js';
import type { RequestService } from '../privacy/requests/request-service.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';
import { RequestList, RequestSchema, requestView } from './privacy-request-view.js';

/**
 * What the privacy team follows up after a request completed: deletions a tool did not confirm (listed, confirmed by
 * hand, a confirmation withdrawn; deletion-follow-up.ts) and corrections a recipient did not accept (listed, sent
 * again, or confirmed told another way; correction-follow-up.ts, correction-confirmed-by-hand.ts, decision 0606). Registered by `privacyRequestsApi`.
 */
export const privacyRequestFollowUpsApi: FastifyPluginAsyncTypebox<{ requests: RequestService; keys: Keys; deliveryRetry?: DeliveryRetry }> = async (app, { requests, keys, deliveryRetry }) => {
  app.get('/privacy-requests/deletion-follow-ups', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Completed deletions that did not reach every destination for certain (a tool's job failed, or was never confirmed): a person must follow up, then confirm it (POST .../deletion-follow-ups/:destinationId/confirm)",
      response: { 200: RequestList },
    },
  }, async (request) => {
    const now = Date.now();
    return { requests: (await requests.withDeletionFollowUps(principalOf(request).workspaceId)).map((r) => requestView(r, now)) };
  });

  app.get('/privacy-requests/correction-follow-ups', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Completed corrections with a recipient whose delivery of the corrected identify failed (the router gave up), or one sent it again still on its way: send it again once the destination can take it (POST .../retry-recipients), or confirm it was told another way',
      response: { 200: RequestList },
    },
  }, async (request) => {
    const now = Date.now();
    return { requests: (await requests.withCorrectionFollowUps(principalOf(request).workspaceId)).map((r) => requestView(r, now)) };
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
