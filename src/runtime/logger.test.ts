import { describe, expect, it } from 'vitest';
import { logLines } from '../../test/support/log-lines.js';
import { createLogger } from './logger.js';

function capture() {
  const { stream, lines } = logLines();
  return { logger: createLogger({ logLevel: 'info' }, 'test', stream), lines };
}

describe('createLogger', () => {
  it('hides email addresses and international phone numbers in messages, fields and errors', () => {
    const { logger, lines } = capture();
    logger.warn({ err: new Error('HTTP 400: contact grace@example.com is invalid'), destination: 'dst_1', reason: 'SMTP refused <bob@example.org>' }, 'delivery to hedy@example.com failed');
    logger.error(new Error('phone +44 20 7946 0958 rejected'));
    logger.info({ nested: { list: ['ann@example.net'] } }, 'user %s signed up', 'carl@example.io');
    const text = lines.join('');
    for (const personal of ['grace@example.com', 'bob@example.org', 'hedy@example.com', '7946 0958', 'ann@example.net', 'carl@example.io']) expect(text).not.toContain(personal);
    const [first, second, third] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ msg: 'delivery to [masked] failed', destination: 'dst_1', reason: 'SMTP refused <[masked]>', err: { type: 'Error', message: 'HTTP 400: contact [masked] is invalid' } });
    expect(second).toMatchObject({ msg: 'phone [masked] rejected', err: { message: 'phone [masked] rejected' } });
    expect(third).toMatchObject({ msg: 'user [masked] signed up', nested: { list: ['[masked]'] } });
  });

  it('leaves ids, counts and times alone', () => {
    const { logger, lines } = capture();
    logger.info({ requestId: 'req_123', removed: 42, at: '2026-12-01T16:00:00.000Z' }, 'privacy request records deleted');
    expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: 'req_123', removed: 42, at: '2026-12-01T16:00:00.000Z', msg: 'privacy request records deleted' });
  });
});
