import { useState } from 'react';
import { RowPromptForm } from '../components/row-prompt-form';

/**
 * Changing where a request's emails go (POST /privacy-requests/:id/contact-email): the new address and why (kept in
 * the request's history and the audit log, both addresses masked), in place of the row's buttons. Nothing already
 * sent goes again by itself: a given-up email is then sent again with its own button.
 */
export function ContactEmailForm({
  requestId,
  current,
  onSubmit,
  onCancel,
}: {
  requestId: string;
  current: string | undefined;
  onSubmit: (change: { email: string; reason: string }) => void;
  onCancel: () => void;
}) {
  const [email, setEmail] = useState('');
  const [reason, setReason] = useState('');
  const ready = /^[^@\s]+@[^@\s]+$/.test(email.trim()) && reason.trim() !== '';
  return (
    <RowPromptForm
      label={`Change the contact address of request ${requestId}`}
      submitLabel="Change the contact address"
      ready={ready}
      onSubmit={() => onSubmit({ email: email.trim(), reason: reason.trim() })}
      onCancel={onCancel}
    >
      <p>
        The request's emails go to {current === undefined ? 'no address yet' : <strong>{current}</strong>}. A new address is not proven by a code: check who
        asks for it. Emails already sent are not sent again; one that was given up can be sent to the new address afterwards.
      </p>
      <label htmlFor={`contact-email-${requestId}`}>New contact address</label>
      <input id={`contact-email-${requestId}`} type="email" required maxLength={320} value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      <label htmlFor={`contact-reason-${requestId}`}>Why (kept in the request's history and the audit log)</label>
      <textarea id={`contact-reason-${requestId}`} rows={2} required maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
    </RowPromptForm>
  );
}
