import { Type, type Static } from '@sinclair/typebox';

export const DEFAULT_WAREHOUSE_SCHEMA = 'sluice';

export const PostgresConfigSchema = Type.Object(
  {
    connectionString: Type.String({
      minLength: 1,
      description: 'postgres://user:password@host:5432/database (add ?sslmode=require for TLS). Secret: never returned by the API.',
    }),
    schema: Type.Optional(
      Type.String({
        pattern: '^[a-z_][a-z0-9_]{0,62}$',
        description: `Schema the tables are written to (created if missing); like Segment, use one per source (e.g. "web_app"). Default "${DEFAULT_WAREHOUSE_SCHEMA}".`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type PostgresConfig = Static<typeof PostgresConfigSchema>;

/** Checks beyond the schema (the API runs the schema first). */
export function validatePostgresConfig(config: PostgresConfig): string[] {
  const problems: string[] = [];
  if (!/^postgres(ql)?:\/\//.test(config.connectionString)) {
    problems.push('connectionString must be a URL starting with postgres:// or postgresql://.');
  } else {
    try {
      const url = new URL(config.connectionString);
      if (!url.hostname && !url.searchParams.get('host')) problems.push('connectionString names no host.');
      if (url.pathname.replace(/^\//, '') === '') problems.push('connectionString names no database (postgres://host:5432/DATABASE).');
    } catch {
      problems.push('connectionString is not a valid URL.');
    }
  }
  if (config.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema)) {
    problems.push('schema must be lower-case letters, digits and _ (at most 63, not starting with a digit).');
  }
  return problems;
}
