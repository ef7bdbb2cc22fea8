/** A Tracking API call's writeKey, or, when it has none that can be read, why (for the `missing_write_key` message). */
export type WriteKeyLookup = { writeKey: string } | { writeKey: undefined; problem: string };

const HOW = 'send Basic auth, the writeKey as user name and an empty password (`Authorization: Basic YWJjMTIzOg==` is base64 of ' +
  '"abc123:" for the writeKey abc123), or "writeKey" in the JSON body';

/** Base64 (standard or URL-safe alphabet, padding optional): Buffer.from skips any other character silently. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** A control character: what a header that was never base64 (a raw writeKey, say) decodes into. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The user name of a Basic credential, '' when it is empty, or undefined when the credential is not base64 of text. */
function basicUser(credential: string): string | undefined {
  if (credential === '') return '';
  if (!BASE64.test(credential)) return undefined;
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(credential, 'base64'));
  } catch {
    return undefined;
  }
  if (CONTROL.test(decoded)) return undefined;
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/** The writeKey an Authorization header gives, or why it gives none. */
function fromHeader(authorization: string): { key: string } | { problem: string } {
  const space = authorization.indexOf(' ');
  const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
  if (scheme === 'basic') {
    const user = basicUser(space === -1 ? '' : authorization.slice(space + 1).trim());
    if (user === undefined) return { problem: `The Authorization header could not be read: Basic auth must be base64 of "<writeKey>:"; ${HOW}.` };
    if (user === '') return { problem: `The Authorization header's Basic auth names no writeKey (the user name before ":" is empty); ${HOW}.` };
    return { key: user };
  }
  if (scheme === 'bearer') {
    // Segment's Bearer carries an OAuth access token beside a writeKey in the body, never the writeKey itself.
    return { problem: `The Tracking API does not take a writeKey as Authorization: Bearer; ${HOW}.` };
  }
  return { problem: `The Tracking API does not read the Authorization scheme "${scheme.slice(0, 20)}"; ${HOW}.` };
}

/**
 * The writeKey of a Tracking API call: `Authorization: Basic base64(writeKey:)` (a missing colon is tolerated, as
 * Segment does), else `writeKey` in the JSON body (also when the header is another scheme or cannot be read:
 * analytics-node with OAuth sends `Bearer <access token>` and the writeKey in the body).
 */
export function readWriteKey(authorization: string | undefined, body: unknown): WriteKeyLookup {
  const header = authorization?.trim() ? fromHeader(authorization.trim()) : undefined;
  if (header && 'key' in header) return { writeKey: header.key };
  let bodyProblem: string | undefined;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const key = (body as Record<string, unknown>).writeKey;
    if (typeof key === 'string' && key !== '') return { writeKey: key };
    if (key !== undefined && key !== null) bodyProblem = `"writeKey" in the body must be a non-empty string; ${HOW}.`;
  }
  return { writeKey: undefined, problem: header?.problem ?? bodyProblem ?? `No writeKey: ${HOW}.` };
}

/** The writeKey of a Tracking API call, or undefined (`readWriteKey` says why). */
export function extractWriteKey(authorization: string | undefined, body: unknown): string | undefined {
  return readWriteKey(authorization, body).writeKey;
}
