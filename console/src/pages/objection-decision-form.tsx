import { useState } from 'react';
import { RowPromptForm } from '../components/row-prompt-form';

/** The team's decision on one purpose of an objection (the API's `objectionDecision` items). */
export interface PurposeDecision {
  purpose: string;
  outcome: 'stopped' | 'refused';
  note: string;
}

/**
 * Deciding an objection's purposes that no consent category covers (decision 0607), in place of the row's buttons:
 * for each purpose, stopped (what was stopped and where) or refused (the compelling legitimate grounds, which the
 * person is told). Sent once every purpose has a note; the server refuses to record direct marketing as refused.
 */
export function ObjectionDecisionForm({ requestId, purposes, onSubmit, onCancel }: { requestId: string; purposes: string[]; onSubmit: (decisions: PurposeDecision[]) => void; onCancel: () => void }) {
  const [decisions, setDecisions] = useState<PurposeDecision[]>(() => purposes.map((purpose) => ({ purpose, outcome: 'stopped', note: '' })));
  const change = (i: number, patch: Partial<PurposeDecision>) => setDecisions(decisions.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const ready = decisions.every((d) => d.note.trim() !== '');
  return (
    <RowPromptForm
      label={`Decide the objection ${requestId}`}
      submitLabel="Record the decision and answer the person"
      ready={ready}
      onSubmit={() => onSubmit(decisions.map((d) => ({ ...d, note: d.note.trim() })))}
      onCancel={onCancel}
    >
      <p>
        The person objects to uses no consent category covers. For each, stop it (say what you stopped and where) or refuse it on compelling legitimate
        grounds that override their interests (GDPR Art. 21(1); the person is told the grounds and may complain). An objection to direct marketing must always
        be honoured.
      </p>
      {decisions.map((d, i) => (
        <fieldset key={d.purpose}>
          <legend>“{d.purpose}”</legend>
          <label htmlFor={`outcome-${requestId}-${i}`}>Decision on “{d.purpose}”</label>
          <select id={`outcome-${requestId}-${i}`} value={d.outcome} onChange={(e) => change(i, { outcome: e.target.value === 'refused' ? 'refused' : 'stopped' })}>
            <option value="stopped">Stopped</option>
            <option value="refused">Refused (compelling legitimate grounds)</option>
          </select>
          <label htmlFor={`note-${requestId}-${i}`}>{d.outcome === 'refused' ? `Grounds for going on with “${d.purpose}” (the person is told)` : `What was stopped for “${d.purpose}”, and where`}</label>
          <textarea id={`note-${requestId}-${i}`} rows={2} required maxLength={2000} value={d.note} onChange={(e) => change(i, { note: e.target.value })} />
        </fieldset>
      ))}
    </RowPromptForm>
  );
}
