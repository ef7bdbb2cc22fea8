import type { FastifyRequest } from 'fastify';

/**
 * The public URL to tell a browser (scripts' CDN and API host, the console's snippets), per request. The configured
 * one, unless it names no address a browser can use: port 0 (PORT=0, ephemeral runs) or the wildcard address the
 * server listens on (HOST=0.0.0.0 or ::, as in a container), both what the default `http://HOST:PORT` gives without
 * SLUICE_PUBLIC_URL. Then the address the browser used to reach this server stands in for it: a browser sent to
 * 0.0.0.0 reaches nothing on Windows or another machine, and Chrome blocks it from public sites.
 */
export function browserPublicUrl(publicUrl: string): (request: FastifyRequest) => string {
  const url = new URL(publicUrl);
  const unreachable = url.port === '0' || url.hostname === '0.0.0.0' || url.hostname === '[::]';
  return unreachable ? (request) => `${request.protocol}://${request.host}` : () => publicUrl;
}
