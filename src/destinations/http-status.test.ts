import { describe, expect, it } from 'vitest';
import { classifyHttpStatus, retryAfterMs } from './http-status.js';

describe('classifyHttpStatus', () => {
  it.each([
    [200, 'ok'],
    [204, 'ok'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'abort'],
    [401, 'abort'],
    [404, 'abort'],
    [413, 'abort'],
  ])('classifies %i as %s', (status, kind) => {
    expect(classifyHttpStatus(status).kind).toBe(kind);
  });

  it('honours Retry-After in seconds and as a date, capped at five minutes', () => {
    expect(classifyHttpStatus(429, { 'retry-after': '7' })).toMatchObject({ kind: 'retry', afterMs: 7000 });
    expect(retryAfterMs('99999')).toBe(300_000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('names the status in the retry reason too, so counters and alerts can say why events wait', () => {
    expect(classifyHttpStatus(503, {}, 'down')).toEqual({ kind: 'retry', reason: 'http_503', error: 'HTTP 503: down' });
    expect(classifyHttpStatus(429, { 'retry-after': '2' })).toEqual({ kind: 'retry', reason: 'http_429', error: 'HTTP 429', afterMs: 2000 });
  });

  it('names the status in the abort reason', () => {
    expect(classifyHttpStatus(403, {}, 'bad key')).toEqual({ kind: 'abort', reason: 'http_403', error: 'HTTP 403: bad key' });
  });

  it('aborts a redirect that was not followed, naming the new address to configure', () => {
    expect(classifyHttpStatus(301, { location: 'https://hooks.example/in' })).toEqual({
      kind: 'abort', reason: 'http_301',
      error: "HTTP 301: the destination moved to https://hooks.example/in; a request with a body is sent again only for 307 or 308, so set the destination's URL to the new address",
    });
  });
});
