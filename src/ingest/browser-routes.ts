import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../core/errors.js';
import type { Source } from '../core/source.js';
import { acceptsGzip, sendMaybeGzipped } from '../http/gzip-reply.js';
import { sendScriptError } from '../http/script-error-reply.js';
import { browserPublicUrl } from '../http/browser-public-url.js';
import type { SourceResolver } from './source-resolver.js';

const require = createRequire(import.meta.url);

/** The folder of @segment/analytics-next's browser bundles (standalone.js and its lazy chunks). */
function bundleDir(): string {
  return path.join(path.dirname(require.resolve('@segment/analytics-next/package.json')), 'dist', 'umd');
}

export interface BrowserDeps {
  sources: SourceResolver;
  publicUrl: string;
}

/**
 * What the browser library needs from a CDN, served by Sluice itself so Segment's snippet works with only
 * its host changed: the library, its lazily loaded chunks, and per-source settings that point it back here.
 */
export async function browserRoutes(app: FastifyInstance, deps: BrowserDeps): Promise<void> {
  // Not part of the admin API's OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  const dir = bundleDir();
  // Its source map comment is relative (standalone.js.map), which from /analytics.js/v1/<key>/ names nothing:
  // it points at the map served below instead, the map moved one line down past the prelude.
  const standalone = (await readFile(path.join(dir, 'standalone.js'), 'utf8')).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  const standaloneMap = JSON.parse(await readFile(path.join(dir, 'standalone.js.map'), 'utf8')) as { mappings: string; file?: string };
  const libraryMap = JSON.stringify({ ...standaloneMap, file: 'analytics.min.js', mappings: `;${standaloneMap.mappings}` });
  const files = await readdir(dir);
  const chunks = new Set(files.filter((f) => f.endsWith('.js')));
  const chunkMaps = new Set(files.filter((f) => f.endsWith('.js.map')));
  const gzippedChunks = new Set(files.filter((f) => f.endsWith('.js.gz')));
  // analytics.min.js gzipped, by its prelude (the source's writeKey and the public URL).
  const compressed = new Map<string, Buffer>();
  const browserUrlOf = browserPublicUrl(deps.publicUrl);
  const publicUrlOf = (request: FastifyRequest): URL => new URL(browserUrlOf(request));

  app.get<{ Params: { writeKey: string } }>('/analytics.js/v1/:writeKey/analytics.min.js', async (request, reply) => {
    let source: Source;
    try {
      source = await deps.sources.resolve(request.params.writeKey);
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      // The snippet's stub stays in place and queues calls silently: the console is where the developer looks.
      return sendScriptError(reply, 'Sluice analytics.js', error, 'Load /analytics.js/v1/<your source\'s writeKey>/analytics.min.js (the source page in the console shows the snippet).');
    }
    const cdn = publicUrlOf(request).href.replace(/\/+$/, '');
    // analytics.js takes its CDN from analytics._cdn before the script URL (which it only trusts over https).
    const prelude = `(function(){var k=(document.querySelector('script[data-global-segment-analytics-key]')||{dataset:{}}).dataset.globalSegmentAnalyticsKey||'analytics';var a=window[k]=window[k]||[];a._cdn=a._cdn||${JSON.stringify(cdn)};if(!a._writeKey)a._writeKey=${JSON.stringify(source.writeKey)};})();\n`;
    const body = `${prelude}${standalone}//# sourceMappingURL=${cdn}/analytics-next/bundles/analytics.min.js.map\n`;
    // About 115 KB as is, 40 KB gzipped: compressed once per source and public URL, not per page view.
    let gzipped: Buffer | undefined;
    if (acceptsGzip(request)) {
      gzipped = compressed.get(prelude);
      if (gzipped === undefined) {
        gzipped = gzipSync(body);
        if (compressed.size >= 1000) compressed.clear();
        compressed.set(prelude, gzipped);
      }
    }
    reply.type('application/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=60');
    return sendMaybeGzipped(request, reply, body, gzipped);
  });

  app.get<{ Params: { file: string } }>('/analytics-next/bundles/:file', async (request, reply) => {
    const file = request.params.file;
    // Source maps, for the browser's developer tools: the chunks' own, and analytics.min.js's.
    if (file === 'analytics.min.js.map') return sendMaybeGzipped(request, reply.type('application/json; charset=utf-8').header('Cache-Control', 'public, max-age=3600'), libraryMap);
    if (chunkMaps.has(file)) {
      reply.type('application/json; charset=utf-8').header('Cache-Control', 'public, max-age=31536000, immutable');
      if (acceptsGzip(request) && files.includes(`${file}.gz`)) return sendMaybeGzipped(request, reply, '', await readFile(path.join(dir, `${file}.gz`)));
      return sendMaybeGzipped(request, reply, await readFile(path.join(dir, file)));
    }
    if (!chunks.has(file)) throw new SluiceError('not_found', `No analytics.js chunk named ${file}.`);
    reply.type('application/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=31536000, immutable');
    // The package ships each chunk gzipped beside it.
    if (acceptsGzip(request) && gzippedChunks.has(`${file}.gz`)) return sendMaybeGzipped(request, reply, '', await readFile(path.join(dir, `${file}.gz`)));
    return sendMaybeGzipped(request, reply, await readFile(path.join(dir, file)));
  });

  app.get<{ Params: { writeKey: string } }>('/v1/projects/:writeKey/settings', async (request, reply) => {
    const source = await deps.sources.resolve(request.params.writeKey);
    const publicUrl = publicUrlOf(request);
    const apiHost = `${publicUrl.host}${publicUrl.pathname.replace(/\/$/, '')}/v1`;
    const protocol = publicUrl.protocol.replace(':', '');
    return reply.header('Cache-Control', 'public, max-age=60').send({
      integrations: { 'Segment.io': { apiKey: source.writeKey, apiHost, protocol, unbundledIntegrations: [], addBundledMetadata: true } },
      plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
      edgeFunction: {},
      analyticsNextEnabled: true,
      middlewareSettings: {},
      enabledMiddleware: {},
      metrics: { sampleRate: 0 },
      legacyVideoPluginsEnabled: false,
      remotePlugins: [],
    });
  });
}
