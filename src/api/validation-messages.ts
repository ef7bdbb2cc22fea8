import type { FastifySchemaValidationError } from 'fastify';
import { EMAIL_PATTERN } from '../core/email-address.js';

/** Where the invalid value was (Fastify's `SchemaErrorDataVar`, not exported by its main entry). */
type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring';

/**
 * Schema errors in the terms of the person who filled in the form, for routes whose default message
 * ("body/4/id must NOT have fewer than 1 characters, body must be object, body must match a schema in anyOf")
 * reads like a stack trace: each wrong field once, named by `describe`, with a plain reason.
 *
 * - A body that may take one of two shapes (anyOf) is judged by the shape it has: errors of the other
 *   shape (a mismatch at the body's root while fields deeper in it failed) and the anyOf summary are left out.
 * - Literal choices (`Type.Union` of `Type.Literal`) are said as "must be one of a, b".
 * - A "null removes it" field (`orNull`) with a wrong value is told what is wrong with the value, not that it is not null.
 *
 * The route sets it as `schemaErrorFormatter`; the error handler answers `validation_failed` with it.
 */
export function readableSchemaErrors(describe: (path: readonly string[]) => string, hints: Readonly<Record<string, string>> = {}) {
  return (errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error => {
    let relevant = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
    if (relevant.some((e) => e.instancePath !== '')) relevant = relevant.filter((e) => e.instancePath !== '');
    // A "null removes it" field (orNull) holding an object with wrong fields was meant as a value: its fields say what is wrong.
    relevant = relevant.filter((e) => !(isNullChoice(e) && relevant.some((other) => other.instancePath.startsWith(`${e.instancePath}/`))));
    const byPath = new Map<string, FastifySchemaValidationError[]>();
    for (const error of relevant) {
      const path = error.keyword === 'additionalProperties' ? `${error.instancePath}/${String(error.params.additionalProperty)}` : error.instancePath;
      byPath.set(path, [...(byPath.get(path) ?? []), error]);
    }
    const parts = [...byPath].map(([path, list]) => {
      const segments = path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      const what = segments.length === 0 ? `the ${dataVar}` : describe(segments);
      const hint = hints[segments.at(-1) ?? ''];
      return `${what} ${reasonOf(list)}${hint ? ` (${hint})` : ''}`;
    });
    return new Error(parts.length > 0 ? parts.join('; ') : `the ${dataVar} does not match the schema`);
  };
}

/** What a value of each string format looks like (Ajv only says `must match format "date-time"`). */
const FORMAT_REASONS: Readonly<Record<string, string>> = {
  'date-time': 'must be an ISO-8601 date-time with a time zone, such as 2026-01-31T00:00:00Z (a day that exists; an offset such as +01:00 instead of Z is accepted)',
  email: 'must be an email address, such as ada@example.com',
  uri: 'must be an absolute URL, such as https://example.com/path',
};

export { EMAIL_PATTERN };

/** What a value of each pattern looks like (Ajv says `must match pattern "^[^@\s]+@[^@\s]+$"`). */
const PATTERN_REASONS: Readonly<Record<string, string>> = {
  [EMAIL_PATTERN]: 'must be an email address, such as ada@example.com (one @, no spaces)',
  '^[0-9]{6}$': 'must be the 6 digits of the code, such as 123456',
  '^[A-Z]{2}$': 'must be a two-letter country code in capitals (ISO 3166-1 alpha-2), such as US or DE',
  '^[a-z0-9_]{1,64}$': 'may hold only a-z, 0-9 and _ (1 to 64 of them)',
  '^\\S+$': 'must not contain spaces',
};

const isNullChoice = (e: FastifySchemaValidationError): boolean => e.keyword === 'type' && e.params.type === 'null';

function reasonOf(all: readonly FastifySchemaValidationError[]): string {
  // A "null removes it" field (orNull) failed both as null and as its value: what it says about the value is the news.
  const errors = all.some((e) => !isNullChoice(e)) ? all.filter((e) => !isNullChoice(e)) : all;
  const choices = errors.filter((e) => e.keyword === 'const').map((e) => JSON.stringify(e.params.allowedValue));
  if (choices.length > 0) return `must be one of ${choices.join(', ')}`;
  const error = errors[0]!;
  const limit = error.params.limit;
  switch (error.keyword) {
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${String(limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(limit)} characters long`;
    case 'minimum':
      return `must be at least ${String(limit)}`;
    case 'maximum':
      return `must be at most ${String(limit)}`;
    case 'maxItems':
      return `may hold at most ${String(limit)} entries`;
    case 'type':
    {
      const type = String(error.params.type);
      return `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
    }
    case 'required':
      // Quoted: a field named like a word ("to", "from") would otherwise read as part of the sentence.
      return `needs a ${JSON.stringify(String(error.params.missingProperty))} field`;
    case 'additionalProperties':
      return 'is not a field this request takes';
    case 'pattern':
      return PATTERN_REASONS[String(error.params.pattern)] ?? error.message ?? 'is not valid';
    case 'format':
      return FORMAT_REASONS[String(error.params.format)] ?? error.message ?? 'is not valid';
    default:
      return error.message ?? 'is not valid';
  }
}

/** A field's path as people write it: `filters[0].if`, `config.url`. */
export function fieldPath(path: readonly string[]): string {
  return path.map((segment, i) => (/^\d+$/.test(segment) ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}

const PART_NAMES: Record<SchemaErrorDataVar, string> = { body: '', querystring: 'query parameter ', params: 'path parameter ', headers: 'header ' };

/**
 * The server's schema errors for every route that sets none of its own: {@link readableSchemaErrors} with fields named
 * by their path (`filters[0].if`), query parameters as `query parameter limit`.
 */
export function defaultSchemaErrors(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  return readableSchemaErrors((path) => `${PART_NAMES[dataVar]}${fieldPath(path)}`)(errors, dataVar);
}

/**
 * Schema errors of a list or export whose query string is closed (`additionalProperties: false`): a query parameter it
 * does not take (`?userId=` on the delivery log, a misspelt filter on the audit export) would otherwise filter nothing
 * and answer everything as if it matched, so it is refused, naming the parameters the call takes (as `GET /events`).
 */
export function closedQueryErrors(call: string, parameters: readonly string[], wording: { takes?: string; hint?: string } = {}) {
  const told = `. ${call} ${wording.takes ?? 'takes'} ${parameters.join(', ')}${wording.hint ? `; ${wording.hint}` : ''}`;
  return (errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error => {
    const error = defaultSchemaErrors(errors, dataVar);
    if (dataVar === 'querystring' && errors.some((e) => e.keyword === 'additionalProperties')) error.message += told;
    return error;
  };
}
