import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { destinationTypes } from '../destinations/registry.js';

const TypeSchema = Type.Object({
  type: Type.String(),
  displayName: Type.String(),
  configSchema: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the config (the console draws its form from it)' }),
  secretFields: Type.Array(Type.String(), { description: 'Config keys that are write-only: sealed at rest, shown masked' }),
  urlFields: Type.Array(Type.String(), { description: 'Config keys holding URLs: their query values are sealed and shown masked, a user name and password are refused, and a change of their host needs the secrets entered again' }),
  maxBatchSize: Type.Integer(),
  deletes: Type.Boolean({ description: 'Whether a deletion request reaches this tool' }),
  noDeletion: Type.Optional(Type.String({ description: 'Why a deletion request cannot reach this tool (what to do instead)' })),
});

/** The destination catalog: every type Sluice can route to, with the JSON Schema of its config. */
export const destinationTypesApi: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/destination-types', {
    config: { permission: 'destinations:read' },
    schema: { tags: ['destinations'], summary: 'The destination catalog: types, their config schemas and secret fields', response: { 200: Type.Object({ types: Type.Array(TypeSchema) }) } },
  }, async () => ({
    types: destinationTypes().map((t) => ({
      type: t.type,
      displayName: t.displayName,
      configSchema: JSON.parse(JSON.stringify(t.configSchema)) as Record<string, unknown>,
      secretFields: [...t.secretFields],
      urlFields: [...(t.urlFields ?? [])],
      maxBatchSize: t.maxBatchSize,
      deletes: t.deleteSubject !== undefined,
      ...(t.noDeletion !== undefined && { noDeletion: t.noDeletion }),
    })),
  }));
};
