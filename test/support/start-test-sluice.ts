import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type SluiceConfig } from '../../src/config/config.js';
import { startSluice, type Sluice } from '../../src/main.js';

export interface TestSluice extends Sluice {
  token: string;
  writeKey: string;
  dataDir: string;
  /** Closes Sluice and removes its data dir. */
  stop(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'test-owner-token-0123456789abcdef';

/** A real Sluice on a random port with a fresh data dir (embedded mode). */
export async function startTestSluice(env: Record<string, string> = {}, overrides: Partial<SluiceConfig> = {}): Promise<TestSluice> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-test-'));
  const config = loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, SLUICE_LOG_LEVEL: 'warn', ...env }, overrides);
  const sluice = await startSluice(config);
  const writeKey = sluice.bootstrap.defaultWriteKey;
  if (!writeKey) throw new Error('bootstrap created no default source');
  return Object.assign(sluice, {
    token: TEST_ADMIN_TOKEN,
    writeKey,
    dataDir,
    async stop() {
      await sluice.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** Polls `check` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
