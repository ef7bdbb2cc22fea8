import { useId, useState, type ReactNode } from 'react';
import './confirm.css';

/**
 * The console's inline confirmation (as for rotating a writeKey or removing a member): says what will happen,
 * then a button that does it (focused, so Enter confirms and Tab reaches Cancel) and Cancel. Escape cancels;
 * after a cancel, focus goes back to the control that opened it (found again by its id, since the opener is
 * often re-rendered in the prompt's place).
 */
export function ConfirmPrompt({
  label,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  busy = false,
  danger = true,
}: {
  /** The group's accessible name, e.g. "Confirm role change for pat@example.com". */
  label: string;
  /** What will happen: the consequence in the user's terms. */
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  danger?: boolean;
}) {
  const messageId = useId();
  // Read while rendering, before the confirm button takes focus (autoFocus runs before effects do).
  const [openerId] = useState(() => {
    const active = document.activeElement;
    return active instanceof HTMLElement && active.id !== '' ? active.id : null;
  });
  const cancel = () => {
    const id = openerId;
    onCancel();
    if (id) requestAnimationFrame(() => document.getElementById(id)?.focus());
  };
  return (
    <div
      className="confirm"
      role="group"
      aria-label={label}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          cancel();
        }
      }}
    >
      <span id={messageId}>{children}</span>{' '}
      <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy} aria-describedby={messageId} autoFocus>
        {confirmLabel}
      </button>{' '}
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </div>
  );
}
