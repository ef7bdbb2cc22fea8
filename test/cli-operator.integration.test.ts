import { createServer, type AddressInfo, type Server } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestSchema, postgresAvailable, schemaUrl, TEST_DATABASE_URL } from './support/postgres.js';
import { deleteStreams, natsAvailable, TEST_QUEUE_URL, uniqueQueuePrefix } from './support/nats.js';
import { runCli, startSluiceProcess, type CliRun } from './support/sluice-process.js';
import { createWebhook } from './support/destinations.js';
import type { RecordingServer } from './support/recording-server.js';
import { startTestSluice } from './support/start-test-sluice.js';

// What an operator meets running the `sluice` command: real processes, real data dirs.

const pgAvailable = await postgresAvailable();
const natsUp = await natsAvailable();

/** Tables in a schema of the test database. */
async function countTables(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from information_schema.tables where table_schema = $1', [schema]);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-ops-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('the sluice command line', () => {
  it('exits 2 on a usage error (unknown command or option, a missing argument), with the reason and the usage, and tells its version', async () => {
    const runs = await Promise.all([['nosuch'], ['start', '--bogus'], ['report'], ['replay', '--from', '2026-01-01T00:00:00Z'], ['replay', '--dest', 'dst_1', '--from', '2026-01-01T00:00:00Z']].map((args) => runCli(args)));
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs.map((r) => r.stderr.split('\n').slice(0, 2).join(' '))).toEqual([
      "error: unknown command 'nosuch' ",
      "error: unknown option '--bogus' ",
      "error: missing required argument 'kind' ",
      "error: required option '--destination <id>' not specified ",
      // A shortened option is named as such, with the one it meant (not "--destination not specified").
      "error: unknown option '--dest' (Did you mean --destination?)",
    ]);
    for (const run of runs) expect(run.stderr).toContain('Usage: sluice');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('sluice start, as an operator meets it', () => {
  it('a first start that fails after initialising the data dir (port in use) has shown the owner token and setup link, and says why in a sentence', async () => {
    const dataDir = mkdtempSync(path.join(work, 'first-start-'));
    const { port, server } = await occupiedPort();
    let run: CliRun;
    try {
      // No SLUICE_ADMIN_TOKEN: the owner token is generated and can be shown this once only.
      run = await runCli(['start'], { SLUICE_DATA_DIR: dataDir, PORT: String(port), SLUICE_ADMIN_TOKEN: '' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const token = /Owner API token \(shown once, store it now\): (\S+)/.exec(run.stdout)?.[1];
    const setup = /Console setup \(one-time link, valid 7 days\): \S+\/setup\?token=(\S+)/.exec(run.stdout)?.[1];
    expect(token, run.stdout).toBeDefined();
    expect(setup, run.stdout).toBeDefined();
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toBe(`sluice: Cannot listen on 127.0.0.1:${port} (HOST=127.0.0.1, PORT=${port}): another program (or another Sluice) is already listening there: stop it or choose another PORT.`);

    // The next start does not initialise again; what the failed start printed is what works.
    const sluice = await startSluiceProcess(dataDir, { SLUICE_ADMIN_TOKEN: '' });
    try {
      expect(sluice.output()).not.toContain('Owner API token (shown once');
      const sources = await fetch(`${sluice.url}/api/v1/sources`, { headers: { authorization: `Bearer ${token}` } });
      expect(sources.status).toBe(200);
      const owner = await fetch(`${sluice.url}/api/v1/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: setup, email: 'owner@example.com', name: 'Owner', password: 'a long enough passphrase' }),
      });
      expect(owner.status, await owner.clone().text()).toBeLessThan(300);
    } finally {
      await sluice.stop();
    }
  }, 180_000);

  it('a second Ctrl-C while stopping exits at once, saying it did not drain and what may be sent again', async () => {
    const sluice = await startSluiceProcess(mkdtempSync(path.join(work, 'second-interrupt-')), { SLUICE_LOG_LEVEL: 'info' });
    const exit = new Promise<number | null>((resolve) => sluice.child.once('exit', (code) => resolve(code)));
    try {
      // The first starts the orderly shutdown; the second comes while it runs, as an impatient operator sends it.
      sluice.child.kill('SIGINT');
      for (let waited = 0; !sluice.output().includes('shutting down') && waited < 10_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
      sluice.child.kill('SIGINT');
      expect(await exit, sluice.output()).toBe(130);
      expect(sluice.output()).toContain('SIGINT again while stopping: exiting now, without draining.');
      expect(sluice.output()).toContain('a destination may receive them twice');
    } finally {
      await sluice.kill9();
    }
  }, 180_000);
});

describe('configuration mistakes', () => {
  it('a misspelt SLUICE_ variable is warned about before the command runs, and a bad value stops the start naming its variable', async () => {
    const run = await runCli(['start'], { SLUICE_DATABSE_URL: 'postgres://db.internal/sluice', SLUICE_PUBLIC_URL: 'sluice.example.com', SLUICE_DATA_DIR: path.join(work, 'typo') });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'sluice: warning: SLUICE_DATABSE_URL is set but is not a Sluice setting, so it changes nothing: did you mean SLUICE_DATABASE_URL?\n' +
        'sluice: SLUICE_PUBLIC_URL="sluice.example.com" is not valid: use the absolute http(s) URL people and browsers reach Sluice at, e.g. https://sluice.example.com (no query, fragment or credentials).\n',
    );
  }, 60_000);
});

describe('commands that read an installation', () => {
  it('refuse a data dir that holds no Sluice (wrong directory) instead of creating an empty one and calling its audit log intact', async () => {
    // Run where there is no ./data, as an operator in the wrong directory would, with SLUICE_DATA_DIR unset.
    const elsewhere = mkdtempSync(path.join(work, 'elsewhere-'));
    const env = { SLUICE_DATA_DIR: '' };
    const runs = {
      audit: await runCli(['audit', 'verify'], env, elsewhere),
      report: await runCli(['report', 'ropa'], env, elsewhere),
      replay: await runCli(['replay', '--destination', 'dst_x', '--from', '2026-01-01T00:00:00Z', '--to', '2026-02-01T00:00:00Z'], env, elsewhere),
    };
    for (const [name, run] of Object.entries(runs)) {
      expect(run.code, `${name}: ${run.stdout}${run.stderr}`).toBe(2);
      expect(run.stderr.trim(), name).toBe(`sluice: No Sluice data in ${path.join(elsewhere, 'data')} (no sluice.db there): set SLUICE_DATA_DIR to the data directory of your Sluice (the default is ./data, relative to the current directory).`);
      expect(run.stdout, name).not.toContain('intact');
    }
    expect(readdirSync(elsewhere)).toEqual([]);

    // A data dir whose database exists but was never started (only migrated) holds no installation either.
    const migratedOnly = path.join(work, 'migrated-only');
    expect((await runCli(['migrate'], { SLUICE_DATA_DIR: migratedOnly })).code).toBe(0);
    const audit = await runCli(['audit', 'verify'], { SLUICE_DATA_DIR: migratedOnly });
    expect(audit.code).toBe(2);
    expect(audit.stderr).toContain(`The data directory ${migratedOnly} (SLUICE_DATA_DIR) holds no Sluice installation yet`);
    expect(existsSync(path.join(migratedOnly, 'secret.key'))).toBe(false);
  }, 180_000);

  it.runIf(pgAvailable)('refuse a PostgreSQL database that holds no Sluice without creating Sluice’s tables in it', async () => {
    const other = await createTestSchema('not_sluice');
    try {
      const run = await runCli(['audit', 'verify'], { SLUICE_DATABASE_URL: schemaUrl(other), SLUICE_SECRET_KEY: 'ops-test-secret-key-0123456789abcdef' });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('The database of SLUICE_DATABASE_URL holds no Sluice installation yet');
      const tables = await countTables(other.schema);
      expect(tables).toBe(0);
    } finally {
      await other.drop();
    }
  }, 60_000);

  it.runIf(pgAvailable && natsUp)('refuses to start on a PostgreSQL server without the URL\'s database, saying how to create it, exit code 2', async () => {
    // Before: exit 1 with "Could not connect ... database does not exist. Is it running?", as for an outage (which a
    // supervisor retries for ever), and nothing on what to do.
    const url = new URL(TEST_DATABASE_URL);
    const missing = `sluice_missing_${process.pid}`;
    url.pathname = `/${missing}`;
    url.username = 'postgres';
    url.password = 's3cret';
    const run = await runCli(['start', '--role', 'api'], { SLUICE_DATABASE_URL: url.toString(), SLUICE_QUEUE_URL: TEST_QUEUE_URL, SLUICE_SECRET_KEY: 'ops-test-secret-key-0123456789abcdef', SLUICE_DATA_DIR: path.join(work, 'missing-db'), PORT: '0' });
    expect(run.code, run.stderr).toBe(2);
    const where = `${url.hostname}:${url.port || 5432}`;
    expect(run.stderr.trim()).toBe(
      `sluice: PostgreSQL at ${where} has no database named "${missing}" (SLUICE_DATABASE_URL). Create it once, as a user allowed to (e.g. the postgres superuser): \`createdb -h ${url.hostname} -p ${url.port || 5432} -O postgres "${missing}"\`, or in psql \`CREATE DATABASE "${missing}" OWNER postgres;\`; or correct the database name at the end of the URL. Sluice creates its tables itself at start.`,
    );
    expect(run.stderr).not.toContain('s3cret');
    const migrate = await runCli(['migrate'], { SLUICE_DATABASE_URL: url.toString(), SLUICE_QUEUE_URL: TEST_QUEUE_URL, SLUICE_SECRET_KEY: 'ops-test-secret-key-0123456789abcdef' });
    expect(migrate.code, migrate.stderr).toBe(2);
    expect(migrate.stderr).toContain(`has no database named "${missing}"`);
  }, 60_000);

  it.runIf(pgAvailable && natsUp)('refuses a replay on PostgreSQL without SLUICE_QUEUE_URL instead of queueing it into a file no router reads', async () => {
    const schema = await createTestSchema('replay_queue');
    const prefix = uniqueQueuePrefix('replay_queue');
    const env = { SLUICE_DATABASE_URL: schemaUrl(schema), SLUICE_SECRET_KEY: 'ops-replay-secret-key-0123456789abcdef' };
    const sluice = await startTestSluice({ ...env, SLUICE_QUEUE_URL: TEST_QUEUE_URL, SLUICE_QUEUE_PREFIX: prefix, SLUICE_ALLOW_PRIVATE_DESTINATIONS: '127.0.0.1' });
    const receivers: RecordingServer[] = [];
    const destination = await createWebhook(sluice, receivers, 'replayed');
    try {
      // An operator's shell with the database and the key, but not the queue: the jobs would land in ./data/queue.db.
      const shell = mkdtempSync(path.join(work, 'replay-shell-'));
      const run = await runCli(['replay', '--destination', destination.id, '--from', '2020-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z'], env, shell);
      expect(run.code, `${run.stdout}${run.stderr}`).toBe(2);
      expect(run.stderr.trim()).toBe(
        `sluice: SLUICE_DATABASE_URL is set but SLUICE_QUEUE_URL is not, and ${path.join(shell, 'data')} (SLUICE_DATA_DIR) holds no Sluice queues: the replay's delivery jobs would go into a new file there that no router reads, and nothing would be delivered. Set SLUICE_QUEUE_URL and SLUICE_QUEUE_PREFIX as the installation's processes have them.`,
      );
      expect(existsSync(path.join(shell, 'data', 'queue.db'))).toBe(false);
      expect(run.stdout).not.toContain('queued');
    } finally {
      await Promise.all(receivers.map((r) => r.close()));
      await sluice.stop();
      await schema.drop();
      await deleteStreams(prefix);
    }
  }, 120_000);
});
