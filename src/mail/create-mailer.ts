import type { Logger } from 'pino';
import type { SluiceConfig } from '../config/config.js';
import { DevelopmentOutbox } from './development-outbox.js';
import type { Mailer } from './mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

/** The mailer this installation uses: SMTP when `SLUICE_SMTP_URL` is set, otherwise the development outbox. */
export function createMailer(config: Pick<SluiceConfig, 'smtpUrl' | 'mailFrom' | 'roles'>, logger: Logger): Mailer {
  if (config.smtpUrl) return new SmtpMailer(config.smtpUrl, config.mailFrom, logger);
  // The outbox is per process and read through the admin API: a process without the api role (the jobs role's alerts
  // and notices to data subjects) has only its log.
  const kept = config.roles.includes('api') ? 'written to this log and kept at GET /api/v1/outbox' : 'written to this log only (this process has no api role, so no GET /api/v1/outbox)';
  logger.info(`development mode: no SMTP configured (SLUICE_SMTP_URL unset): emails are ${kept}, not sent`);
  return new DevelopmentOutbox(config.mailFrom, logger);
}
