/**
 * Outgoing email: one small interface with two implementations, chosen once at start from the configuration
 * (`createMailer`): SMTP through nodemailer when `SLUICE_SMTP_URL` is set, otherwise the development outbox,
 * which logs each message and keeps it in memory for owners and admins (`GET /api/v1/outbox`).
 *
 * Sending is an expected outcome, not an exception: a refused recipient or an unreachable server comes back as
 * `{ ok: false }` with a reason, so a caller decides (an invitation is still created, and the API says the email
 * was not sent).
 *
 * @example
 *   const sent = await mailer.send({ to: 'ana@example.com', subject: 'Your invitation', text: `Open ${link}`, workspaceId });
 *   if (!sent.ok) logger.warn({ reason: sent.reason }, 'invitation email not sent');
 */
export interface Mailer {
  /** `smtp`: messages leave through an SMTP server. `development`: no SMTP configured, messages go to the log and the outbox. */
  readonly mode: MailMode;
  send(message: MailMessage): Promise<SendResult>;
  /** Closes pooled SMTP connections. */
  close(): Promise<void>;
}

export type MailMode = 'smtp' | 'development';

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text body: always sent, read by every client. */
  text: string;
  /** Optional HTML alternative of the same content. */
  html?: string;
  /** The workspace the message is about; the development outbox shows it to that workspace's owners and admins only. */
  workspaceId?: string;
}

export type SendResult =
  | { ok: true; messageId: string }
  /** `retriable`: the server was unreachable or answered 4xx (try later); false for a permanent refusal (5xx). */
  | { ok: false; reason: string; retriable: boolean };
