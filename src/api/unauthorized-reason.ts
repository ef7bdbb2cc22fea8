import type { SourceRepository } from '../store/store.js';

const GENERIC = 'Missing, unknown, expired or revoked credentials: send Authorization: Bearer <token>, or log in to the console.';
const WHERE_TOKENS = 'The admin API takes an API token as Authorization: Bearer <token>: the owner token printed at first start, or one made on the console\'s API tokens page (POST /api/v1/tokens).';

/**
 * Why the admin API refused a caller's credentials, in words that say what to send instead: the two mix-ups a new
 * engineer makes are a source's writeKey sent as the Bearer token (it only sends events) and Basic auth (the
 * Tracking API's scheme). Anything else gets the general answer; nothing here tells whether a token exists.
 */
export async function unauthorizedReason(sources: SourceRepository, header: string | undefined, secret: string | undefined): Promise<string> {
  if (header !== undefined && /^basic /i.test(header)) {
    return `The admin API does not take Basic auth (Basic with a writeKey is how events are sent to the Tracking API, /v1/track and the like). ${WHERE_TOKENS}`;
  }
  if (secret !== undefined && (await sources.byWriteKey(secret)) !== undefined) {
    return `This is a source's writeKey: it sends events to the Tracking API (POST /v1/track and the like, as Basic auth), and opens nothing of the admin API. ${WHERE_TOKENS}`;
  }
  return GENERIC;
}
