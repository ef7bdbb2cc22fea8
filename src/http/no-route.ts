import { SluiceError } from '../core/errors.js';

const TRACKING_CALLS = ['identify', 'track', 'page', 'screen', 'group', 'alias', 'batch', 'import'];
const TRACKING_API = `The Tracking API takes POST /v1/${TRACKING_CALLS.join(', /v1/')} (a JSON body, Basic auth with the writeKey)`;
const ADMIN_API = 'the admin API lives under /api/v1 (see /api/v1/openapi.json)';

/**
 * The `not_found` of a request no route takes, saying what the caller most likely meant: a Tracking API call with
 * another method or a mistyped name, `/v1` twice or a double slash (a library's host given with `/v1` or a trailing
 * slash, to which it adds `/v1/batch`), a call without `/v1`, or the admin API.
 */
export function noRoute(method: string, path: string): SluiceError {
  const start = `No route ${method} ${path}.`;
  if (/^\/v1\/v1(\/|$)/.test(path)) {
    return new SluiceError('not_found', `${start} The path has /v1 twice: give the library's host (endpoint) without /v1, such as http://sluice.example:8080; the library adds /v1/batch itself. ${TRACKING_API}.`);
  }
  if (path.includes('//')) {
    return new SluiceError('not_found', `${start} The path has a double slash: give the library's host (endpoint) without a trailing slash, such as http://sluice.example:8080. ${TRACKING_API}.`);
  }
  if (path.startsWith('/v1/')) return new SluiceError('not_found', `${start} ${TRACKING_API}; ${ADMIN_API}.`);
  const call = /^\/([a-z]+)\/?$/.exec(path)?.[1];
  if (call !== undefined && TRACKING_CALLS.includes(call)) {
    return new SluiceError('not_found', `${start} Tracking API paths start with /v1: POST /v1/${call}.`);
  }
  return new SluiceError('not_found', `${start} The admin API lives under /api/v1 (see /api/v1/openapi.json).`);
}
