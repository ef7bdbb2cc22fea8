import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestSchema, schemaUrl, type TestSchema } from '../support/postgres.js';
import { deleteStreams, TEST_QUEUE_URL, uniqueQueuePrefix } from '../support/nats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLUSTER_ADMIN_TOKEN = 'scale-owner-token-0123456789abcdef';

export interface SluiceProcess {
  readonly role: string;
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything the process wrote to stderr (for failure messages). */
  readonly stderr: () => string;
  exited: boolean;
}

/**
 * Runs the built CLI (`bin/sluice.js` -> `dist/`, what users run) as a separate OS process. `npm run
 * test:scale` builds first: compiled processes start in about a second, where loading the TypeScript sources
 * through tsx takes many seconds per process on a busy machine.
 */
function runCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run test:scale does it)');
  return spawn(process.execPath, [path.join(ROOT, 'bin/sluice.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function started(role: string, child: ChildProcess, timeoutMs = 120_000): Promise<SluiceProcess> {
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const proc = { role, child, url: '', stderr: () => err, exited: false };
  child.on('exit', () => (proc.exited = true));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} process did not start within ${timeoutMs} ms:\n${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /Sluice is running: (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} process exited (${code}) before it started:\n${err}`));
    });
  });
  child.stdout!.resume();
  return Object.assign(proc, { url });
}

/** An installation of separate Sluice processes on loopback: real PostgreSQL schema, real JetStream prefix. */
export class ScaleCluster {
  readonly processes: SluiceProcess[] = [];

  private constructor(
    readonly env: NodeJS.ProcessEnv,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /** Scale mode: a fresh schema and prefix, migrated by `sluice migrate`. */
  static async scale(options: { ackWaitMs: number; logLevel?: string; env?: NodeJS.ProcessEnv }): Promise<ScaleCluster> {
    const schema: TestSchema = await createTestSchema('scale');
    const prefix = uniqueQueuePrefix('scale');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-scale-'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      SLUICE_DATA_DIR: dataDir,
      SLUICE_DATABASE_URL: schemaUrl(schema),
      SLUICE_DATABASE_POOL_SIZE: '4',
      SLUICE_QUEUE_URL: TEST_QUEUE_URL,
      SLUICE_QUEUE_PREFIX: prefix,
      SLUICE_QUEUE_ACK_WAIT_MS: String(options.ackWaitMs),
      SLUICE_SECRET_KEY: 'scale-cluster-secret-key-0123456789abcdef',
      SLUICE_ADMIN_TOKEN: CLUSTER_ADMIN_TOKEN,
      SLUICE_LOG_LEVEL: options.logLevel ?? 'warn',
      ...options.env,
    };
    const cluster = new ScaleCluster(env, async () => {
      await schema.drop();
      await deleteStreams(prefix);
      rmSync(dataDir, { recursive: true, force: true });
    });
    await cluster.migrate();
    return cluster;
  }

  /** Embedded mode (SQLite + embedded queues): the baseline of the benchmark. */
  static embedded(options: { logLevel?: string } = {}): ScaleCluster {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-embedded-'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      SLUICE_DATA_DIR: dataDir,
      SLUICE_ADMIN_TOKEN: CLUSTER_ADMIN_TOKEN,
      SLUICE_LOG_LEVEL: options.logLevel ?? 'warn',
    };
    return new ScaleCluster(env, async () => rmSync(dataDir, { recursive: true, force: true }));
  }

  /** `sluice migrate`, as an operator runs it before the first start. */
  async migrate(): Promise<string> {
    const child = runCli(['migrate'], this.env);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`sluice migrate failed (${code}):\n${err}`);
    return out;
  }

  async start(role: string): Promise<SluiceProcess> {
    const proc = await started(role, runCli(['start', '--role', role], this.env));
    this.processes.push(proc);
    return proc;
  }

  /** Delivery outcomes a process's router has counted (its /metrics), by status. */
  async deliveryCounts(proc: SluiceProcess): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const line of await this.metricLines(proc, 'sluice_deliveries_total')) {
      const match = /status="(\w+)"[^}]*\} (\d+)/.exec(line);
      if (match) counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
    }
    return counts;
  }

  /** Events a process's processor has handled (its /metrics). */
  async processedCount(proc: SluiceProcess): Promise<number> {
    return (await this.metricLines(proc, 'sluice_events_processed_total')).reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  private async metricLines(proc: SluiceProcess, name: string): Promise<string[]> {
    const response = await fetch(`${proc.url}/metrics`, { headers: { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}` } });
    return (await response.text()).split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
  }

  /** The installation's first source (created when the api process bootstraps it). */
  async firstSource(api: SluiceProcess): Promise<{ id: string; writeKey: string }> {
    const response = await fetch(`${api.url}/api/v1/sources`, { headers: { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}` } });
    const { sources } = (await response.json()) as { sources: { id: string; writeKey: string }[] };
    return sources[0]!;
  }

  /** Creates a batching webhook destination (the private-address allowance must be in the cluster's env). */
  async createWebhook(api: SluiceProcess, url: string): Promise<string> {
    const response = await fetch(`${api.url}/api/v1/destinations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Sink', type: 'webhook', config: { url, batching: true } }),
    });
    if (response.status !== 201) throw new Error(`creating the webhook destination answered ${response.status}: ${await response.text()}`);
    return String(((await response.json()) as { id: string }).id);
  }

  /** One query on the installation's PostgreSQL schema. */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.env.SLUICE_DATABASE_URL });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  running(role: string): SluiceProcess[] {
    return this.processes.filter((p) => p.role === role && !p.exited);
  }

  /** kill -9: no shutdown code runs. */
  async kill(proc: SluiceProcess): Promise<void> {
    if (proc.exited) return;
    const exited = new Promise((resolve) => proc.child.once('exit', resolve));
    proc.child.kill('SIGKILL');
    await exited;
  }

  /** Stops every process (SIGTERM, then SIGKILL after 15 s) and removes the installation. */
  async stop(): Promise<void> {
    await Promise.all(
      this.processes.filter((p) => !p.exited).map(async (p) => {
        const exited = new Promise((resolve) => p.child.once('exit', resolve));
        p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await this.cleanup();
  }
}
