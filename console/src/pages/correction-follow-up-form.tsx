import { TextPromptForm } from '../components/text-prompt-form';

/** A recipient a completed correction did not reach: its delivery of the corrected identify failed (the API's `correctionFollowUps`). */
export interface CorrectionFollowUp {
  destinationId: string;
  name: string;
  type: string;
  reason: string | null;
  detail: string | null;
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
