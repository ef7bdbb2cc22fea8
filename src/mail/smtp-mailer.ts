import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { hideEmailsIn, maskEmail } from '../core/privacy/personal-text.js';
import type { Mailer, MailMessage, SendResult } from './mailer.js';

/** The SMTP answer code and message nodemailer attaches to a failed send. */
interface SmtpFailure {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * Sends email through an SMTP server with nodemailer (pooled connections). The URL carries the server and
 * credentials: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://user:pass@host:465` (TLS).
 * Only the recipient (masked: `a***@example.com`, it may be a data subject's address), subject and outcome are
 * logged, never the body (it can hold one-time links).
 */
export class SmtpMailer implements Mailer {
  readonly mode = 'smtp' as const;
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly logger: Logger,
    options: { timeoutMs?: number } = {},
  ) {
    const timeout = options.timeoutMs ?? 30_000;
    this.transport = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 2, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout });
  }

  async send(message: MailMessage): Promise<SendResult> {
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html !== undefined && { html: message.html }),
      });
      const refused = (info.rejected ?? []).map(String);
      if (refused.length > 0) {
        this.logger.warn({ to: maskEmail(message.to), subject: message.subject }, 'email refused by the SMTP server');
        return { ok: false, reason: `The SMTP server refused ${refused.join(', ')}.`, retriable: false };
      }
      this.logger.info({ to: maskEmail(message.to), subject: message.subject, messageId: info.messageId }, 'email sent');
      return { ok: true, messageId: String(info.messageId) };
    } catch (raw) {
      const error = raw as SmtpFailure;
      const permanent = typeof error.responseCode === 'number' && error.responseCode >= 500;
      const reason = error.response ? `SMTP server answered: ${error.response}` : `SMTP failure: ${error.message ?? String(raw)}${error.code ? ` (${error.code})` : ''}`;
      this.logger.warn({ to: maskEmail(message.to), subject: message.subject, reason: hideEmailsIn(reason, '[email]') }, 'email not sent');
      return { ok: false, reason, retriable: !permanent };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
