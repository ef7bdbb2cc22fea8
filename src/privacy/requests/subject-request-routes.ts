import { Type } from '@sinclair/typebox';
import { EMAIL_PATTERN } from '../../core/email-address.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../../core/errors.js';
import { LANGUAGES, type Language } from '../../core/i18n/languages.js';
import type { Source } from '../../core/source.js';
import { extractWriteKey } from '../../core/tracking/write-key.js';
import { languageFor } from '../language-choice.js';
import { REGULATIONS } from './deadlines.js';
import { PRIVACY_PAGE_SCRIPT, privacyPageErrorHtml, privacyPageHtml } from './privacy-page.js';
import type { PrivacyRequest } from './request.js';
import { SUBJECT_REQUEST_TYPES, type SubjectIntake } from './subject-intake.js';
import type { SubjectNewLinks } from './subject-new-links.js';

export interface SubjectRequestRoutesDeps {
  readonly intake: SubjectIntake;
  readonly newLinks: SubjectNewLinks;
  /** writeKey -> enabled source (the ingest SourceResolver); throws `unknown_source` / `source_disabled`. */
  readonly resolveSource: (writeKey: string | undefined) => Promise<Source>;
  /**
   * The workspace's controller as its disclosures name it (`PUT /disclosures/controller`): who the person asks, on
   * the hosted page. Undefined until described; the page then names the source.
   */
  readonly controllerName?: (workspaceId: string) => Promise<string | undefined>;
}

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const WriteKey = Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "The site's source writeKey, when not sent as Authorization: Basic base64(writeKey + ':')" }));

/**
 * A userId or anonymousId: text, or a number, which the Tracking API takes for one as Segment does (the events of
 * `identify(4711)` carry userId "4711"): the site may send its visitors' ids here as it sends them there. Request
 * bodies are not type-coerced (decision 0302), so the number is named here and turned into text by the route.
 */
const Identifier = (description: string) => Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Number()], { description });
const idText = (id: string | number | undefined): string | undefined => (typeof id === 'number' ? String(id) : id);

const Language = Type.Optional(Type.String({ minLength: 1, maxLength: 35, description: `The language the emails are written in, ISO 639-1: ${LANGUAGES.join(', ')} (default en; the hosted page sends the one it is shown in)` }));

const SubmitBody = Type.Object(
  {
    writeKey: WriteKey,
    type: literals(SUBJECT_REQUEST_TYPES),
    email: Type.Optional(Type.String({ pattern: EMAIL_PATTERN, maxLength: 320, description: 'Where the one-time code and the notices go; required for every type but opt_out and limit_sensitive' })),
    userId: Type.Optional(Identifier('Used only when linked to the email in this site’s records (or for opt_out / limit_sensitive)')),
    anonymousId: Type.Optional(Identifier('The browser’s anonymous id (analytics.js `ajs_anonymous_id`); same rule as userId')),
    regulation: Type.Optional(literals(REGULATIONS)),
    traits: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'correct: the corrected values' })),
    categories: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'object: consent categories objected to' })),
    purposes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50, description: 'object: purposes objected to' })),
    language: Language,
  },
  { additionalProperties: false },
);

const VerifyBody = Type.Object(
  { writeKey: WriteKey, code: Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code from the email' }) },
  { additionalProperties: false },
);

const LinkEmail = Type.String({ pattern: EMAIL_PATTERN, maxLength: 320, description: 'The address the answer to the request was sent to' });
const NewLinkBody = Type.Object({ writeKey: WriteKey, email: LinkEmail, language: Language }, { additionalProperties: false });
const NewLinkVerifyBody = Type.Object(
  { writeKey: WriteKey, email: LinkEmail, code: Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code from the email' }) },
  { additionalProperties: false },
);

const Iso = Type.String({ format: 'date-time' });
const Verification = Type.Object({
  method: Type.Literal('email'),
  sentTo: Type.String({ description: 'The address, masked' }),
  expiresAt: Iso,
  emailSent: Type.Boolean({ description: 'False when the mail server refused or was unreachable: make the request again later' }),
});
const NewLinkChallengeView = Type.Object({
  id: Type.String({ description: 'The reference of the code: the path of the verify call' }),
  verification: Verification,
});
const NewLinksView = Type.Object({
  sentTo: Type.String({ description: 'The address the new links were emailed to, masked' }),
  requests: Type.Array(
    Type.Object({ id: Type.String(), type: Type.String(), receivedAt: Iso, respondedAt: Type.Union([Iso, Type.Null()]) }),
    { description: 'The completed access and know requests answered at that address, each just emailed a new link (none: there are none)' },
  ),
});
const SubjectRequestView = Type.Object({
  id: Type.String({ description: 'The reference to quote; also the path of the verify call' }),
  type: Type.String(),
  status: Type.String({ description: '`verifying` until the code is entered; then `processing` (or `awaiting_approval`)' }),
  receivedAt: Iso,
  dueAt: Iso,
  verification: Type.Optional(Verification),
  ignoredIdentifiers: Type.Optional(Type.Array(Type.Object({ identifier: Type.String(), reason: Type.String() }))),
});

const iso = (ms: number) => new Date(ms).toISOString();
const view = (r: PrivacyRequest) => ({ id: r.id, type: r.type, status: r.status, receivedAt: iso(r.receivedAt), dueAt: iso(r.dueAt) });

/** The writeKey as the Tracking API reads it (Basic auth, else `writeKey` in the body). */
function writeKeyOf(request: FastifyRequest, body: { writeKey?: string | undefined }): string | undefined {
  return extractWriteKey(request.headers.authorization, body);
}

/**
 * The data subject's own privacy requests, public and browser-reachable (CORS for any origin), authenticated
 * by a source's writeKey like the Tracking API:
 * - `POST /v1/privacy-requests` records the request (its deadline starts) and, when it needs verification,
 *   emails a 6-digit code (answer `202` with `verification`);
 * - `POST /v1/privacy-requests/:id/verify {code}` checks it; the request then runs;
 * - `POST /v1/privacy-requests/new-link {email}` emails a code for a new download link (the same answer whether or
 *   not the address has a request), and `POST /v1/privacy-requests/new-link/:id/verify {email, code}` emails a new
 *   link for each completed access or know request answered at that address (subject-new-links.ts).
 * Rate limited per IP and per email address (`intake-limiter.ts`).
 */
export async function subjectRequestRoutes(app: FastifyInstance, deps: SubjectRequestRoutesDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      reply.header('access-control-allow-origin', request.headers.origin ?? '*').header('vary', 'Origin');
    });
    const preflight = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
      const requested = request.headers['access-control-request-headers'];
      return reply
        .code(204)
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', typeof requested === 'string' ? requested : 'authorization, content-type')
        .header('access-control-max-age', '86400')
        .send();
    };
    scope.options('/v1/privacy-requests', { schema: { hide: true } }, preflight);
    scope.options('/v1/privacy-requests/:id/verify', { schema: { hide: true } }, preflight);
    scope.options('/v1/privacy-requests/new-link', { schema: { hide: true } }, preflight);
    scope.options('/v1/privacy-requests/new-link/:id/verify', { schema: { hide: true } }, preflight);
    // Browser forms may send JSON as text/plain (no preflight).
    scope.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, text, done) => {
      try {
        done(null, JSON.parse(text as string));
      } catch {
        done(new SluiceError('invalid_json', 'The body is not JSON.'), undefined);
      }
    });

    // The hosted page (public like the endpoints it calls): GET /privacy?writeKey=...[&lang=de] and its script.
    scope.get('/privacy', { schema: { hide: true } }, async (request, reply) => {
      const { writeKey, lang } = request.query as { writeKey?: string; lang?: string };
      // Without lang, the page follows the visitor's Accept-Language: caches keep one copy per language asked for.
      reply.header('Vary', 'Origin, Accept-Language');
      let source: Source;
      let language: Language;
      try {
        source = await deps.resolveSource(writeKey || undefined);
        language = languageFor(typeof lang === 'string' ? lang : undefined, request.headers['accept-language'], 'the privacy page');
      } catch (error) {
        if (!(error instanceof SluiceError)) throw error;
        // A person opened a link: answer in a page, saying what the site owner must fix.
        const fix = error.code === 'validation_failed'
          ? `The link to this page takes ?writeKey=<your source's writeKey>&lang=<${LANGUAGES.join('|')}>, or no lang to follow the visitor's browser.`
          : 'The link to this page needs ?writeKey= followed by the writeKey of one of your Sluice sources.';
        return reply.code(error.status).type('text/html; charset=utf-8').send(privacyPageErrorHtml(`${error.message} ${fix}`));
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('Cache-Control', 'no-cache')
        .header('Content-Language', language)
        .header('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        .header('Referrer-Policy', 'no-referrer')
        .send(privacyPageHtml({ writeKey: source.writeKey, siteName: (await deps.controllerName?.(source.workspaceId)) ?? source.name, language }));
    });
    scope.get('/privacy/page.js', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(PRIVACY_PAGE_SCRIPT),
    );

    scope.post('/v1/privacy-requests', {
      bodyLimit: 64 * 1024,
      schema: {
        tags: ['subject-requests'],
        summary: "A data subject's own request (public; writeKey). Needs a 6-digit code emailed to the subject, except opt_out and limit_sensitive",
        security: [{ writeKey: [] }],
        body: SubmitBody,
        response: { 202: SubjectRequestView },
      },
    }, async (request, reply) => {
      const body = request.body as typeof SubmitBody.static;
      const source = await deps.resolveSource(writeKeyOf(request, body));
      const params = {
        ...(body.traits !== undefined && { traits: body.traits }),
        ...(body.categories !== undefined && { categories: body.categories }),
        ...(body.purposes !== undefined && { purposes: body.purposes }),
      };
      const result = await deps.intake.submit(
        source,
        {
          type: body.type,
          ...(body.email !== undefined && { email: body.email }),
          ...(body.userId !== undefined && { userId: idText(body.userId) }),
          ...(body.anonymousId !== undefined && { anonymousId: idText(body.anonymousId) }),
          ...(body.regulation !== undefined && { regulation: body.regulation }),
          ...(Object.keys(params).length > 0 && { params }),
          ...(body.language !== undefined && { language: body.language }),
        },
        request.ip,
      );
      return reply.code(202).send({
        ...view(result.request),
        ...(result.verification && { verification: { ...result.verification, expiresAt: iso(result.verification.expiresAt) } }),
        ...(result.ignored.length > 0 && { ignoredIdentifiers: result.ignored }),
      });
    });

    scope.post('/v1/privacy-requests/:id/verify', {
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['subject-requests'],
        summary: 'Confirm a subject request with the emailed code (10 minutes, 3 attempts); the request then runs',
        security: [{ writeKey: [] }],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        body: VerifyBody,
        response: { 200: SubjectRequestView },
      },
    }, async (request) => {
      const body = request.body as typeof VerifyBody.static;
      const source = await deps.resolveSource(writeKeyOf(request, body));
      const { id } = request.params as { id: string };
      return view(await deps.intake.verify(source, id, body.code, request.ip));
    });

    scope.post('/v1/privacy-requests/new-link', {
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['subject-requests'],
        summary: 'Ask for a new download link of a completed access or know request (the first expired): a 6-digit code is emailed to the address, whether or not it has a request',
        security: [{ writeKey: [] }],
        body: NewLinkBody,
        response: { 202: NewLinkChallengeView },
      },
    }, async (request, reply) => {
      const body = request.body as typeof NewLinkBody.static;
      const source = await deps.resolveSource(writeKeyOf(request, body));
      const challenge = await deps.newLinks.ask(source, body.email, request.ip, body.language);
      return reply.code(202).send({ id: challenge.id, verification: { ...challenge.verification, expiresAt: iso(challenge.verification.expiresAt) } });
    });

    scope.post('/v1/privacy-requests/new-link/:id/verify', {
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['subject-requests'],
        summary: 'Confirm the address with the emailed code (10 minutes, 3 attempts); each completed access or know request answered there is emailed a new link',
        security: [{ writeKey: [] }],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        body: NewLinkVerifyBody,
        response: { 200: NewLinksView },
      },
    }, async (request) => {
      const body = request.body as typeof NewLinkVerifyBody.static;
      const source = await deps.resolveSource(writeKeyOf(request, body));
      const { id } = request.params as { id: string };
      const renewed = await deps.newLinks.verify(source, id, body.email, body.code, request.ip);
      return { sentTo: renewed.sentTo, requests: renewed.requests.map((r) => ({ id: r.id, type: r.type, receivedAt: iso(r.receivedAt), respondedAt: r.respondedAt === null ? null : iso(r.respondedAt) })) };
    });
  });
}
