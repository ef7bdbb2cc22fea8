import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { acceptsGzip } from './gzip-reply.js';

const withEncoding = (value: string | undefined) => ({ headers: value === undefined ? {} : { 'accept-encoding': value } }) as FastifyRequest;

describe('acceptsGzip', () => {
  it('takes gzip as browsers ask for it, by name or *', () => {
    expect(acceptsGzip(withEncoding('gzip, deflate, br, zstd'))).toBe(true);
    expect(acceptsGzip(withEncoding('br;q=1.0, GZIP;q=0.5'))).toBe(true);
    expect(acceptsGzip(withEncoding('*'))).toBe(true);
  });
  it('not when absent, refused with q=0, or only other encodings', () => {
    expect(acceptsGzip(withEncoding(undefined))).toBe(false);
    expect(acceptsGzip(withEncoding('identity'))).toBe(false);
    expect(acceptsGzip(withEncoding('gzip;q=0, br'))).toBe(false);
    expect(acceptsGzip(withEncoding('x-gzip-like'))).toBe(false);
  });
});
