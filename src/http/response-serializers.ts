import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';
import { SchemaCompilations } from './compiled-schemas.js';

type SerializerFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>;

/**
 * Fastify's own response serializers (fast-json-stringify, through @fastify/fast-json-stringify-compiler, as Fastify
 * builds them by default), each compiled at its route's first answer with that status and once per process for each
 * schema (decision 0010, `compiled-schemas.ts`). Set as `schemaController.compilersFactory.buildSerializer`.
 */
export function responseSerializers(compilations = new SchemaCompilations()): SerializerFactory {
  const selector = SerializerSelector();
  return (externalSchemas, serializerOptions) => {
    const compile = selector(externalSchemas, serializerOptions);
    let scope: string | undefined;
    return (route) => {
      const compiled = compilations.once(
        () => `serializer\0${(scope ??= JSON.stringify([externalSchemas, serializerOptions]))}\0${JSON.stringify(route.schema)}`,
        () => compile(route),
      );
      return (data: unknown) => compiled()(data);
    };
  };
}
