import { loadConfig } from '../config/config.js';
import { migrateStore } from '../runtime/backends.js';

/** `sluice migrate`: brings the store's schema up to date (safe to run while other processes run). */
export async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  const applied = await migrateStore(config);
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`;
  process.stdout.write(applied.length === 0 ? `Store (${where}) is up to date.\n` : `Applied to ${where}:\n${applied.map((name) => `  ${name}\n`).join('')}`);
}
