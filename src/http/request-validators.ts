import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';
import { SchemaCompilations } from './compiled-schemas.js';

/**
 * Validator options of every part of a request. Fastify's own defaults (ajv-formats, `allErrors: false`, the URI
 * resolver, ...) stay underneath: see @fastify/ajv-compiler's default-ajv-options.
 */
export const VALIDATOR_OPTIONS = { removeAdditional: false, useDefaults: true } as const;

/** An Ajv validator as Fastify calls it: `errors` set after a failed call, the context passed for root coercion. */
interface AjvValidator {
  (data: unknown, context?: unknown): unknown;
  errors?: unknown;
  schemaEnv?: unknown;
}

/** One Ajv compiler pool per process: its Ajv instances are keyed by shared schemas and options already. */
const pool = AjvCompiler();

/**
 * Fastify's validator compilers (@fastify/ajv-compiler: its Ajv options, ajv-formats, the schemas added with
 * `addSchema` in each plugin scope), one per kind of request part (decision 0302):
 *
 * - query strings, path parameters and headers are text, so their values are converted to the schema's type
 *   (`coerceTypes: 'array'`: `?limit=5` is the integer 5, a lone `?status=a` a list of one);
 * - JSON bodies carry their own types, so a value of the wrong type is refused (400 naming the field), never
 *   converted: `false` is not 0, `"5"` not 5, `"false"` not `["false"]`, `""` not null.
 *
 * Each route's validator is compiled at its first request and once per process for each schema (decision 0010,
 * `compiled-schemas.ts`): the function Fastify holds passes each call, with Fastify's context for coercing a root value,
 * to the compiled one and carries its `errors` back.
 *
 * Set as `schemaController.compilersFactory.buildValidator`, which Fastify calls once per plugin scope with that
 * scope's shared schemas and the server's `ajv` option. Being a custom compiler, header schemas are used as written
 * (Fastify lower-cases the names only for its default compiler): name headers in lower case, as Node reads them.
 */
export function requestValidators(compilations = new SchemaCompilations()): ValidatorFactory {
  return (externalSchemas, options) => {
    if (options?.mode === 'JTD') throw new Error('Sluice validates with JSON Schema, not JTD.');
    const customOptions = { ...options?.customOptions, ...VALIDATOR_OPTIONS };
    const forText = pool(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: 'array' } });
    const forBodies = pool(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: false } });
    let scope: string | undefined;
    return (route) => {
      const body = route.httpPart === 'body';
      const compiled = compilations.once(
        () => `validator\0${body ? 'body' : 'text'}\0${(scope ??= JSON.stringify([externalSchemas, customOptions]))}\0${JSON.stringify(route.schema)}`,
        () => (body ? forBodies(route) : forText(route)) as AjvValidator,
      );
      const validate: AjvValidator = (data, context) => {
        const fn = compiled();
        const valid = fn(data, context);
        validate.errors = fn.errors;
        return valid;
      };
      // Fastify passes the context that lets Ajv convert a root value only to a validator that has `schemaEnv`, as Ajv's do.
      validate.schemaEnv = true;
      return validate as ReturnType<ReturnType<ValidatorFactory>>;
    };
  };
}
