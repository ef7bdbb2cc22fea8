import { describe, expect, it } from 'vitest';
import { stableUlid } from './stable-ulid.js';

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

describe('stableUlid', () => {
  it('is a ULID whose time part is the given time and whose random part depends only on the input', () => {
    const at = Date.parse('2026-11-30T10:00:00.000Z');
    const a = stableUlid('msg-1', at);
    expect(a).toMatch(ULID);
    expect(stableUlid('msg-1', at)).toBe(a);
    expect(stableUlid('msg-2', at).slice(0, 10)).toBe(a.slice(0, 10));
    expect(stableUlid('msg-2', at).slice(10)).not.toBe(a.slice(10));
    const decoded = [...a.slice(0, 10)].reduce((n, c) => n * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c), 0);
    expect(decoded).toBe(at);
  });

  it('stays a ULID for a time it cannot hold', () => {
    expect(stableUlid('msg-1', Number.NaN)).toMatch(ULID);
    expect(stableUlid('msg-1', -5).slice(0, 10)).toBe('0000000000');
  });
});
