import { useState, type FormEvent } from 'react';

/** A destination a completed deletion did not reach for certain (the API's `deletionFollowUps`). */
export interface DeletionFollowUp {
  destinationId: string;
  name: string;
  type: string;
  /** `failed`: the tool reported its job failed; `unconfirmed`: Sluice stopped asking before the job ended. */
  reason: 'failed' | 'unconfirmed';
  detail: string;
  jobId?: string;
}

/** What the queue says about one follow-up, in a line. */
export function followUpText(f: DeletionFollowUp): string {
  return `Follow up at ${f.name}: ${f.reason === 'failed' ? "the tool's deletion job failed" : 'the deletion was never confirmed'}${f.jobId ? ` (job ${f.jobId})` : ''}`;
}

/**
 * Confirming by hand that a follow-up is done: what was done is asked for (it goes into the re-issued certificate
 * and the request's history), in place of the row's buttons.
 */
export function FollowUpForm({ requestId, followUp, onSubmit, onCancel }: { requestId: string; followUp: DeletionFollowUp; onSubmit: (note: string) => void; onCancel: () => void }) {
  const [note, setNote] = useState('');
  const fieldId = `follow-up-${requestId}-${followUp.destinationId}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (note.trim() !== '') onSubmit(note.trim());
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={`Confirm the deletion at ${followUp.name} of request ${requestId}`} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p>
        Sluice could not confirm the deletion at <strong>{followUp.name}</strong> ({followUp.detail}). It cannot send the deletion again: the subject's
        identifiers were cleared when the request completed. Once the data is deleted there (ask {followUp.name}, or delete it by hand), confirm it here:
        the certificate is issued again with this destination deleted, naming you and your note.
      </p>
      <label htmlFor={fieldId}>What was done (goes into the certificate and the request's history)</label>
      <textarea id={fieldId} rows={2} required maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} autoFocus />
      <div className="actions">
        <button type="submit" className="primary" disabled={note.trim() === ''}>
          Confirm deleted at {followUp.name}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
