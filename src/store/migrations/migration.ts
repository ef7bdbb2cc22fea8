import type { Kysely } from 'kysely';

export type SqlDialectName = 'sqlite' | 'postgres';

/** One schema change, written once with Kysely's schema builder for both dialects. */
export interface SchemaMigration {
  readonly name: string;
  up(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void>;
}

/** Column type of an auto-incrementing 64-bit primary key on each dialect. */
export function serialType(dialect: SqlDialectName): 'integer' | 'bigserial' {
  return dialect === 'sqlite' ? 'integer' : 'bigserial';
}
