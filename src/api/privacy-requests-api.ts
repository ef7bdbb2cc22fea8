import { Type, type Static } from '@sinclair/typebox';
import { EMAIL_PATTERN } from '../core/email-address.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { changedFields } from '../accounts/audit-changes.js';
import { AuditLog } from '../accounts/audit-log.js';
import { SluiceError } from '../core/errors.js';
import { LANGUAGES, type Language } from '../core/i18n/languages.js';
import { languageFor } from '../privacy/language-choice.js';
import type { Store } from '../store/store.js';
import { REGULATIONS } from '../privacy/requests/deadlines.js';
import { requestMetrics } from '../privacy/requests/request-metrics.js';
import { requestMetricsCsv } from '../privacy/requests/request-metrics-csv.js';
import type { RequestService, StepActor } from '../privacy/requests/request-service.js';
import { DEFAULT_REQUEST_SETTINGS, MAX_CLOSE_UNVERIFIED_DAYS, requestSettingsOf } from '../privacy/requests/request-settings.js';
import { REQUEST_STATUSES, REQUEST_TYPES, type PrivacyRequest } from '../privacy/requests/request.js';
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Keys } from '../core/crypto/keys.js';
import { accessExport, type ExportFormat } from '../privacy/requests/access-export.js';
import { accessExportHtml, categoryLabel, downloadErrorHtml } from '../privacy/requests/access-export-html.js';
import { consentCategoriesOf } from '../privacy/privacy-config.js';
import { knowReportHtml, type KnowReport } from '../privacy/requests/know-report-html.js';
import type { DeliveryRetry } from '../privacy/requests/correction-follow-up.js';
import { privacyRequestObjectionsApi } from './privacy-request-objections-api.js';
import { privacyRequestFollowUpsApi } from './privacy-request-follow-ups-api.js';
import { Iso, literals, RequestList, requestListView, RequestSchema, requestView } from './privacy-request-view.js';
import { verifyCertificate, type DeletionCertificate } from '../privacy/requests/certificate.js';
import { verifyDownloadLink } from '../privacy/requests/download-link.js';
import type { ExecutorPorts } from '../privacy/requests/ports.js';
import type { SubjectEmailOutbox } from '../privacy/requests/subject-email-outbox.js';
import { truncateIp } from '../core/privacy/truncate-ip.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';
import { IdParams } from './schemas.js';


const Identifier = Type.String({ minLength: 1, maxLength: 500 });
export const SubjectSchema = Type.Object(
  { userId: Type.Optional(Identifier), anonymousId: Type.Optional(Identifier), email: Type.Optional(Type.String({ pattern: EMAIL_PATTERN, maxLength: 320 })) },
  { additionalProperties: false },
);
export const AgentSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.String({ pattern: EMAIL_PATTERN, maxLength: 320 })),
    proofReference: Type.String({ minLength: 1, maxLength: 500, description: 'Reference of the signed permission or power of attorney (CCPA 7063)' }),
  },
  { additionalProperties: false },
);

export const CreateRequestBody = Type.Object(
  {
    type: literals(REQUEST_TYPES),
    subject: SubjectSchema,
    regulation: Type.Optional(literals(REGULATIONS)),
    traits: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'correct: the corrected traits' })),
    categories: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'object: consent categories objected to' })),
    purposes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'object: purposes objected to' })),
    suppress: Type.Optional(Type.Boolean({ description: 'delete: keep a hashed suppression entry so the subject stays deleted (default true)' })),
    verified: Type.Optional(Type.Boolean({ description: "The admin vouches for the subject's identity (audited)" })),
    agent: Type.Optional(AgentSchema),
    contactEmail: Type.Optional(Type.String({ pattern: EMAIL_PATTERN, maxLength: 320, description: 'Where notices go (default: the agent, then the subject)' })),
    language: Type.Optional(Type.String({ minLength: 1, maxLength: 35, description: `The language the notices to the subject are written in, ISO 639-1: ${LANGUAGES.join(', ')} (default en)` })),
  },
  { additionalProperties: false },
);
export type CreateRequestBody = Static<typeof CreateRequestBody>;

const Reason = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
const ContactEmailChange = Type.Object(
  {
    email: Type.String({ pattern: EMAIL_PATTERN, maxLength: 320, description: 'The address the request\'s emails go to from now on' }),
    reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why (kept in the history and the audit log)' }),
  },
  { additionalProperties: false },
);

export interface PrivacyRequestsApiDeps {
  store: Store;
  requests: RequestService;
  keys: Keys;
  ports: ExecutorPorts;
  /** The router's retry of one failed delivery (`FailedDeliveryRetry`), in processes with delivery queues: a correction sent again to failed recipients. */
  deliveryRetry?: DeliveryRetry;
  /** The outgoing mail to data subjects: an email given up sent again. */
  emails: SubjectEmailOutbox;
}

/** `html`: the access export or the know report as a page a person reads (the other results are JSON whatever is asked). */
const Format = Type.Union([Type.Literal('json'), Type.Literal('ndjson'), Type.Literal('html')]);
const FormatQuery = Type.Object({ format: Type.Optional(Type.Union(Format.anyOf, { default: 'json' })) });

/**
 * Data-subject requests: intake by admins, lifecycle actions, deadline lists, 7102 metrics, and the
 * workspace's request policy (its changes audited as `privacy_request_settings.update`).
 */
export const privacyRequestsApi: FastifyPluginAsyncTypebox<PrivacyRequestsApiDeps> = async (app, { store, requests, keys, ports, deliveryRetry, emails }) => {
  const audit = new AuditLog(store.audit);
  /** Sends a completed request's result: the access export streamed, otherwise the stored document. */
  const sendResult = async (reply: FastifyReply, found: PrivacyRequest, format: ExportFormat | 'html', by: StepActor, jsonLink?: string) => {
    if (found.status !== 'completed' && !(found.status === 'failed' && found.type === 'delete' && found.result !== null)) {
      throw new SluiceError('result_not_ready', `Request ${found.id} is ${found.status}; its result exists once it is completed.`);
    }
    await requests.recordDownload(found, by, found.type === 'access' ? `access export (${format})` : `${found.type} result`);
    const readable = (page: string | Readable) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store')
        .send(page);
    if (found.type === 'know' && format === 'html') {
      const categories = consentCategoriesOf((await store.workspaces.get(found.workspaceId))?.settings ?? {});
      return readable(knowReportHtml(found.result as KnowReport, found, jsonLink, categoryLabel(categories, found.language)));
    }
    if (found.type !== 'access') return reply.type('application/json').send(found.result);
    if (format === 'html') return readable(Readable.from(accessExportHtml({ store, ports }, found, jsonLink)));
    const stream = Readable.from(accessExport({ store, ports }, found, format));
    void reply.header('content-disposition', `attachment; filename="${found.id}.${format}"`);
    return reply.type(format === 'ndjson' ? 'application/x-ndjson' : 'application/json').send(stream);
  };

  app.get('/privacy-requests/:id/result', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'The access export (streamed JSON, NDJSON with ?format=ndjson, a readable page with ?format=html), the deletion certificate, or the report (a know report also as a readable page with ?format=html)',
      params: IdParams,
      querystring: FormatQuery,
    },
  }, async (request, reply) => {
    const found = await requests.load(principalOf(request).workspaceId, request.params.id);
    return sendResult(reply, found, request.query.format ?? 'json', auditContext(request));
  });

  /**
   * The language of the page a wrong download link answers with: an expired link's signature is right, so it names a
   * request and the page speaks the request's language; a link whose signature does not match names nothing we can
   * trust (looking its request up would tell anyone who makes up a link whether a request exists, and in what
   * language), so the page follows the browser's Accept-Language, as the hosted page does without `lang`.
   */
  const wrongLinkLanguage = async (check: 'expired' | 'invalid', workspaceId: string, requestId: string, acceptLanguage: string | undefined): Promise<Language> => {
    const browser = languageFor(undefined, acceptLanguage, 'the download page');
    if (check !== 'expired') return browser;
    const found = await store.privacyRequests.get(workspaceId, requestId);
    return found?.language ?? browser;
  };

  app.get('/privacy-requests/:id/download', {
    config: { permission: 'public' },
    schema: {
      tags: ['privacy-requests'],
      summary: "The subject's time-limited link to their result (sent in the completion notice; no token needed)",
      params: IdParams,
      querystring: Type.Object({ workspace: Type.String(), expires: Type.Integer(), signature: Type.String(), format: Type.Optional(Format) }),
      security: [],
    },
  }, async (request, reply) => {
    const q = request.query;
    const check = verifyDownloadLink(keys, { workspaceId: q.workspace, requestId: request.params.id, expiresAt: q.expires, signature: q.signature }, Date.now());
    if (check !== 'ok') {
      const message = check === 'expired' ? 'This download link has expired; ask the business to send you a new one.' : 'This download link is not valid; use the link from the email unchanged.';
      // The readable page's link is opened by a person in a browser: answer with a page, not JSON, in their language.
      if (q.format === 'html') {
        const language = await wrongLinkLanguage(check, q.workspace, request.params.id, request.headers['accept-language']);
        return reply
          .code(403)
          .type('text/html; charset=utf-8')
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
          .header('content-language', language)
          .header('vary', 'Accept-Language')
          .header('cache-control', 'no-store')
          .send(downloadErrorHtml(check, language));
      }
      throw new SluiceError('download_link_invalid', message);
    }
    const found = await requests.load(q.workspace, request.params.id);
    // The readable page links to the same data as JSON: the signed link without its format.
    const link = new URLSearchParams({ workspace: q.workspace, expires: String(q.expires), signature: q.signature });
    return sendResult(reply, found, q.format ?? 'json', { actor: 'subject (signed download link)', ip: truncateIp(request.ip) }, `download?${link.toString()}`);
  });

  app.post('/privacy-requests/certificates/verify', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Check that a deletion certificate is exactly as this installation signed it',
      body: Type.Record(Type.String(), Type.Unknown()),
      response: { 200: Type.Object({ valid: Type.Boolean() }) },
    },
  }, async (request) => ({ valid: verifyCertificate(keys, request.body as unknown as DeletionCertificate) }));

  app.post('/privacy-requests', {
    config: { permission: 'privacy:write' },
    schema: { tags: ['privacy-requests'], summary: 'Record a data-subject request', body: CreateRequestBody, response: { 201: RequestSchema } },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const body = request.body;
    const created = await requests.create(
      principal.workspaceId,
      {
        type: body.type,
        subject: body.subject,
        channel: 'admin_api',
        ...(body.regulation !== undefined && { regulation: body.regulation }),
        params: {
          ...(body.traits !== undefined && { traits: body.traits }),
          ...(body.categories !== undefined && { categories: body.categories }),
          ...(body.purposes !== undefined && { purposes: body.purposes }),
          ...(body.suppress !== undefined && { suppress: body.suppress }),
        },
        ...(body.verified !== undefined && { verified: body.verified }),
        ...(body.agent !== undefined && { agent: body.agent }),
        ...(body.contactEmail !== undefined && { contactEmail: body.contactEmail }),
        ...(body.language !== undefined && { language: body.language }),
      },
      auditContext(request),
    );
    return reply.code(201).send(requestView(created, Date.now()));
  });

  app.get('/privacy-requests', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'List requests, newest first',
      querystring: Type.Object({ status: Type.Optional(literals(REQUEST_STATUSES)), type: Type.Optional(literals(REQUEST_TYPES)), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
      response: { 200: RequestList },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    return requestListView(store.subjectEmails, workspaceId, await requests.list(workspaceId, request.query), Date.now());
  });

  app.get('/privacy-requests/overdue', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['privacy-requests'], summary: 'Open requests past their due date', response: { 200: RequestList } },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    return requestListView(store.subjectEmails, workspaceId, await requests.overdue(workspaceId), Date.now());
  });

  app.get('/privacy-requests/receipt-overdue', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Open requests whose receipt was not confirmed to the subject in time (CCPA: 10 business days), most overdue first',
      response: { 200: RequestList },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    return requestListView(store.subjectEmails, workspaceId, await requests.receiptOverdue(workspaceId), Date.now());
  });

  await app.register(privacyRequestObjectionsApi, { requests });
  await app.register(privacyRequestFollowUpsApi, { requests, keys, store, emails, ...(deliveryRetry && { deliveryRetry }) });

  app.get('/privacy-requests/due-soon', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Open requests due within `days` days (default 7), overdue ones included',
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, default: 7 })) }),
      response: { 200: RequestList },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    return requestListView(store.subjectEmails, workspaceId, await requests.dueSoon(workspaceId, request.query.days ?? 7), Date.now());
  });

  const CloseUnverifiedAfterDays = Type.Integer({
    minimum: 0,
    maximum: MAX_CLOSE_UNVERIFIED_DAYS,
    description: `Days after which a request made on the hosted page whose emailed code was never entered is denied, the subject told why; 0: never (such requests wait for an admin). Default ${DEFAULT_REQUEST_SETTINGS.closeUnverifiedAfterDays}, at most ${MAX_CLOSE_UNVERIFIED_DAYS} (before the GDPR's one-month deadline).`,
  });
  const SettingsSchema = Type.Object({ requireApproval: Type.Boolean(), defaultRegulation: literals(REGULATIONS), closeUnverifiedAfterDays: CloseUnverifiedAfterDays });
  app.get('/privacy-requests/settings', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['privacy-requests'], summary: "The workspace's request policy", response: { 200: SettingsSchema } },
  }, async (request) => requestSettingsOf(await store.workspaces.get(principalOf(request).workspaceId)));

  app.put('/privacy-requests/settings', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Require approval before processing; the default regulation; when unverified hosted-page requests are closed',
      body: Type.Object(
        { requireApproval: Type.Optional(Type.Boolean()), defaultRegulation: Type.Optional(literals(REGULATIONS)), closeUnverifiedAfterDays: Type.Optional(CloseUnverifiedAfterDays) },
        { additionalProperties: false },
      ),
      response: { 200: SettingsSchema },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    let before = DEFAULT_REQUEST_SETTINGS;
    let next = before;
    await store.workspaces.changeSettings(workspaceId, (settings) => {
      before = requestSettingsOf({ settings });
      next = { ...before, ...request.body };
      return { ...settings, privacyRequests: next };
    });
    await audit.record({ ...auditContext(request), action: 'privacy_request_settings.update', resourceType: 'privacy_request_settings', resourceId: workspaceId, ...changedFields(before, next) });
    return next;
  });

  /** A request as its own page shows it: with its history and its emails to the subject. */
  const shownWhole = async (workspaceId: string, r: PrivacyRequest) =>
    requestView(r, Date.now(), await store.privacyRequests.transitions(workspaceId, r.id), await store.subjectEmails.ofRequest(workspaceId, r.id));

  app.get('/privacy-requests/:id', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['privacy-requests'], summary: 'A request with its history', params: IdParams, response: { 200: RequestSchema } },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const found = await requests.load(workspaceId, request.params.id);
    return shownWhole(workspaceId, found);
  });

  const action = (path: string, summary: string, run: (workspaceId: string, id: string, by: StepActor, body: { reason?: string }) => Promise<PrivacyRequest>, withReason: boolean) => {
    app.post(`/privacy-requests/:id/${path}`, {
      config: { permission: 'privacy:write' },
      schema: { tags: ['privacy-requests'], summary, params: IdParams, ...(withReason ? { body: Reason } : {}), response: { 200: RequestSchema } },
    }, async (request) => {
      const updated = await run(principalOf(request).workspaceId, request.params.id, auditContext(request), (request.body ?? {}) as { reason?: string });
      return requestView(updated, Date.now());
    });
  };
  action('verify', "Confirm the subject's identity was verified", (ws, id, actor) => requests.verify(ws, id, actor, 'verified by an admin'), false);
  action('approve', 'Approve a verified request for processing', (ws, id, actor) => requests.approve(ws, id, actor), false);
  action('deny', 'Deny a request, with the reason the subject is told', (ws, id, actor, body) => requests.deny(ws, id, actor, body.reason!), true);
  action('extend', 'Extend the deadline once (GDPR +2 months, CCPA +45 days), with the reason', (ws, id, actor, body) => requests.extend(ws, id, actor, body.reason!), true);
  action('retry', 'Run a failed request again', (ws, id, actor) => requests.retry(ws, id, actor), false);
  action('send-link', 'Send the subject a new download link for a completed access or know request (theirs expired, or the email was lost), by email to the contact address', (ws, id, actor) => requests.sendNewLink(ws, id, actor), false);
  action('confirm-receipt', 'Record that receipt was confirmed to the subject another way (letter, call); an email to a contact address records it by itself', (ws, id, actor) => requests.recordReceiptConfirmation(ws, id, actor), false);

  app.post('/privacy-requests/:id/contact-email', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['privacy-requests'],
      summary:
        "Change where the request's emails go (the address was mistyped, or the mail server refused it and the person gave another), with the reason; audited as `privacy_request.contact_email_changed` with both addresses masked. Nothing already sent is sent again: a given-up email is sent to the new address with POST .../emails/:emailId/send-again",
      params: IdParams,
      body: ContactEmailChange,
      response: { 200: RequestSchema },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const body = request.body as { email: string; reason: string };
    const updated = await requests.changeContactEmail(workspaceId, request.params.id, auditContext(request), body.email, body.reason);
    return shownWhole(workspaceId, updated);
  });

  app.get('/reports/request-metrics', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['privacy-requests'],
      summary: 'Counts by type and outcome and median days to respond (CCPA 7102), requests closed without a decision (superseded, never verified) apart from denials; default: the last 12 months, every regulation',
      querystring: Type.Object({
        from: Type.Optional(Iso),
        to: Type.Optional(Iso),
        regulation: Type.Optional(Type.Union(REGULATIONS.map((r) => Type.Literal(r)), { description: "Only requests under this regulation (`ccpa` for the 7102 disclosure: GDPR requests are not California consumers' requests)" })),
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: '`csv`: the table to publish, one row per request type and the total (default `json`)' })),
      }),
    },
  }, async (request, reply) => {
    const to = request.query.to ? Date.parse(request.query.to) : Date.now();
    const from = request.query.from ? Date.parse(request.query.from) : to - 365 * 86_400_000;
    if (!(from < to)) throw new SluiceError('validation_failed', '`from` must be before `to`.');
    const { regulation } = request.query;
    const rows = (await store.privacyRequests.list(principalOf(request).workspaceId, { receivedFrom: from, receivedTo: to, limit: 1_000_000 })).filter((r) => regulation === undefined || r.regulation === regulation);
    const metrics = requestMetrics(rows, from, to);
    if (request.query.format === 'csv') {
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="request-metrics-${regulation ?? 'all'}-${day(from)}-${day(to)}.csv"`)
        .send(requestMetricsCsv(metrics));
    }
    return { ...metrics, ...(regulation !== undefined && { regulation }), from: new Date(metrics.from).toISOString(), to: new Date(metrics.to).toISOString() };
  });
};
