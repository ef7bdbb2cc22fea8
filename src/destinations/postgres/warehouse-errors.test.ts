import { describe, expect, it } from 'vitest';
import { classifyWarehouseError } from './index.js';

const failure = (code: string | undefined, message: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

describe('classifyWarehouseError', () => {
  it.each([
    ['57P01', 'terminating connection due to administrator command', { kind: 'retry', reason: 'postgres_57p01' }],
    ['53300', 'sorry, too many clients already', { kind: 'retry', reason: 'postgres_53300' }],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432', { kind: 'retry', reason: 'network_error' }],
    [undefined, 'Connection terminated unexpectedly', { kind: 'retry', reason: 'network_error' }],
    ['28P01', 'password authentication failed', { kind: 'abort', reason: 'warehouse_auth_failed' }],
    ['3D000', 'database "nope" does not exist', { kind: 'abort', reason: 'warehouse_database_missing' }],
  ])('%s (%s) -> %o', (code, message, expected) => {
    expect(classifyWarehouseError(failure(code, message))).toMatchObject(expected);
  });
});
