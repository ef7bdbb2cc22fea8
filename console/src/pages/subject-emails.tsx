/** An email to the subject (decision 0802): kept and retried until the mail server takes it, or given up. */
export interface SubjectEmail {
  id: string;
  kind: string;
  language: string;
  status: 'queued' | 'retrying' | 'sent' | 'gave_up';
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  nextAttemptAt?: string;
  sentAgainBy?: string;
}

/** What an email to the subject is, in words. */
const EMAIL_KIND_TEXT: Readonly<Record<string, string>> = {
  receipt: 'Receipt',
  extension: 'Extension',
  denial: 'Denial',
  completion: 'Answer',
  new_link: 'New link',
  deletion_update: 'Deletion update',
  correction_update: 'Correction update',
};

/** An email's kind in words ("Receipt", "Answer"). */
export const emailKindText = (e: Pick<SubjectEmail, 'kind'>): string => EMAIL_KIND_TEXT[e.kind] ?? e.kind;

/** Given up, and nobody sent it again: the person may not have been told. */
export const isGivenUp = (e: SubjectEmail): boolean => e.status === 'gave_up' && !e.sentAgainBy;

/** Where an email stands, in words. */
function emailStatusText(e: SubjectEmail): string {
  const tries = `${e.attempts} attempt${e.attempts === 1 ? '' : 's'}`;
  if (e.status === 'sent') return `sent ${e.sentAt ? new Date(e.sentAt).toLocaleString() : ''}`.trim();
  if (e.status === 'queued') return 'waiting to be sent';
  if (e.status === 'retrying') return `not taken by the mail server yet (${tries}; next ${e.nextAttemptAt ? new Date(e.nextAttemptAt).toLocaleString() : 'soon'})`;
  return e.sentAgainBy ? `given up (${tries}), sent again by ${e.sentAgainBy}` : `given up (${tries}): the person was not told`;
}

/** A request's emails to the subject, each with where it stands and the mail server's last answer. */
export function SubjectEmailList({ requestId, emails }: { requestId: string; emails: readonly SubjectEmail[] }) {
  return (
    <ul className="muted" aria-label={`Emails to the subject of request ${requestId}`}>
      {emails.map((e) => (
        <li key={e.id} className={isGivenUp(e) ? 'overdue' : undefined} title={e.lastError ?? undefined}>
          {emailKindText(e)} email: {emailStatusText(e)}
          {e.lastError && e.status !== 'sent' ? ` (${e.lastError})` : ''}
        </li>
      ))}
    </ul>
  );
}
