import { describe, expect, it } from 'vitest';
import { logLines } from '../../test/support/log-lines.js';
import { createLogger } from '../runtime/logger.js';
import { LeaseLostError, logQueueTrouble } from './queue-trouble.js';

describe('logQueueTrouble', () => {
  it('logs a lost lease at level error with its sentence as the message, as docs/deploying.md tells operators to watch for', () => {
    // The router logged it at warn under "delivery queue" (the sentence only inside err.message), so an alert on
    // error-level lines, or a search of messages for "lost the lease", missed routers cut off from NATS.
    const { stream, lines } = logLines();
    const onError = logQueueTrouble(createLogger({ logLevel: 'info' }, 'router', stream), 'delivery queue', 'warn');
    onError(new LeaseLostError('router lost the lease of dst_1 partition 3: not renewed in time'));
    onError(new Error('acknowledgement of message 12 of dst_1 not confirmed: TimeoutError: timeout'));
    const [lost, other] = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err: { message: string } });
    expect(lost).toMatchObject({ level: 50, msg: 'router lost the lease of dst_1 partition 3: not renewed in time' });
    expect(other).toMatchObject({ level: 40, msg: 'delivery queue', err: { message: 'acknowledgement of message 12 of dst_1 not confirmed: TimeoutError: timeout' } });
  });
});
