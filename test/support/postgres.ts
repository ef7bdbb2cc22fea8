import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceUnavailable } from './services.js';

/** The PostgreSQL the tests use (trust auth on loopback); override with SLUICE_TEST_DATABASE_URL. */
export const TEST_DATABASE_URL = process.env.SLUICE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Refuses to run against a database whose name lacks "test" (PostHog's guard): the suites create and drop
 * schemas, and a mistyped URL must never point them at production.
 */
export function assertTestDatabase(url: string): void {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name.includes('test')) {
    throw new Error(`Refusing to run tests against database "${name}": its name must contain "test" (set SLUICE_TEST_DATABASE_URL).`);
  }
}

/** True when the test PostgreSQL answers; otherwise reports it (skip locally, throw under CI=true). */
export async function postgresAvailable(): Promise<boolean> {
  assertTestDatabase(TEST_DATABASE_URL);
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    serviceUnavailable('PostgreSQL', `${TEST_DATABASE_URL}: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates a uniquely named schema in the test database. */
export async function createTestSchema(label = 'test'): Promise<TestSchema> {
  assertTestDatabase(TEST_DATABASE_URL);
  const schema = `sluice_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`create schema "${schema}"`));
  return {
    url: TEST_DATABASE_URL,
    schema,
    drop: () => admin((c) => c.query(`drop schema if exists "${schema}" cascade`)).then(() => undefined),
  };
}

/** The connection URL of a test schema (search_path set through the libpq `options` parameter). */
export function schemaUrl(schema: TestSchema): string {
  const url = new URL(schema.url);
  url.searchParams.set('options', `-c search_path=${schema.schema}`);
  return url.toString();
}
