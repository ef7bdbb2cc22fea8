import { TextPromptForm } from '../components/text-prompt-form';

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

/** A destination where a person confirmed the deletion by hand (the API's `handConfirmations`). */
export interface HandConfirmation {
  destinationId: string;
  name: string;
  type: string;
  confirmedBy: string;
  confirmedAt: string;
  /** False for a confirmation an earlier version made, which kept nothing to put back. */
  withdrawable: boolean;
}

/** What the queue says about one confirmation by hand, in a line. */
export function handConfirmationText(c: HandConfirmation): string {
  return `Deleted at ${c.name}: confirmed by hand by ${c.confirmedBy} on ${new Date(c.confirmedAt).toLocaleString()}`;
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
  return (
    <TextPromptForm
      formLabel={`Confirm the deletion at ${followUp.name} of request ${requestId}`}
      fieldId={`follow-up-${requestId}-${followUp.destinationId}`}
      fieldLabel="What was done (goes into the certificate and the request's history)"
      submitLabel={`Confirm deleted at ${followUp.name}`}
      onSubmit={onSubmit}
      onCancel={onCancel}
    >
      Sluice could not confirm the deletion at <strong>{followUp.name}</strong> ({followUp.detail}). It cannot send the deletion again: the subject's identifiers
      were cleared when the request completed. Once the data is deleted there (ask {followUp.name}, or delete it by hand), confirm it here: the certificate is
      issued again with this destination deleted, naming you and your note.
    </TextPromptForm>
  );
}

/**
 * Withdrawing a confirmation by hand (made by mistake, or the tool had not deleted after all): why is asked for (it
 * goes into the certificate and the request's history), in place of the row's buttons.
 */
export function WithdrawConfirmationForm({ requestId, confirmation, onSubmit, onCancel }: { requestId: string; confirmation: HandConfirmation; onSubmit: (reason: string) => void; onCancel: () => void }) {
  return (
    <TextPromptForm
      formLabel={`Withdraw the confirmation at ${confirmation.name} of request ${requestId}`}
      fieldId={`withdraw-${requestId}-${confirmation.destinationId}`}
      fieldLabel="Why (goes into the certificate and the request's history)"
      submitLabel={`Withdraw the confirmation at ${confirmation.name}`}
      onSubmit={onSubmit}
      onCancel={onCancel}
    >
      {confirmation.confirmedBy} confirmed that the data is deleted at <strong>{confirmation.name}</strong>. Withdrawn, the certificate is issued again with
      this destination as the tool left it, and the request is back on the list of deletions to follow up.
    </TextPromptForm>
  );
}
