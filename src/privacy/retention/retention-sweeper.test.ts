import { describe, expect, it } from 'vitest';
import { truncateIp } from '../../core/privacy/truncate-ip.js';

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8::'],
    ['::ffff:203.0.113.77', '::ffff:203.0.113.0'],
    ['not-an-ip', 'not-an-ip'],
  ])('%s -> %s', (ip, expected) => expect(truncateIp(ip)).toBe(expected));
});
