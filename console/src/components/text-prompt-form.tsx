import { useState, type ReactNode } from 'react';
import { RowPromptForm } from './row-prompt-form';

/**
 * A question asked in place of a row's buttons that needs a line of text before it goes ahead (a denial's reason,
 * what was done to finish a deletion by hand): what it is about, a required text field, the action and Cancel
 * (Escape cancels too). The action stays disabled while the text is blank; the text is handed on trimmed.
 */
export function TextPromptForm({
  formLabel,
  fieldId,
  fieldLabel,
  submitLabel,
  danger = false,
  children,
  onSubmit,
  onCancel,
}: {
  formLabel: string;
  fieldId: string;
  fieldLabel: string;
  submitLabel: string;
  danger?: boolean;
  /** What the question is about, shown above the field. */
  children: ReactNode;
  onSubmit: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState('');
  return (
    <RowPromptForm label={formLabel} submitLabel={submitLabel} ready={text.trim() !== ''} danger={danger} onSubmit={() => onSubmit(text.trim())} onCancel={onCancel}>
      <p>{children}</p>
      <label htmlFor={fieldId}>{fieldLabel}</label>
      <textarea id={fieldId} rows={2} required maxLength={2000} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
    </RowPromptForm>
  );
}
