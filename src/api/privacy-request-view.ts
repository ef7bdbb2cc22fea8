import { Type, type Static } from '@sinclair/typebox';
import { correctionRecipientsOf } from '../privacy/requests/correction.js';
import { correctionFollowUps } from '../privacy/requests/correction-follow-up.js';
import { deletionCertificateOf } from '../privacy/requests/certificate.js';
import { deletionFollowUps, handConfirmations } from '../privacy/requests/deletion-follow-up.js';
import { SUBJECT_EMAIL_KINDS, SUBJECT_EMAIL_STATUSES, type SubjectEmail, type SubjectEmailRepository } from '../privacy/requests/subject-email-repository.js';
import { objectionDecisionsOf, objectionPurposesToDecide } from '../privacy/requests/objection-purposes.js';
import { isAnswered, isReceiptOverdue, REQUEST_STATUSES, type PrivacyRequest, type RequestTransition } from '../privacy/requests/request.js';

/** A union of string literals (a closed list of values in a schema). */
export const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const Iso = Type.String({ format: 'date-time' });

/** An email to the data subject about the request (decision 0802), as the privacy team sees it: never its address or text. */
export const SubjectEmailSchema = Type.Object({
  id: Type.String(),
  kind: literals(SUBJECT_EMAIL_KINDS),
  language: Type.String(),
  status: Type.Union(SUBJECT_EMAIL_STATUSES.map((s) => Type.Literal(s)), {
    description: '`queued` (not tried yet), `retrying` (the mail server did not take it: tried again at `nextAttemptAt`), `sent`, `gave_up` (refused, or not taken within the retry window: POST .../emails/:emailId/send-again)',
  }),
  attempts: Type.Integer(),
  queuedAt: Iso,
  lastError: Type.Union([Type.String(), Type.Null()], { description: "The mail server's last answer, addresses hidden" }),
  sentAt: Type.Union([Iso, Type.Null()]),
  nextAttemptAt: Type.Optional(Iso),
  gaveUpAt: Type.Optional(Iso),
  sentAgainBy: Type.Optional(Type.String()),
  sentAgainAt: Type.Optional(Iso),
});

export function subjectEmailView(e: SubjectEmail): Static<typeof SubjectEmailSchema> {
  const at = (ms: number) => new Date(ms).toISOString();
  return {
    id: e.id,
    kind: e.kind,
    language: e.language,
    status: e.status,
    attempts: e.attempts,
    queuedAt: at(e.createdAt),
    lastError: e.lastError,
    sentAt: e.sentAt === null ? null : at(e.sentAt),
    ...(e.status === 'retrying' && { nextAttemptAt: at(e.nextAttemptAt) }),
    ...(e.gaveUpAt !== null && { gaveUpAt: at(e.gaveUpAt) }),
    ...(e.sentAgainBy !== null && { sentAgainBy: e.sentAgainBy }),
    ...(e.sentAgainAt !== null && { sentAgainAt: at(e.sentAgainAt) }),
  };
}
export const RequestSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    status: literals(REQUEST_STATUSES),
    regulation: Type.String(),
    subject: Type.Record(Type.String(), Type.String()),
    channel: Type.String(),
    receivedAt: Iso,
    dueAt: Iso,
    receiptDueAt: Iso,
    language: Type.String({ description: 'The language the request was filed in: every email to the subject about it is written in it (ISO 639-1)' }),
    overdue: Type.Boolean(),
    /** Open, and its receipt not confirmed to the subject by `receiptDueAt` (CCPA 7021(a)). */
    receiptOverdue: Type.Boolean(),
    verified: Type.Boolean(),
    deletionFollowUps: Type.Optional(
      Type.Array(
        Type.Object({
          destinationId: Type.String(),
          name: Type.String(),
          type: Type.String(),
          reason: Type.Union([Type.Literal('failed'), Type.Literal('unconfirmed')]),
          detail: Type.String(),
          jobId: Type.Optional(Type.String()),
        }),
        { description: "A completed deletion's destinations a person must follow up: the tool's job failed, or was never confirmed" },
      ),
    ),
    deletionOutcomes: Type.Optional(
      Type.Array(
        Type.Object({ destinationId: Type.String(), name: Type.String(), type: Type.String(), outcome: Type.String(), detail: Type.String() }),
        { description: "A deletion's certificate in brief: what each destination answered the forwarded erasure (the signed certificate is the request's result)" },
      ),
    ),
    correctionRecipients: Type.Optional(
      Type.Array(
        Type.Object({
          destinationId: Type.String(),
          name: Type.String(),
          type: Type.String(),
          status: Type.String(),
          reason: Type.Union([Type.String(), Type.Null()]),
          detail: Type.Union([Type.String(), Type.Null()]),
          failedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When its delivery failed (the latest time); only while `failed`' })),
          retriedBy: Type.Optional(Type.String({ description: 'Who last sent it the corrected identify again (POST .../retry-recipients)' })),
          retriedAt: Type.Optional(Type.String({ format: 'date-time' })),
          confirmedBy: Type.Optional(Type.String({ description: 'Who confirmed by hand that it was told another way (POST .../correction-follow-ups/:destinationId/confirm); it then reads `delivered`, reason `confirmed_by_hand`' })),
          confirmedAt: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        { description: "A completed correction's recipients (GDPR 19): each destination the corrected identify was routed to, and its delivery's state (`delivered`, `dropped` with its reason, `failed`; `queued` or `retrying` while one sent again is on its way)" },
      ),
    ),
    correctionFollowUps: Type.Optional(
      Type.Array(
        Type.Object({
          destinationId: Type.String(),
          name: Type.String(),
          type: Type.String(),
          reason: Type.Union([Type.String(), Type.Null()], { description: 'Why its delivery failed, the latest time (`http_400`, `not_sent_again`, ...)' }),
          detail: Type.Union([Type.String(), Type.Null()], { description: "The destination's answer, the latest time" }),
          failedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When it failed, the latest time' })),
          retriedBy: Type.Optional(Type.String({ description: 'Present when it failed again after being sent again: who sent it' })),
          retriedAt: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        { description: "A completed correction's recipients whose delivery failed (the router gave up): the privacy team sends it again once the destination can take it (POST .../retry-recipients), or confirms it was told another way (POST .../correction-follow-ups/:destinationId/confirm)" },
      ),
    ),
    objectionPurposesToDecide: Type.Optional(
      Type.Array(Type.String(), { description: "An objection's purposes that name no consent category: it waits for the privacy team to decide each (POST .../objection-decision)" }),
    ),
    objectionDecisions: Type.Optional(
      Type.Array(
        Type.Object({ purpose: Type.String(), outcome: Type.Union([Type.Literal('stopped'), Type.Literal('refused')]), note: Type.String(), decidedBy: Type.String(), decidedAt: Type.String({ format: 'date-time' }) }),
        { description: "A completed objection's purposes the privacy team decided: stopped (what and where) or refused (the grounds)" },
      ),
    ),
    emails: Type.Optional(
      Type.Array(SubjectEmailSchema, { description: "The emails to the subject (or their agent) about the request, oldest first: what each is, and whether it reached the mail server (GET /privacy-requests/:id and the email follow-ups list)" }),
    ),
    closedWithoutDecision: Type.Optional(
      Type.Union([Type.Literal('superseded'), Type.Literal('never_verified')], {
        description: 'A denied request closed without a decision on it: made again by the subject before it was verified (`superseded`), or its emailed code never entered (`never_verified`). Not a denial in the request metrics',
      }),
    ),
    handConfirmations: Type.Optional(
      Type.Array(
        Type.Object({
          destinationId: Type.String(),
          name: Type.String(),
          type: Type.String(),
          confirmedBy: Type.String(),
          confirmedAt: Type.String(),
          withdrawable: Type.Boolean(),
        }),
        { description: "A completed deletion's destinations where a person confirmed the deletion by hand (POST .../deletion-follow-ups/:destinationId/withdraw takes it back)" },
      ),
    ),
  },
  { additionalProperties: true },
);

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

export type RequestView = Static<typeof RequestSchema>;

/** A request as the API shows it; `history` when the transitions are given, `emails` when its emails are. */
export function requestView(r: PrivacyRequest, now: number, history?: readonly RequestTransition[], emails?: readonly SubjectEmail[]): RequestView {
  const followUps = deletionFollowUps(r);
  const certificate = r.type === 'delete' ? deletionCertificateOf(r.result) : undefined;
  const confirmedByHand = handConfirmations(r);
  const recipients = r.type === 'correct' && r.status === 'completed' ? correctionRecipientsOf(r.result) : undefined;
  const correctionsToFollowUp = correctionFollowUps(r);
  const toDecide = objectionPurposesToDecide(r);
  const decided = r.type === 'object' && r.status === 'completed' ? objectionDecisionsOf(r.result) : undefined;
  const base: RequestView = {
    id: r.id,
    type: r.type,
    status: r.status,
    regulation: r.regulation,
    subject: Object.fromEntries(Object.entries(r.subject).filter((e): e is [string, string] => typeof e[1] === 'string')),
    channel: r.channel,
    receivedAt: new Date(r.receivedAt).toISOString(),
    dueAt: new Date(r.dueAt).toISOString(),
    receiptDueAt: new Date(r.receiptDueAt).toISOString(),
    language: r.language,
    overdue: !isAnswered(r) && now > r.dueAt,
    receiptOverdue: isReceiptOverdue(r, now),
    verified: r.verified,
  };
  return Object.assign(base, {
    ...(r.receiptConfirmedAt !== null && { receiptConfirmedAt: iso(r.receiptConfirmedAt) }),
    ...(r.verifiedBy !== null && { verifiedBy: r.verifiedBy }),
    ...(r.agent !== null && { agent: r.agent }),
    ...(r.contactEmail !== null && { contactEmail: r.contactEmail }),
    ...(Object.keys(r.params).length > 0 && { params: r.params }),
    ...(r.extendedAt !== null && { extension: { at: iso(r.extendedAt), reason: r.extensionReason } }),
    ...(r.respondedAt !== null && { respondedAt: iso(r.respondedAt) }),
    ...(r.denialReason !== null && { denialReason: r.denialReason }),
    ...(r.closedWithoutDecision !== undefined && { closedWithoutDecision: r.closedWithoutDecision }),
    ...(r.failure !== null && { failure: r.failure }),
    // A deletion whose certificate still waits on jobs running at asynchronous tools (Mixpanel, Amplitude).
    ...(r.type === 'delete' && r.statusCheckAt !== undefined && (r.status === 'completed' || r.status === 'failed') && { nextDeletionStatusCheckAt: iso(r.statusCheckAt) }),
    ...(followUps.length > 0 && { deletionFollowUps: followUps }),
    ...(certificate && { deletionOutcomes: certificate.destinations.map((d) => ({ destinationId: d.destinationId, name: d.name, type: d.type, outcome: d.outcome, detail: d.detail })) }),
    ...(confirmedByHand.length > 0 && { handConfirmations: confirmedByHand }),
    ...(recipients && { correctionRecipients: recipients }),
    ...(correctionsToFollowUp.length > 0 && { correctionFollowUps: correctionsToFollowUp }),
    ...(toDecide.length > 0 && { objectionPurposesToDecide: toDecide }),
    ...(decided && { objectionDecisions: decided }),
    createdBy: r.createdBy,
    ...(r.status === 'completed' && { resultUrl: `/api/v1/privacy-requests/${r.id}/result` }),
    ...(emails && { emails: emails.map(subjectEmailView) }),
    ...(history && {
      history: history.map((t) => ({ from: t.from, to: t.to, action: t.action, actor: t.actor, at: iso(t.at), ...(t.note !== null && { note: t.note }) })),
    }),
  });
}

export const RequestList = Type.Object({ requests: Type.Array(RequestSchema) });

/** A list of requests as the API shows it, each with its emails (one read of the emails for the whole list). */
export async function requestListView(emails: Pick<SubjectEmailRepository, 'ofRequests'>, workspaceId: string, requests: readonly PrivacyRequest[], now: number): Promise<{ requests: RequestView[] }> {
  const byRequest = new Map<string, SubjectEmail[]>();
  for (const email of await emails.ofRequests(workspaceId, requests.map((r) => r.id))) {
    const list = byRequest.get(email.requestId) ?? [];
    list.push(email);
    byRequest.set(email.requestId, list);
  }
  return { requests: requests.map((r) => requestView(r, now, undefined, byRequest.get(r.id) ?? [])) };
}
