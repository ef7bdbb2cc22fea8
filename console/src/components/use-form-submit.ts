import { useState, type FormEvent } from 'react';

export interface FormSubmit {
  /** What the last submit threw (shown by an ErrorBox); null after a success or a dismiss. */
  error: unknown;
  setError: (error: unknown) => void;
  /** True while the action runs. */
  busy: boolean;
  /** The form's `onSubmit`: stops the browser's own submit, then `run`. */
  onSubmit: (event: FormEvent) => void;
  /** Clears the last error and runs the action (a button outside a form, a confirmation's "yes"). */
  run: () => void;
}

/** A form's submit: the action may throw (a failed API call, or an Error naming what to fix), which is kept as `error`. */
export function useFormSubmit(action: () => Promise<void>): FormSubmit {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = () => {
    setError(null);
    setBusy(true);
    action()
      .catch((failure: unknown) => setError(failure))
      .finally(() => setBusy(false));
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    run();
  };
  return { error, setError, busy, onSubmit, run };
}
