import type { FormEvent, ReactNode } from 'react';

/**
 * The frame of a question asked in place of a row's buttons: its fields, then the action and Cancel (Escape cancels
 * too). The action stays disabled, and submitting does nothing, until the fields are `ready`.
 */
export function RowPromptForm({
  label,
  submitLabel,
  ready,
  danger = false,
  children,
  onSubmit,
  onCancel,
}: {
  /** The form's accessible name. */
  label: string;
  submitLabel: string;
  ready: boolean;
  danger?: boolean;
  children: ReactNode;
  onSubmit: () => void;
  onCancel: () => void;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (ready) onSubmit();
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={label} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      {children}
      <div className="actions">
        <button type="submit" className={danger ? 'danger' : 'primary'} disabled={!ready}>
          {submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
