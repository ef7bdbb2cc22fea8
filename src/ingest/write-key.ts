/**
 * The writeKey of a Tracking API call: `Authorization: Basic base64(writeKey:)` (a missing colon is
 * tolerated, as Segment does), else `writeKey` in the JSON body.
 */
export function extractWriteKey(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const key = colon === -1 ? decoded : decoded.slice(0, colon);
    if (key) return key;
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const key = (body as Record<string, unknown>).writeKey;
    if (typeof key === 'string' && key !== '') return key;
  }
  return undefined;
}
