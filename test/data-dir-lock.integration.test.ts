import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startSluice } from '../src/main.js';
import pino from 'pino';
import { DataDirLock, dataDirLockFile } from '../src/runtime/data-dir-lock.js';
import { runCli } from './support/sluice-process.js';

/**
 * One Sluice per embedded data directory: a second `sluice start` on the same files would run a second processor
 * and router over the same inbox and delivery queues. It is refused while the first runs, allowed once it has
 * stopped, and a lock left by a process that died is taken over. Real starts, in this process and as the CLI.
 */
const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const config = (dataDir: string) => loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: 'lock-test-owner-token-0123456789abcdef', SLUICE_LOG_LEVEL: 'silent', SLUICE_ROLES: 'api' });

describe('the data directory lock', () => {
  it('refuses a second start on a data directory in use, naming the process, and allows it once the first stopped', async () => {
    const dataDir = mkdtempSync(path.join(work, 'in-use-'));
    const first = await startSluice(config(dataDir));
    try {
      expect(readFileSync(dataDirLockFile(dataDir), 'utf8').split('\n')[0]).toBe(String(process.pid));
      await expect(startSluice(config(dataDir))).rejects.toMatchObject({ code: 'data_dir_in_use', message: expect.stringContaining(`process ${process.pid}`) });
      // As an operator meets it: the CLI says it in a sentence and exits 2, leaving the first one's lock alone.
      const cli = await runCli(['start'], { SLUICE_DATA_DIR: dataDir, PORT: '0', SLUICE_ADMIN_TOKEN: 'lock-test-owner-token-0123456789abcdef' });
      expect(cli.code, cli.stderr).toBe(2);
      expect(cli.stderr).toContain(`Another Sluice (process ${process.pid}`);
      expect(cli.stderr).toContain(`is running on the data directory ${dataDir}`);
      expect(existsSync(dataDirLockFile(dataDir))).toBe(true);
    } finally {
      await first.close();
    }
    expect(existsSync(dataDirLockFile(dataDir))).toBe(false);
    const again = await startSluice(config(dataDir));
    await again.close();
  });

  it('takes over a lock left by a process that died, and releases it when a start fails', async () => {
    const dataDir = mkdtempSync(path.join(work, 'stale-'));
    // A pid no process has (beyond the kernel's limit), on this host.
    writeFileSync(dataDirLockFile(dataDir), `4194305\n${os.hostname()}\n2026-01-01T00:00:00.000Z\n`);
    const sluice = await startSluice(config(dataDir));
    expect(readFileSync(dataDirLockFile(dataDir), 'utf8').split('\n')[0]).toBe(String(process.pid));
    await sluice.close();
    // A start that fails after taking the lock (another secret key) leaves none behind.
    await expect(startSluice(loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: 'lock-test-owner-token-0123456789abcdef', SLUICE_LOG_LEVEL: 'silent', SLUICE_ROLES: 'api', SLUICE_SECRET_KEY: 'a-different-secret-key-0123456789abcdef' }))).rejects.toMatchObject({ code: 'secret_key_mismatch' });
    expect(existsSync(dataDirLockFile(dataDir))).toBe(false);
  });

  it('logs a takeover with the dead holder\'s pid apart from its own, one pid per JSON line', () => {
    const dataDir = mkdtempSync(path.join(work, 'logged-'));
    writeFileSync(dataDirLockFile(dataDir), `4194305\n${os.hostname()}\n2026-01-01T00:00:00.000Z\n`);
    const lines: string[] = [];
    DataDirLock.acquire(dataDir, pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) })).release();
    expect(lines).toHaveLength(1);
    // A duplicate key would leave log tools with the last one: the dead process's pid as the logging process's.
    expect(lines[0]!.match(/"pid":/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ pid: process.pid, holderPid: 4194305, since: '2026-01-01T00:00:00.000Z', msg: expect.stringContaining('taking over the data directory') as string });
  });
});
