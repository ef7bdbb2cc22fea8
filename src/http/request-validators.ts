import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';

/**
 * Validator options of every part of a request. Fastify's own defaults (ajv-formats, `allErrors: false`, the URI
 * resolver, ...) stay underneath: see @fastify/ajv-compiler's default-ajv-options.
 */
export const VALIDATOR_OPTIONS = { removeAdditional: false, useDefaults: true } as const;

/**
 * Fastify's validator compilers (@fastify/ajv-compiler: its Ajv options, ajv-formats, the schemas added with
 * `addSchema` in each plugin scope), one per kind of request part (decision 0302):
 *
 * - query strings, path parameters and headers are text, so their values are converted to the schema's type
 *   (`coerceTypes: 'array'`: `?limit=5` is the integer 5, a lone `?status=a` a list of one);
 * - JSON bodies carry their own types, so a value of the wrong type is refused (400 naming the field), never
 *   converted: `false` is not 0, `"5"` not 5, `"false"` not `["false"]`, `""` not null.
 *
 * Set as `schemaController.compilersFactory.buildValidator`, which Fastify calls once per plugin scope with that
 * scope's shared schemas and the server's `ajv` option. Being a custom compiler, header schemas are used as written
 * (Fastify lower-cases the names only for its default compiler): name headers in lower case, as Node reads them.
 */
export function requestValidators(): ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    if (options?.mode === 'JTD') throw new Error('Sluice validates with JSON Schema, not JTD.');
    const customOptions = { ...options?.customOptions, ...VALIDATOR_OPTIONS };
    const forText = pool(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: 'array' } });
    const forBodies = pool(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: false } });
    return (route) => (route.httpPart === 'body' ? forBodies(route) : forText(route));
  };
}
