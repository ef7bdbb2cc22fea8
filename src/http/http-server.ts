import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import { authenticate, checkPermission } from '../api/api-auth.js';
import { apiPlugin, type ApiExtension } from '../api/api-plugin.js';
import { SluiceError } from '../core/errors.js';
import { browserRoutes } from '../ingest/browser-routes.js';
import { trackingRoutes, type TrackingDeps } from '../ingest/tracking-routes.js';
import type { SourceResolver } from '../ingest/source-resolver.js';
import type { Keys } from '../core/crypto/keys.js';
import type { Mailer } from '../mail/mailer.js';
import type { Metrics } from '../observability/metrics.js';
import type { ChangeFeed } from '../runtime/change-feed.js';
import type { Store } from '../store/store.js';
import { frameworkError, installErrorHandling } from './error-handler.js';
import { defaultSchemaErrors } from '../api/validation-messages.js';
import { registerSchemaCompilations, SchemaCompilations } from './compiled-schemas.js';
import { requestValidators } from './request-validators.js';
import { responseSerializers } from './response-serializers.js';

export interface HttpServerOptions {
  logger: Logger;
  publicUrl: string;
  store: Store;
  metrics: Metrics;
  changes: ChangeFeed;
  /** Present when this process runs the ingest role. */
  tracking?: TrackingDeps;
  sources: SourceResolver;
  /** Present when this process runs the api role. */
  api?: { extensions: readonly ApiExtension[]; mailer: Mailer; keys: Keys };
  /** Extra top-level plugins (console, consent script, ...). */
  plugins?: readonly ((app: FastifyInstance) => Promise<void>)[];
  /** `starting` until the server listens, `stopping` once the process shuts down: `/health` answers 503 with it. */
  state: () => 'starting' | 'ready' | 'stopping';
  /** SLUICE_TRUSTED_PROXIES: whose X-Forwarded-For is believed (empty: nobody's). */
  trustedProxies: readonly string[];
  /**
   * Why this process cannot do its work now (its queue connection is down, or, for a process that needs its store
   * for all its work, PostgreSQL), or undefined: `/health` answers 503 with it.
   */
  unavailable?: () => string | undefined | Promise<string | undefined>;
}

/** Builds the one HTTP server of a process with the routes of the roles it runs. */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const compilations = new SchemaCompilations();
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Forwarding headers only from the configured proxies (SLUICE_TRUSTED_PROXIES), never from any client.
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    bodyLimit: 1024 * 1024,
    keepAliveTimeout: 65_000,
    // Requests arriving while the server drains are refused by our own hook (below), in Sluice's error shape with
    // Retry-After; Fastify's would answer its own body, without either.
    return503OnClosing: false,
    // Bodies validated as sent, query strings, path parameters and headers converted from text (decision 0302).
    // Every schema error in words (each wrong field once, literal choices listed); routes with hints set their own.
    schemaErrorFormatter: defaultSchemaErrors,
    // Each route's validator and serializer compiled at its first use, once per process for each schema (decision 0010).
    schemaController: { compilersFactory: { buildValidator: requestValidators(compilations), buildSerializer: responseSerializers(compilations) } },
    // A path the router cannot read (a "%" not followed by two hex digits) is answered in Sluice's error shape with a
    // code of docs/errors.md, not Fastify's own body.
    frameworkErrors: (raw, _request, reply) => {
      const error = frameworkError(raw);
      const answer: FastifyReply = reply;
      void answer.code(error.status).send(error.toBody());
    },
  });
  registerSchemaCompilations(app, compilations);
  installErrorHandling(app);
  // A request that reaches a process shutting down (SIGTERM, a rolling restart: a keep-alive connection still open)
  // is refused before any route runs, and the connection closed after the answer, so the client's retry opens a new
  // one (to another process behind a load balancer).
  app.addHook('onRequest', async (request, reply) => {
    // `/health` answers for itself (`{"status":"stopping"}`), in the shape monitoring reads.
    if (options.state() === 'stopping' && request.routeOptions.url !== '/health') {
      void reply.header('Connection', 'close');
      throw new SluiceError('not_ready', 'This Sluice process is shutting down; nothing was accepted or changed. Send the request again after the Retry-After delay (another process takes it, or this one once restarted).', { retryAfterSeconds: 1 });
    }
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Sluice admin API', version: '1', description: 'Authenticate with Authorization: Bearer <token>. Errors: {"error":{"code","message"}}; codes in docs/errors.md.' },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          writeKey: { type: 'http', scheme: 'basic', description: "A source's writeKey as the user name and an empty password (public, browser-facing routes)" },
        },
      },
      security: [{ bearer: [] }],
    },
  });

  app.get('/health', { schema: { hide: true } }, async (_request, reply) => {
    const state = options.state();
    if (state !== 'ready') return reply.code(503).send({ status: state });
    const down = await options.unavailable?.();
    if (down !== undefined) return reply.code(503).send({ status: 'unavailable', reason: down });
    return { status: 'ok' };
  });

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    // A Bearer token, or a console session cookie (the console's overview reads it); a GET needs no CSRF token.
    const principal = await authenticate(options.store, request);
    if (!principal) throw new SluiceError('unauthorized', 'Send the admin token (Authorization: Bearer <token>), or log in to the console.');
    // As on the admin API: a member who must set a new password first, or a role without metrics:read, is refused.
    checkPermission(principal, 'metrics:read');
    return reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  if (options.tracking) {
    const tracking = options.tracking;
    // The public browser-facing scope: CORS (preflight included) for any origin. Retry-After is not a
    // CORS-safelisted response header: unexposed, analytics.js on another origin reads null on a 429 and
    // retries on its own short backoff (giving up after 10 tries) instead of waiting as Sluice asked.
    await app.register(async (scope) => {
      await scope.register(cors, { origin: true, methods: ['GET', 'POST', 'OPTIONS'], maxAge: 86400, exposedHeaders: ['Retry-After'] });
      await scope.register(async (inner) => trackingRoutes(inner, tracking));
      await scope.register(async (inner) => browserRoutes(inner, { sources: options.sources, publicUrl: options.publicUrl }));
    });
  }
  if (options.api) {
    const { extensions, mailer, keys } = options.api;
    await app.register(async (scope) => apiPlugin(scope, { store: options.store, changes: options.changes, extensions, mailer, keys, publicUrl: options.publicUrl }), { prefix: '/api/v1' });
  }
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
}
