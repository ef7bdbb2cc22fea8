import { describe, expect, it } from 'vitest';
import { extractWriteKey, readWriteKey } from './write-key.js';

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

describe('readWriteKey', () => {
  it.each([
    ['Basic auth', basic('wk1:'), {}, 'wk1'],
    ['Basic auth, lower-case scheme, URL-safe alphabet without padding', `basic ${Buffer.from('wk?>:').toString('base64url')}`, undefined, 'wk?>'],
    ['the body beside an OAuth Bearer token (analytics-node with oauthSettings)', 'Bearer eyJhbGciOi.x.y', { writeKey: 'wk2' }, 'wk2'],
    ['the body beside a Basic header that cannot be read', 'Basic !!!', { writeKey: 'wk3' }, 'wk3'],
    ['the body beside an empty header', '  ', { writeKey: 'wk4' }, 'wk4'],
  ])('takes the writeKey from %s', (_case, authorization, body, writeKey) => {
    expect(readWriteKey(authorization, body)).toEqual({ writeKey });
  });

  it.each([
    ['Bearer <writeKey>', 'Bearer wk1', {}, 'does not take a writeKey as Authorization: Bearer'],
    ['another scheme', 'Token wk1', {}, 'does not read the Authorization scheme "token"'],
    ['Basic with characters base64 lacks', 'Basic not base64!', {}, 'The Authorization header could not be read: Basic auth must be base64 of "<writeKey>:"'],
    ['Basic with the writeKey not encoded (decodes to binary)', 'Basic 2Xq8KLpLm3s9Zt1w', {}, 'The Authorization header could not be read'],
    ['Basic with nothing after it', 'Basic', {}, 'names no writeKey'],
    ['Basic with an empty user name', basic(':secret'), {}, 'names no writeKey'],
    ['a body writeKey that is not a string', undefined, { writeKey: 42 }, '"writeKey" in the body must be a non-empty string'],
    ['nothing at all', undefined, null, 'No writeKey'],
  ])('says why there is none: %s', (_case, authorization, body, why) => {
    const found = readWriteKey(authorization, body);
    expect(found.writeKey).toBeUndefined();
    const problem = 'problem' in found ? found.problem : '';
    expect(problem).toContain(why);
    // Every answer says what to send instead.
    expect(problem).toContain('`Authorization: Basic YWJjMTIzOg==` is base64 of "abc123:"');
    expect(problem).toContain('"writeKey" in the JSON body');
  });
});
