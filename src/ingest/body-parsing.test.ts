import { describe, expect, it } from 'vitest';
import { SluiceError } from '../core/errors.js';
import { parseJsonBody } from './body-parsing.js';

describe('parseJsonBody', () => {
  it('parses valid JSON', () => {
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 });
  });
  it('reports the line and column of a syntax error', () => {
    try {
      parseJsonBody('{"a":1,\n"b":}');
      throw new Error('expected failure');
    } catch (error) {
      expect(error).toBeInstanceOf(SluiceError);
      const e = error as SluiceError;
      expect(e.code).toBe('invalid_json');
      expect(e.details).toMatchObject({ line: 2, column: 5, position: 12 });
      expect(e.message).toContain('line 2, column 5');
    }
  });
  it('says an empty body is empty', () => {
    expect(() => parseJsonBody('  ')).toThrow(/empty/);
  });
});
