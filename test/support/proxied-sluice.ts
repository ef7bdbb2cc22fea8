import { deleteStreams, TEST_QUEUE_URL, uniqueQueuePrefix } from './nats.js';
import { createTestSchema, schemaUrl, TEST_DATABASE_URL, type TestSchema } from './postgres.js';
import { startTestSluice, type TestSluice } from './start-test-sluice.js';
import { TcpProxy } from './tcp-proxy.js';

/** A scale-mode Sluice (PostgreSQL + NATS) whose connection to one of the two runs through a {@link TcpProxy} to cut. */
export interface ProxiedSluice {
  readonly sluice: TestSluice;
  /** Between Sluice and the service named when it was started: `cut()` it, then `restore()`. */
  readonly proxy: TcpProxy;
  /** Its own schema, reached directly (not through the proxy). */
  readonly schema: TestSchema;
  /** Restores the connection, stops Sluice, drops its schema and its streams. */
  close(): Promise<void>;
}

/**
 * Starts Sluice on a fresh schema and queue prefix named after `name`, with its connection to `through` (NATS or
 * PostgreSQL) going through a TCP proxy the test can cut; `env` adds to the environment (the roles, at least).
 */
export async function startProxiedSluice(name: string, through: 'nats' | 'postgres', env: Record<string, string>): Promise<ProxiedSluice> {
  const prefix = uniqueQueuePrefix(name);
  const schema = await createTestSchema(name);
  const target = new URL(through === 'nats' ? TEST_QUEUE_URL : TEST_DATABASE_URL);
  const proxy = await TcpProxy.start(target.hostname, Number(target.port || (through === 'nats' ? 4222 : 5432)));
  const databaseUrl = new URL(schemaUrl(schema));
  if (through === 'postgres') databaseUrl.port = new URL(proxy.url).port;
  const close = async (sluice?: TestSluice) => {
    proxy.restore();
    await sluice?.stop();
    await proxy.close();
    await schema.drop();
    await deleteStreams(prefix);
  };
  try {
    const sluice = await startTestSluice({
      SLUICE_DATABASE_URL: databaseUrl.toString(),
      SLUICE_QUEUE_URL: through === 'nats' ? proxy.url : TEST_QUEUE_URL,
      SLUICE_QUEUE_PREFIX: prefix,
      SLUICE_SECRET_KEY: `${name}-test-secret-key-0123456789abcdef`,
      SLUICE_LOG_LEVEL: 'silent',
      ...env,
    });
    return { sluice, proxy, schema, close: () => close(sluice) };
  } catch (error) {
    await close();
    throw error;
  }
}
