import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../core/errors.js';
import { parseJsonBody, readJsonBytes } from './body-parsing.js';

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

describe('readJsonBytes', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  it('skips a leading UTF-8 byte-order mark and keeps the bytes without it', () => {
    const json = Buffer.from('{"userId":"é"}');
    const { bytes, json: parsed } = readJsonBytes(Buffer.concat([bom, json]));
    expect(parsed).toEqual({ userId: 'é' });
    expect(bytes.equals(json)).toBe(true);
    // What the processor reads back from the inbox is JSON.
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ userId: 'é' });
  });
  it('keeps a body without one as it is', () => {
    const json = Buffer.from('{"a":1}');
    expect(readJsonBytes(json).bytes).toBe(json);
  });
  it.each([
    ['a UTF-16 LE body', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}', 'utf16le')]), 'UTF-16 byte-order mark'],
    ['a UTF-16 BE body', Buffer.from([0xfe, 0xff, 0, 0x7b, 0, 0x7d]), 'UTF-16 byte-order mark'],
    ['a byte-order mark alone', bom, 'empty'],
    ['two byte-order marks', Buffer.concat([bom, bom, Buffer.from('{}')]), 'line 1, column 1'],
  ])('refuses %s with invalid_json saying why', (_case, body, why) => {
    let error: unknown;
    try {
      readJsonBytes(body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('invalid_json');
    expect((error as SluiceError).message).toContain(why);
  });

  it('refuses bytes that are not UTF-8 with invalid_encoding naming the first bad byte, instead of reading them as U+FFFD', () => {
    let error: unknown;
    try {
      readJsonBytes(Buffer.from('{"name":"Ren\u00e9"}', 'latin1'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('invalid_encoding');
    expect((error as SluiceError).message).toContain('not valid UTF-8 (byte 12, 0xe9)');
  });

  it('decodes a body from the charset its Content-Type names and keeps it as UTF-8', () => {
    const { bytes, json } = readJsonBytes(Buffer.from('{"name":"Ren\u00e9"}', 'latin1'), 'application/json; charset="iso-8859-1"');
    expect(json).toEqual({ name: 'René' });
    expect(bytes.toString('utf8')).toBe('{"name":"René"}');
    expect(readJsonBytes(Buffer.from('{"name":"René"}'), 'application/json; charset=UTF-8').json).toEqual({ name: 'René' });
    expect(() => readJsonBytes(Buffer.from('{}'), 'text/plain; charset=x-klingon')).toThrow(/x-klingon/);
  });

  it('refuses a gzip body sent without Content-Encoding with invalid_encoding naming the missing header', () => {
    let error: unknown;
    try {
      readJsonBytes(gzipSync('{"userId":"u","event":"E"}'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('invalid_encoding');
    expect((error as SluiceError).message).toContain('no "Content-Encoding: gzip" header');
  });
});
