import { Command } from 'commander';
import { SluiceError } from '../core/errors.js';
import { auditVerifyCommand } from './audit-command.js';
import { startCommand } from './start-command.js';

const program = new Command();
program
  .name('sluice')
  .description('Sluice: a privacy-first, Segment-compatible customer data platform.\nConfiguration comes from environment variables (see README: PORT, HOST, SLUICE_DATA_DIR, SLUICE_ADMIN_TOKEN, ...).')
  .showHelpAfterError();

program
  .command('start')
  .description('Run Sluice (every role in one process unless --role says otherwise)')
  .option('--role <roles>', 'comma-separated roles: ingest, processor, router, jobs, api, or all')
  .action(startCommand);

const audit = program.command('audit').description('The hash-chained audit log');
audit
  .command('verify')
  .description('Check the audit hash chains (all workspaces, or one) and report the first broken link; exit 1 if broken')
  .option('--workspace <id>', 'only this workspace')
  .action(auditVerifyCommand);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof SluiceError) {
    process.stderr.write(`sluice: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`sluice: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
