import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distIsFresh, REPO_ROOT } from './dist-freshness.js';
import { TEST_ADMIN_TOKEN } from './start-test-sluice.js';

let useDist: boolean | undefined;

/**
 * The `sluice` CLI as a child process: the published entry point (`bin/sluice.js`, fast to start) when
 * dist/ is up to date with src/, else the TypeScript sources through tsx, so a test never runs stale code.
 */
export function sluiceCommand(args: readonly string[]): { command: string; args: string[] } {
  useDist ??= distIsFresh();
  return useDist
    ? { command: process.execPath, args: [path.join(REPO_ROOT, 'bin', 'sluice.js'), ...args] }
    : { command: process.execPath, args: ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args] };
}

/** What a finished `sluice` command printed, and its exit code. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sluice ARGS` as a child process (from the repository, or from `cwd`: an operator's other directory) and
 * collects what it printed; `whileRunning` gets the process (to interrupt it, say). Run elsewhere, `--import tsx` names the loader by path (it resolves from the cwd).
 */
export function runCli(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT, options: { whileRunning?: (child: ChildProcess) => void } = {}): Promise<CliRun> {
  const { command, args: resolved } = sluiceCommand(args);
  const full = resolved.map((arg) => (arg === 'tsx' ? pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href : arg));
  return new Promise((resolve, reject) => {
    const child = spawn(command, full, { cwd, env: { ...process.env, SLUICE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    options.whileRunning?.(child);
  });
}

export interface SluiceProcess {
  readonly url: string;
  /** The default source's writeKey, as the start banner printed it (first start only). */
  readonly writeKey: string | undefined;
  readonly child: ChildProcess;
  output(): string;
  /** SIGKILL: no shutdown code runs, like a power cut of the process. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the orderly shutdown. */
  stop(): Promise<void>;
}

/** Starts `sluice start` as a real OS process on a random port with the given data dir. */
export async function startSluiceProcess(dataDir: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<SluiceProcess> {
  const { command, args } = sluiceCommand(['start']);
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, SLUICE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sluice did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /Sluice is running: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice exited with code ${code} before it started:\n${output}`));
    });
  });
  const writeKey = /writeKey of the default source: (\S+)/.exec(output)?.[1];
  return {
    url,
    writeKey,
    child,
    output: () => output,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
