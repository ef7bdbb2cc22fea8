import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Mailer, MailMessage, SendResult } from './mailer.js';

/** A message kept by the development outbox. */
export interface OutboxEntry extends MailMessage {
  id: string;
  from: string;
  sentAt: number;
}

export const DEVELOPMENT_MODE_NOTICE = 'development mode: no SMTP configured';

/**
 * The mailer used when no SMTP server is configured (`SLUICE_SMTP_URL` unset): each message is written to the
 * server log, clearly marked, and kept in memory (the newest `capacity` messages) so owners and admins can read
 * it at `GET /api/v1/outbox`. Nothing leaves the machine. The outbox is per process and emptied by a restart:
 * the log line is the lasting record.
 */
export class DevelopmentOutbox implements Mailer {
  readonly mode = 'development' as const;
  private readonly entries: OutboxEntry[] = [];

  constructor(
    private readonly from: string,
    private readonly logger: Logger,
    private readonly capacity = 200,
  ) {}

  async send(message: MailMessage): Promise<SendResult> {
    const entry: OutboxEntry = { ...message, id: randomUUID(), from: this.from, sentAt: Date.now() };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    this.logger.info(
      { mail: { id: entry.id, from: entry.from, to: entry.to, subject: entry.subject, text: entry.text, ...(entry.workspaceId && { workspaceId: entry.workspaceId }) } },
      `${DEVELOPMENT_MODE_NOTICE}: email to ${entry.to} not sent, kept in the outbox (GET /api/v1/outbox); set SLUICE_SMTP_URL to send email`,
    );
    return { ok: true, messageId: entry.id };
  }

  /** The kept messages, newest first; with `workspaceId`, only that workspace's. */
  list(filter: { workspaceId?: string | null } = {}): OutboxEntry[] {
    const all = [...this.entries].reverse();
    if (filter.workspaceId === undefined) return all;
    return all.filter((e) => (e.workspaceId ?? null) === filter.workspaceId);
  }

  async close(): Promise<void> {}
}
