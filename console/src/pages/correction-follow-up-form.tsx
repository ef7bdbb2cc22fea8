import { TextPromptForm } from '../components/text-prompt-form';

/** A recipient a completed correction did not reach: its delivery of the corrected identify failed (the API's `correctionFollowUps`). */
export interface CorrectionFollowUp {
  destinationId: string;
  name: string;
  type: string;
  /** Why it failed, the latest time, and the destination's answer. */
  reason: string | null;
  detail: string | null;
  /** When it failed, the latest time. */
  failedAt?: string;
  /** When it failed again after the team sent it again: who did, and when. */
  retriedBy?: string;
  retriedAt?: string;
}

/** What the queue says about one recipient to follow up, in a line: why and when it failed (again, after whose re-send). */
export function correctionFollowUpText(f: CorrectionFollowUp): string {
  const when = (iso: string) => new Date(iso).toLocaleString();
  const why = f.reason ? ` (${f.reason})` : '';
  const at = f.failedAt ? ` on ${when(f.failedAt)}` : '';
  const again = f.retriedBy && f.retriedAt ? ` again${why}${at}, after ${f.retriedBy} sent it again on ${when(f.retriedAt)}` : `${why}${at}`;
  return `${f.name} did not accept the correction${again}: send it again once it can, or confirm it was told another way`;
}

/**
 * Confirming by hand that a recipient was told of the correction another way (the team wrote to the service, or
 * corrected the record there): how is asked for (it goes into the request's history and the recipient's detail), in
 * place of the row's buttons.
 */
export function ToldByHandForm({ requestId, followUp, onSubmit, onCancel }: { requestId: string; followUp: CorrectionFollowUp; onSubmit: (note: string) => void; onCancel: () => void }) {
  return (
    <TextPromptForm
      formLabel={`Confirm ${followUp.name} was told of the correction of request ${requestId}`}
      fieldId={`told-${requestId}-${followUp.destinationId}`}
      fieldLabel="How it was told (goes into the request's history)"
      submitLabel={`Confirm ${followUp.name} was told`}
      onSubmit={onSubmit}
      onCancel={onCancel}
    >
      <strong>{followUp.name}</strong> did not accept the corrected data{followUp.detail ? ` (${followUp.detail})` : ''}. Once it has the correction another
      way (you wrote to the service, or corrected the record there), confirm it here: it leaves the corrections to follow up, naming you and your note, and
      once no recipient is left the person is emailed that each has it.
    </TextPromptForm>
  );
}

/**
 * Withdrawing a confirmation by hand of a correction's recipient (made by mistake, or the service was not told after
 * all): why is asked for (it goes into the request's history), in place of the row's buttons.
 */
export function WithdrawToldByHandForm({ requestId, recipient, onSubmit, onCancel }: { requestId: string; recipient: { destinationId: string; name: string; confirmedBy?: string }; onSubmit: (reason: string) => void; onCancel: () => void }) {
  return (
    <TextPromptForm
      formLabel={`Withdraw the confirmation at ${recipient.name} of request ${requestId}`}
      fieldId={`withdraw-told-${requestId}-${recipient.destinationId}`}
      fieldLabel="Why (goes into the request's history)"
      submitLabel={`Withdraw the confirmation at ${recipient.name}`}
      onSubmit={onSubmit}
      onCancel={onCancel}
    >
      {recipient.confirmedBy ?? 'A member'} confirmed that <strong>{recipient.name}</strong> was told of the correction another way. Withdrawn, it reads as
      it did before (its delivery failed) and is back on the corrections to follow up. The person, if told already, is not emailed again.
    </TextPromptForm>
  );
}
