import { useState, type FormEvent, type ReactNode } from 'react';

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
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim() !== '') onSubmit(text.trim());
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={formLabel} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p>{children}</p>
      <label htmlFor={fieldId}>{fieldLabel}</label>
      <textarea id={fieldId} rows={2} required maxLength={2000} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
      <div className="actions">
        <button type="submit" className={danger ? 'danger' : 'primary'} disabled={text.trim() === ''}>
          {submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
