import type { FastifyInstance } from 'fastify';
import { isBannerVersion } from '../../core/consent/banner-content.js';
import { SluiceError } from '../../core/errors.js';
import { isBlockedIdentifier } from '../../core/identity/blocked-identifiers.js';
import type { SubjectIdentifier } from '../../core/privacy/subject.js';
import type { Source } from '../../core/source.js';
import type { PrivacyServices } from '../privacy-services.js';

/** Date this deployment's GPC support was last changed (`/.well-known/gpc.json` `lastUpdate`). */
export const GPC_SUPPORT_UPDATED = '2026-11-30';

export interface PublicConsentDeps {
  privacy: PrivacyServices;
  /** writeKey -> source (the ingest SourceResolver). */
  resolveSource: (writeKey: string | undefined) => Promise<Source>;
}

function writeKeyOf(authorization: string | undefined, body: Record<string, unknown>): string | undefined {
  if (authorization && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const key = decoded.split(':')[0];
    if (key) return key;
  }
  return typeof body.writeKey === 'string' && body.writeKey !== '' ? body.writeKey : undefined;
}

function str(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 1000) throw new SluiceError('validation_failed', `"${key}" must be a non-empty string of at most 1000 characters.`);
  return value;
}

/**
 * Public, browser-reachable privacy routes:
 * - `POST /v1/consent` records a consent choice server-side (a preference centre or banner backend),
 *   authenticated by writeKey like the Tracking API, with CORS for any origin. Body:
 *   `{userId?, anonymousId?, email?, categoryPreferences: {analytics: true, ...}, source?: 'banner'|'api', policyVersion?, bannerVersion?}`
 *   (`bannerVersion`: the `version` of the banner wording shown, from `/v1/consent/:writeKey/categories`).
 *   A `Sec-GPC: 1` header is recorded as a GPC signal for the subject too.
 * - `GET /v1/consent/:writeKey/denials?anonymousId=...`: the categories a browser's earlier opt-out or
 *   objection request (a binding ledger denial) or a GPC signal recorded for it (or any identity linked to it)
 *   holds off, so the consent banner shows them off and stops re-sending its older grant of them (which, sent
 *   again as a changed choice, would have lifted the denial). Only category ids: nothing about the person.
 * - `GET /.well-known/gpc.json` per the Global Privacy Control spec.
 */
export async function publicConsentRoutes(app: FastifyInstance, deps: PublicConsentDeps): Promise<void> {
  app.get('/.well-known/gpc.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=86400').type('application/json').send({ gpc: true, lastUpdate: GPC_SUPPORT_UPDATED }),
  );

  await app.register(async (scope) => {
    // CORS by hand: @fastify/cors always declares `OPTIONS *`, which the Tracking API's scope already owns.
    scope.addHook('onRequest', async (request, reply) => {
      reply.header('access-control-allow-origin', request.headers.origin ?? '*').header('vary', 'Origin');
    });
    scope.options('/v1/consent', { schema: { hide: true } }, async (request, reply) => {
      const origin = request.headers.origin;
      const requested = request.headers['access-control-request-headers'];
      return reply
        .code(204)
        .header('access-control-allow-origin', origin ?? '*')
        .header('vary', 'Origin')
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', typeof requested === 'string' ? requested : 'authorization, content-type')
        .header('access-control-max-age', '86400')
        .send();
    });
    scope.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, text, done) => {
      try {
        done(null, JSON.parse(text as string));
      } catch {
        done(new SluiceError('invalid_json', 'The body is not JSON.'), undefined);
      }
    });
    scope.get<{ Params: { writeKey: string }; Querystring: { anonymousId?: string } }>('/v1/consent/:writeKey/denials', { schema: { hide: true } }, async (request, reply) => {
      const source = await deps.resolveSource(request.params.writeKey);
      const anonymousId = request.query.anonymousId;
      if (typeof anonymousId !== 'string' || anonymousId === '' || anonymousId.length > 500) {
        throw new SluiceError('validation_failed', '"anonymousId" must be the browser\'s analytics.js anonymousId (1 to 500 characters).');
      }
      reply.header('cache-control', 'no-store');
      if (isBlockedIdentifier(anonymousId)) return reply.send({ denied: [] });
      const { categories } = await deps.privacy.config.get(source.workspaceId);
      const current = await deps.privacy.consent.current(source.workspaceId, [{ type: 'anonymousId', value: anonymousId }]);
      const denied = categories
        .filter((c) => !c.required && ((c.gpc && current.gpcAt !== null) || (current.ledger[c.id]?.binding === true && !current.ledger[c.id]!.granted)))
        .map((c) => c.id);
      return reply.send({ denied });
    });
    scope.post('/v1/consent', { bodyLimit: 64 * 1024, schema: { hide: true } }, async (request, reply) => {
      const raw = request.body;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new SluiceError('invalid_body', 'Send a JSON object: {"userId": "...", "categoryPreferences": {"analytics": true}}.');
      const body = raw as Record<string, unknown>;
      const source = await deps.resolveSource(writeKeyOf(request.headers.authorization, body));
      const subjects: SubjectIdentifier[] = [];
      for (const type of ['userId', 'anonymousId', 'email'] as const) {
        const value = str(body, type);
        if (value !== undefined) subjects.push({ type, value });
      }
      if (subjects.length === 0) throw new SluiceError('no_user_anon_id', 'Name the subject: userId, anonymousId or email.');
      const preferences = body.categoryPreferences;
      if (!preferences || typeof preferences !== 'object' || Array.isArray(preferences)) {
        throw new SluiceError('validation_failed', '"categoryPreferences" must be an object such as {"analytics": true, "advertising": false}.');
      }
      const origin = body.source ?? 'banner';
      if (origin !== 'banner' && origin !== 'api') throw new SluiceError('validation_failed', '"source" must be "banner" (default) or "api".');
      const userAgent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null;
      const policyVersion = str(body, 'policyVersion') ?? null;
      const bannerVersion = body.bannerVersion ?? null;
      if (bannerVersion !== null && !isBannerVersion(bannerVersion)) throw new SluiceError('validation_failed', '"bannerVersion" must be the 64-hex-digit version of the banner wording shown, as /v1/consent/:writeKey/categories gives it.');
      const meta = { ip: request.ip, userAgent, ...(policyVersion !== null && { policyVersion }) };
      const recorded = await deps.privacy.consent.recordChoice(source.workspaceId, subjects, preferences as Record<string, boolean>, { ...meta, source: origin, bannerVersion });
      const gpc = request.headers['sec-gpc'] === '1';
      if (gpc) await deps.privacy.consent.recordGpc(source.workspaceId, subjects, meta);
      return reply.send({ success: true, recorded, gpc });
    });
  });
}
