import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** True when the request's Accept-Encoding takes gzip (by name or `*`) with a quality above 0. */
export function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name?.trim() !== 'gzip' && name?.trim() !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Sends a script or other text the browser fetches on every page view: gzipped when the browser takes gzip
 * (`gzipped` when already compressed, else compressed now), as it is otherwise, `Vary: Accept-Encoding` either way.
 */
export function sendMaybeGzipped(request: FastifyRequest, reply: FastifyReply, body: string | Buffer, gzipped?: Buffer): FastifyReply {
  // Added to what is there (CORS set `Vary: Origin` already).
  const vary = reply.getHeader('Vary');
  const varies = vary === undefined ? [] : String(vary).split(',').map((v) => v.trim());
  if (!varies.some((v) => v.toLowerCase() === 'accept-encoding')) reply.header('Vary', [...varies, 'Accept-Encoding'].join(', '));
  if (!acceptsGzip(request)) return reply.send(body);
  return reply.header('Content-Encoding', 'gzip').send(gzipped ?? gzipSync(body));
}
