import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { SluiceError } from '../core/errors.js';
import { reportUnknownOptionsFirst } from './unknown-options-first.js';

/** The installed version (package.json two levels up, from src/cli and dist/cli alike). */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// Each command loads its code only when it runs, so `sluice --help` and small commands start fast.
const program = new Command();
program
  .name('sluice')
  .description('Sluice: a privacy-first, Segment-compatible customer data platform.\nConfiguration comes from environment variables (see README: PORT, HOST, SLUICE_DATA_DIR, SLUICE_ADMIN_TOKEN, ...).')
  .version(VERSION)
  .showHelpAfterError()
  // A usage error (unknown command or option, a missing argument) exits 2 like our own; commander would exit 1,
  // which the commands keep for outages. Inherited by the commands defined below.
  .exitOverride()
  // A misspelt variable (SLUICE_DATABSE_URL) would quietly change nothing: say so before any command runs.
  .hook('preAction', async () => {
    const { unknownVariables } = await import('../config/config.js');
    for (const warning of unknownVariables()) process.stderr.write(`sluice: warning: ${warning}\n`);
  });

program
  .command('start')
  .description('Run Sluice (every role in one process unless --role says otherwise)')
  .option('--role <roles>', 'comma-separated roles: ingest, processor, router, jobs, api, or all')
  .action(async (options: { role?: string }) => (await import('./start-command.js')).startCommand(options));

program
  .command('import')
  .description('Bulk-import historical events from an NDJSON file (one Segment event per line) into a running Sluice.\nEach event keeps its own timestamp; bad lines are reported with their line numbers and the good ones are kept.\nExit code 1 if any line failed.')
  .argument('<file>', 'NDJSON file: one Segment event (identify, track, page, screen, group, alias) per line')
  .requiredOption('--write-key <key>', 'writeKey of the source the events belong to')
  .option('--url <url>', 'URL of the running Sluice (default: SLUICE_PUBLIC_URL, else http://HOST:PORT)')
  .action(async (file: string, options: { writeKey: string; url?: string }) => (await import('./import-command.js')).importCommand(file, options));

program
  .command('backup')
  .description('Write a consistent copy of the embedded SQLite database into DIR, while Sluice keeps running')
  .argument('<dir>', 'directory to write the backup into (created if missing)')
  .option('--data-dir <dir>', 'data directory of the Sluice to back up (default: SLUICE_DATA_DIR, else ./data)')
  .action(async (dir: string, options: { dataDir?: string }) => (await import('./backup-command.js')).backupCommand(dir, options));

program
  .command('replay')
  .description('Send stored events of a time range (by receivedAt) to one destination again, oldest first')
  .requiredOption('--destination <id>', 'destination id (GET /api/v1/destinations)')
  .requiredOption('--from <iso>', 'start of the range, inclusive (ISO-8601, e.g. 2026-01-31T00:00:00Z; without an offset, UTC)')
  .option('--to <iso>', 'end of the range, exclusive (ISO-8601; without an offset, UTC; default: now)')
  .option('--event <name>', 'only track events of this name')
  .option('--type <type>', 'only events of this type (track, identify, page, screen, group, alias)')
  .option('--source <id>', 'only events of this source')
  .option('--workspace <id>', 'the destination\'s workspace (default: found by id)')
  .action(async (options: import('./replay-command.js').ReplayOptions) => (await import('./replay-command.js')).replayCommand(options));

const audit = program.command('audit').description('The hash-chained audit log');
audit
  .command('verify')
  .description('Check the audit hash chains (all workspaces, or one), or an exported file offline, and report the first broken link; exit 1 if broken')
  .option('--workspace <id>', 'only this workspace')
  .option('--file <export.ndjson>', 'check an audit log export (GET /api/v1/audit-log/export) instead of the database; needs no configuration')
  .action(async (options: { workspace?: string; file?: string }) => (await import('./audit-command.js')).auditVerifyCommand(options));

program
  .command('report')
  .description('Print a disclosure report generated from the live configuration and PII inventory:\n  data-map (sources -> categories -> destinations), ccpa (the privacy-policy chart), ropa (GDPR Art. 30 record)')
  .argument('<kind>', 'data-map, ccpa or ropa')
  .option('--format <format>', 'md, html or json', 'md')
  .option('--workspace <id>', 'workspace (default: the default workspace)')
  .action(async (kind: string, options: { format?: string; workspace?: string }) => (await import('./report-command.js')).reportCommand(kind, options));

program
  .command('migrate')
  .description('Apply pending database migrations (SLUICE_DATABASE_URL, or the embedded store) and exit; `start` does it too')
  .action(async () => (await import('./migrate-command.js')).migrateCommand());

reportUnknownOptionsFirst(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // Commander printed its message (and the help) already; --help and --version end here too, with 0.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  // Expected failures are told in a sentence: exit 1 for an outage (trying again later can work, e.g. NATS
  // unreachable), 2 for a usage or configuration error. Anything else is a bug: its stack trace helps.
  if (error instanceof SluiceError) {
    process.stderr.write(`sluice: ${error.message}\n`);
    process.exit(error.retriable ? 1 : 2);
  }
  process.stderr.write(`sluice: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
