import { describe, expect, it } from 'vitest';
import { extractWriteKey } from './write-key.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('extractWriteKey', () => {
  it('reads Basic auth with and without the colon', () => {
    expect(extractWriteKey(basic('wk1:'), {})).toBe('wk1');
    expect(extractWriteKey(basic('wk2'), {})).toBe('wk2');
  });
  it('falls back to the body writeKey', () => {
    expect(extractWriteKey(undefined, { writeKey: 'wk3' })).toBe('wk3');
    expect(extractWriteKey(basic(':'), { writeKey: 'wk4' })).toBe('wk4');
  });
  it('finds none when neither is present', () => {
    expect(extractWriteKey('Bearer x', { writeKey: '' })).toBeUndefined();
  });
});
