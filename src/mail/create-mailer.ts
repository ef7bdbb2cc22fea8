import type { Logger } from 'pino';
import type { SluiceConfig } from '../config/config.js';
import { DevelopmentOutbox } from './development-outbox.js';
import type { Mailer } from './mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

/** The mailer this installation uses: SMTP when `SLUICE_SMTP_URL` is set, otherwise the development outbox. */
export function createMailer(config: Pick<SluiceConfig, 'smtpUrl' | 'mailFrom'>, logger: Logger): Mailer {
  if (config.smtpUrl) return new SmtpMailer(config.smtpUrl, config.mailFrom, logger);
  logger.info('development mode: no SMTP configured (SLUICE_SMTP_URL unset): emails are written to this log and kept at GET /api/v1/outbox, not sent');
  return new DevelopmentOutbox(config.mailFrom, logger);
}
