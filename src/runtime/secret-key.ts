import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomToken } from '../core/ids.js';
import type { SluiceConfig } from '../config/config.js';
import type { Logger } from 'pino';
import type { Keys } from '../core/crypto/keys.js';
import { SluiceError } from '../core/errors.js';
import type { InstallationRepository } from '../store/store.js';

/**
 * The installation's secret: SLUICE_SECRET_KEY when set; in embedded mode otherwise a key generated once
 * into `<dataDir>/secret.key` (readable by the owner only). Scale mode refuses to start without it (config).
 */
export function resolveSecretKey(config: SluiceConfig): string {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomToken(64);
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/** What the key check signs: its HMAC under the installation's key is stored once, at the first start. */
const KEY_CHECK_INPUT = 'sluice:secret-key-check:v1';
const KEY_CHECK = 'secret_key_check';

/**
 * Refuses to go on with a secret key other than the one the installation's secrets were sealed with (a restore
 * without `secret.key`, a SLUICE_SECRET_KEY set to another value): every sealed destination secret and two-factor
 * secret would fail to open and every signature fail to verify. The first start records an HMAC of a fixed text
 * under the key (installations from before this check record theirs at their next start); later starts compare.
 * With `acceptNewSecretKey` (the old key is lost for good) the new key's check replaces the old one, loudly.
 */
export async function checkSecretKey(installation: InstallationRepository, keys: Keys, config: SluiceConfig, logger?: Logger): Promise<void> {
  const check = keys.sign(KEY_CHECK_INPUT);
  const stored = await installation.setIfAbsent(KEY_CHECK, check);
  if (stored === check) return;
  if (config.acceptNewSecretKey) {
    await installation.replace(KEY_CHECK, check);
    logger?.warn('started with a new secret key (SLUICE_ACCEPT_NEW_SECRET_KEY): secrets sealed with the old key cannot be read; enter the destinations\' secrets and members\' two-factor again');
    return;
  }
  // SLUICE_SECRET_KEY wins over secret.key, so restoring the file helps only when the variable is unset.
  const fix = config.secretKey
    ? config.databaseUrl
      ? 'set SLUICE_SECRET_KEY to the one the installation\'s other processes run with (every process needs the same key)'
      : 'set SLUICE_SECRET_KEY to it, or unset it to use the secret.key in the data directory'
    : `restore secret.key from your backup into ${config.dataDir}, or set SLUICE_SECRET_KEY to it`;
  const source = config.secretKey ? 'SLUICE_SECRET_KEY' : `${path.join(config.dataDir, 'secret.key')}`;
  throw new SluiceError(
    'secret_key_mismatch',
    `The secret key from ${source} is not the one this installation sealed its secrets with (destination credentials, two-factor secrets, signatures). Start with the original key: ${fix}. Only if it is lost for good, start once with SLUICE_ACCEPT_NEW_SECRET_KEY=true and enter those secrets again.`,
  );
}
