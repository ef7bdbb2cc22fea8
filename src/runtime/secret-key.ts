import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomToken } from '../core/ids.js';
import type { SluiceConfig } from '../config/config.js';

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
