import { describe, expect, it } from 'vitest';
import { parseTime } from './parse-time.js';

describe('parseTime', () => {
  it('answers as Date.parse for every text, whatever it parsed before', () => {
    const texts = [
      '2026-12-04T10:00:00.000Z',
      '2026-12-04T09:59:58.500Z',
      '2026-12-04T10:00:00.000Z',
      'garbage',
      '2026-12-04T10:00:00.000Z',
      '2026-12-04T09:59:58.500Z',
      '2026-12-05T00:00:00+02:00',
      'garbage',
      '',
      '2026-12-04T09:59:58.500Z',
    ];
    for (const text of texts) {
      if (Number.isNaN(Date.parse(text))) expect(parseTime(text)).toBeNaN();
      else expect(parseTime(text)).toBe(Date.parse(text));
    }
  });
  it('takes a text built at run time for the same text held elsewhere (compared by content)', () => {
    const held = '2026-12-04T11:00:00.000Z';
    expect(parseTime(held)).toBe(Date.parse(held));
    const built = ['2026-12-04T11', '00', '00.000Z'].join(':');
    expect(parseTime(built)).toBe(Date.parse(held));
    // Three texts in turn: the first has left the memo and is parsed again, correctly.
    parseTime('2026-01-01T00:00:00.000Z');
    parseTime('2026-02-01T00:00:00.000Z');
    expect(parseTime(held)).toBe(Date.parse(held));
  });
});
