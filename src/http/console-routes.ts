import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { browserPublicUrl } from './browser-public-url.js';
import { noRoute } from './no-route.js';

/** Where `npm run build` writes the console (console/dist at the package root, from src/http or dist/http). */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/** Paths that belong to the server, never to the console's client-side routes. */
const SERVER_PATHS = /^\/(api|v1|health|metrics|analytics\.js|analytics-next|consent\.js|privacy-api|console\/config\.json)(\/|$|\?)/;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Sluice console not built</title>
<body style="font-family:system-ui;max-width:40rem;margin:10vh auto">
<h1>The console is not built</h1><p>Run <code>npm run build</code> (or <code>npm ci</code>, which builds it) and restart Sluice.</p>
<p>The admin API works without it: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body>`;

export interface ConsoleOptions {
  publicUrl: string;
  /** The built console; default console/dist. */
  dist?: string;
}

/**
 * Serves the console (React app built by Vite) at `/`: hashed assets with long caching, and `index.html`
 * for every other GET of a page path (client-side routes such as /sources/src_1), without ever answering
 * for the server's own paths (/api, /v1, /health, /metrics, /analytics.js, /consent.js, ...).
 */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const dist = options.dist ?? CONSOLE_DIST;
  const indexFile = `${dist}index.html`;
  const built = existsSync(indexFile);
  const index = built ? readFileSync(indexFile, 'utf8') : NOT_BUILT;

  if (built && existsSync(`${dist}assets`)) {
    await app.register(fastifyStatic, {
      root: `${dist}assets`,
      prefix: '/assets/',
      wildcard: true,
      index: false,
      immutable: true,
      maxAge: '365d',
      cacheControl: true,
    });
  }

  // The address the snippets the console shows use (the one the browser used when none is configured).
  const publicUrlOf = browserPublicUrl(options.publicUrl);
  app.get('/console/config.json', { schema: { hide: true } }, async (request) => ({ publicUrl: publicUrlOf(request) }));

  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (SERVER_PATHS.test(path) || path.startsWith('/assets/')) {
      throw noRoute(request.method, path);
    }
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(index);
  };
  app.get('/', { schema: { hide: true } }, sendIndex);
  app.get('/*', { schema: { hide: true } }, sendIndex);
}
