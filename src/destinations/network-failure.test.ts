import { describe, expect, it } from 'vitest';
import { RequestTimeoutError } from './http/destination-http.js';
import { retryOfNetworkFailure } from './network-failure.js';

describe('retryOfNetworkFailure', () => {
  it('names a timeout apart from other network failures', () => {
    expect(retryOfNetworkFailure(new RequestTimeoutError('POST timed out after 200 ms', 200))).toEqual({ kind: 'retry', reason: 'timeout', error: 'POST timed out after 200 ms' });
    expect(retryOfNetworkFailure(new Error('connect ECONNREFUSED 127.0.0.1:9'), 'network error: ')).toEqual({
      kind: 'retry', reason: 'network_error', error: 'network error: connect ECONNREFUSED 127.0.0.1:9',
    });
    expect(retryOfNetworkFailure('socket hang up')).toMatchObject({ reason: 'network_error', error: 'socket hang up' });
  });
});
