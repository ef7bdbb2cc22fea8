import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RequestService } from '../privacy/requests/request-service.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';
import { RequestList, RequestSchema, requestView } from './privacy-request-view.js';

/**
 * Objections whose purposes name no consent category wait for the privacy team's decision (objection-purposes.ts,
 * decision 0607): listed, then decided purpose by purpose. Registered by `privacyRequestsApi`.
 */
export const privacyRequestObjectionsApi: FastifyPluginAsyncTypebox<{ requests: RequestService }> = async (app, { requests }) => {
  app.get('/privacy-requests/objection-decisions', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Objections waiting for the privacy team to decide on purposes no consent category covers (`objectionPurposesToDecide`), soonest due first: decide each (POST .../objection-decision)',
      response: { 200: RequestList },
    },
  }, async (request) => {
    const now = Date.now();
    return { requests: (await requests.awaitingObjectionDecisions(principalOf(request).workspaceId)).map((r) => requestView(r, now)) };
  });

  app.post('/privacy-requests/:id/objection-decision', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary: "Decide an objection's purposes that no consent category covers: each stopped (say what was stopped and where) or refused (the compelling legitimate grounds, GDPR Art. 21(1)); the request completes and the person is told",
      description:
        'Every purpose of `objectionPurposesToDecide`, exactly once, as written. A refusal of a purpose that reads as direct marketing is refused with 409 `direct_marketing_objection` (Art. 21(3): always honoured). ' +
        '409 `request_state_conflict` when the request waits on no decision. The completion (history and audit log) names who decided and each decision.',
      params: Type.Object({ id: Type.String() }),
      body: Type.Object(
        {
          decisions: Type.Array(
            Type.Object(
              {
                purpose: Type.String({ minLength: 1, description: 'A purpose of objectionPurposesToDecide, as written' }),
                outcome: Type.Union([Type.Literal('stopped'), Type.Literal('refused')]),
                note: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'stopped: what was stopped and where; refused: the compelling legitimate grounds (the person is told)' }),
              },
              { additionalProperties: false },
            ),
            { minItems: 1 },
          ),
        },
        { additionalProperties: false },
      ),
      response: { 200: RequestSchema },
    },
  }, async (request) => {
    const updated = await requests.decideObjection(principalOf(request).workspaceId, request.params.id, request.body.decisions, auditContext(request));
    return requestView(updated, Date.now());
  });
};
