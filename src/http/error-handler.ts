import type { FastifyError, FastifyInstance } from 'fastify';
import { SluiceError } from '../core/errors.js';
import { noRoute } from './no-route.js';

/**
 * The first invalid field of a schema error, as a dotted path within the body, query or params (`email`,
 * `traits.phone`, `filters.1.if`): `error.path`, the field a client (the hosted page) marks and words in its own
 * language, beside the message, which stays English for developers.
 */
function invalidPath(errors: FastifyError['validation']): string | undefined {
  const first = errors?.[0];
  if (!first) return undefined;
  const segments = first.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const named = first.params as { missingProperty?: unknown; additionalProperty?: unknown };
  const field = first.keyword === 'required' ? named.missingProperty : first.keyword === 'additionalProperties' ? named.additionalProperty : undefined;
  if (typeof field === 'string') segments.push(field);
  return segments.length > 0 ? segments.join('.') : undefined;
}

/** Maps Fastify's own errors to Sluice codes, so every error body has the same shape. */
function fromFastify(error: FastifyError): SluiceError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SluiceError('request_too_large', 'The request body is over 500 KB; send smaller batches.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SluiceError('unsupported_media_type', `${error.message}. Send application/json.`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new SluiceError('invalid_json', error.message);
    case 'FST_ERR_VALIDATION': {
      const path = invalidPath(error.validation);
      return new SluiceError('validation_failed', `Invalid request: ${error.message}.`, path === undefined ? undefined : { path });
    }
    default:
      break;
  }
  if (error.statusCode === 404) return new SluiceError('not_found', error.message);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new SluiceError('invalid_body', error.message);
  }
  return new SluiceError('internal_error', 'Something went wrong on our side; it was logged. Retry, and report it if it persists.');
}

/**
 * The error of a request the router refused before any route saw it (Fastify's `frameworkErrors`): above all a
 * path value that is not valid percent-encoding, typically an id or messageId holding "%" pasted into the URL as
 * it is.
 */
export function frameworkError(error: FastifyError): SluiceError {
  if (error.code === 'FST_ERR_BAD_URL') {
    return new SluiceError('validation_failed', 'The URL path is not valid percent-encoding: a "%" must start an escape of two hex digits (a value holding "%" is sent as %25); encode each path value with encodeURIComponent.');
  }
  return fromFastify(error);
}

/**
 * Error codes of an outage of the store (PostgreSQL: the server shut down, the connection failed or was refused,
 * too many connections; the network; SQLite: the database stayed locked past the busy timeout). Such a request
 * can succeed unchanged a little later: 503 with Retry-After, not a 500 "report it".
 */
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300', 'SQLITE_BUSY']);
const OUTAGE_MESSAGE = /^Connection terminated|timeout exceeded when trying to connect/;

function outage(raw: unknown): SluiceError | undefined {
  if (!(raw instanceof Error)) return undefined;
  const code = (raw as { code?: unknown }).code;
  if (!(typeof code === 'string' && OUTAGE_CODES.has(code)) && !OUTAGE_MESSAGE.test(raw.message)) return undefined;
  return new SluiceError('storage_unavailable', 'The database cannot be reached right now; nothing was changed. Retry after the Retry-After delay.', { retryAfterSeconds: 5 });
}

/**
 * PostgreSQL's answer to a text value holding U+0000 (SQLSTATE 22021, "invalid byte sequence for encoding UTF8:
 * 0x00"): JSON allows the character (`\u0000`) but PostgreSQL text cannot hold it. The request is at fault, not
 * Sluice: a 400 that says what to remove, not a 500 "report it".
 */
function unstorableCharacter(raw: unknown): SluiceError | undefined {
  if (!(raw instanceof Error) || (raw as { code?: unknown }).code !== '22021') return undefined;
  return new SluiceError('validation_failed', 'A value in the request holds the character U+0000 (\\u0000 in JSON, %00 in a URL), which the database cannot store; remove it and send the request again.');
}

/** The Sluice error an error thrown while handling a request is answered with. */
export function toSluiceError(raw: unknown): SluiceError {
  return raw instanceof SluiceError ? raw : (outage(raw) ?? unstorableCharacter(raw) ?? fromFastify(raw as FastifyError));
}

/** Installs the error and not-found handlers: `{"error":{"code","message"}}`, never a stack trace. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw, request, reply) => {
    const error = toSluiceError(raw);
    if (error.code === 'internal_error') request.log.error({ err: raw }, 'unhandled error');
    else if (error.code === 'storage_unavailable' && !(raw instanceof SluiceError)) request.log.warn({ err: raw }, 'the store is unavailable');
    if (error.details && typeof error.details.retryAfterSeconds === 'number' && !reply.hasHeader('Retry-After')) {
      reply.header('Retry-After', String(error.details.retryAfterSeconds));
    }
    const body = error.toBody();
    delete body.error.retryAfterSeconds;
    void reply.code(error.status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(noRoute(request.method, request.url.split('?')[0] ?? '/').toBody());
  });
}
