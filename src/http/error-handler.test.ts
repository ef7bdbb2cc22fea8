import { describe, expect, it } from 'vitest';
import { SluiceError } from '../core/errors.js';
import { toSluiceError } from './error-handler.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('toSluiceError', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['PostgreSQL shutting down (57P01)', withCode('terminating connection due to administrator command', '57P01')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect')],
    ['SQLite locked past its busy timeout', withCode('database is locked', 'SQLITE_BUSY')],
  ])('answers %s as 503 storage_unavailable with Retry-After, not as a bug', (_case, raw) => {
    const error = toSluiceError(raw);
    expect(error).toMatchObject({ code: 'storage_unavailable', status: 503, details: { retryAfterSeconds: 5 } });
  });

  it('answers a value PostgreSQL text cannot hold (U+0000, SQLSTATE 22021) as 400 validation_failed saying what to remove', () => {
    const error = toSluiceError(withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021'));
    expect(error).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(error.message).toBe('A value in the request holds the character U+0000 (\\u0000 in JSON, %00 in a URL), which the database cannot store; remove it and send the request again.');
  });

  it('keeps other errors internal (500) and Sluice errors as they are', () => {
    expect(toSluiceError(new TypeError("Cannot read properties of undefined (reading 'x')")).code).toBe('internal_error');
    expect(toSluiceError(withCode('duplicate key value violates unique constraint', '23505')).code).toBe('internal_error');
    const own = new SluiceError('not_found', 'No such thing.');
    expect(toSluiceError(own)).toBe(own);
  });
});
