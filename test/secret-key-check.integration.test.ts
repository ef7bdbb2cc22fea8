import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { isSluiceError } from '../src/core/errors.js';
import { startSluice } from '../src/main.js';
import { createTestSchema, postgresAvailable, schemaUrl } from './support/postgres.js';

/**
 * An installation refuses to start with a secret key other than the one its secrets were sealed with (a restore
 * without `secret.key`, SLUICE_SECRET_KEY set to another value): every sealed destination credential and
 * two-factor secret would fail to open. Only SLUICE_ACCEPT_NEW_SECRET_KEY=true (the old key lost for good) starts
 * it with the new key, which then is the installation's. Real embedded starts on one data directory.
 */
const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-key-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ADMIN = 'key-check-owner-token-0123456789abcdef';
const pgAvailable = await postgresAvailable();

async function start(dataDir: string, env: Record<string, string> = {}): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  try {
    const sluice = await startSluice(loadConfig({ PORT: '0', SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: ADMIN, SLUICE_LOG_LEVEL: 'silent', SLUICE_ROLES: 'api', ...env }));
    await sluice.close();
    return { ok: true };
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    return { ok: false, code: error.code, message: error.message };
  }
}

describe('the secret key check at start', () => {
  it('refuses a restored data dir without its secret.key, and another SLUICE_SECRET_KEY, saying what to do', async () => {
    const dataDir = mkdtempSync(path.join(work, 'restored-'));
    expect(await start(dataDir)).toEqual({ ok: true });
    const original = readFileSync(path.join(dataDir, 'secret.key'), 'utf8');
    // Restored without the key file: a new one is generated, and refused.
    rmSync(path.join(dataDir, 'secret.key'));
    const refused = await start(dataDir);
    expect(refused).toMatchObject({ ok: false, code: 'secret_key_mismatch' });
    expect((refused as { message: string }).message).toContain(`restore secret.key from your backup into ${dataDir}`);
    expect((refused as { message: string }).message).toContain('SLUICE_ACCEPT_NEW_SECRET_KEY=true');
    // Another key in the environment: refused, naming the variable.
    const other = await start(dataDir, { SLUICE_SECRET_KEY: 'another-secret-key-0123456789abcdef-xyz' });
    expect(other).toMatchObject({ ok: false, code: 'secret_key_mismatch', message: expect.stringContaining('The secret key from SLUICE_SECRET_KEY is not the one') });
    // The variable wins over secret.key, so restoring the file would not help: the message says so.
    expect((other as { message: string }).message).toContain('Start with the original key: set SLUICE_SECRET_KEY to it, or unset it to use the secret.key in the data directory.');
    expect((other as { message: string }).message).not.toContain('restore secret.key');
    // The original key back: it starts; the same key given as SLUICE_SECRET_KEY too.
    writeFileSync(path.join(dataDir, 'secret.key'), original);
    expect(await start(dataDir)).toEqual({ ok: true });
    expect(await start(dataDir, { SLUICE_SECRET_KEY: original.trim() })).toEqual({ ok: true });
  });

  it('starts with a new key only when told the old one is lost, and that key is the installation’s from then on', async () => {
    const dataDir = mkdtempSync(path.join(work, 'lost-'));
    expect(await start(dataDir)).toEqual({ ok: true });
    const replacement = 'replacement-secret-key-0123456789abcdef';
    expect(await start(dataDir, { SLUICE_SECRET_KEY: replacement })).toMatchObject({ ok: false, code: 'secret_key_mismatch' });
    expect(await start(dataDir, { SLUICE_SECRET_KEY: replacement, SLUICE_ACCEPT_NEW_SECRET_KEY: 'true' })).toEqual({ ok: true });
    expect(await start(dataDir, { SLUICE_SECRET_KEY: replacement })).toEqual({ ok: true });
    // The old key file is now the wrong one.
    expect(await start(dataDir)).toMatchObject({ ok: false, code: 'secret_key_mismatch' });
    expect(() => loadConfig({ SLUICE_ACCEPT_NEW_SECRET_KEY: 'yes' })).toThrow(/SLUICE_ACCEPT_NEW_SECRET_KEY must be true or false/);
  });
});

describe.runIf(pgAvailable)('the secret key check at start, in scale mode', () => {
  it('tells a second process started with another SLUICE_SECRET_KEY to use the other processes\' key, not to restore a file', async () => {
    const schema = await createTestSchema('key_check');
    try {
      const env = { SLUICE_DATABASE_URL: schemaUrl(schema), SLUICE_ROLES: 'all' };
      expect(await start(mkdtempSync(path.join(work, 'pg-a-')), { ...env, SLUICE_SECRET_KEY: 'first-process-secret-key-0123456789abcdef' })).toEqual({ ok: true });
      const second = await start(mkdtempSync(path.join(work, 'pg-b-')), { ...env, SLUICE_SECRET_KEY: 'second-process-typo-key-0123456789abcdef' });
      expect(second).toMatchObject({ ok: false, code: 'secret_key_mismatch' });
      expect((second as { message: string }).message).toContain("Start with the original key: set SLUICE_SECRET_KEY to the one the installation's other processes run with (every process needs the same key).");
      expect((second as { message: string }).message).not.toContain('secret.key');
    } finally {
      await schema.drop();
    }
  });
});
