import { useState } from 'react';
import { api, type Member } from '../api';
import { ErrorBox } from '../components/error-box';
import { useFormSubmit } from '../components/use-form-submit';

/** Roles that delivery alerts are emailed to (src/alerts/delivery-alerts.ts, ALERT_RECIPIENT_ROLES). */
const ALERT_ROLES: readonly Member['role'][] = ['owner', 'admin', 'engineer'];

/** Which emails you get: product news, and delivery alerts (for the roles they go to). PUT /api/v1/me/preferences. */
export function EmailPreferences({ member, onSaved }: { member: Member; onSaved: () => void }) {
  const [productEmails, setProductEmails] = useState(!member.productEmailsOptOut);
  const [alertEmails, setAlertEmails] = useState(!member.deliveryAlertEmailsOptOut);
  const [saved, setSaved] = useState(false);
  const getsAlerts = ALERT_ROLES.includes(member.role);
  const { error, busy, onSubmit } = useFormSubmit(async () => {
    setSaved(false);
    await api('PUT', '/api/v1/me/preferences', { productEmails, ...(getsAlerts && { deliveryAlertEmails: alertEmails }) });
    setSaved(true);
    onSaved();
  });
  return (
    <form className="card stack narrow" onSubmit={onSubmit} aria-labelledby="email-preferences-title">
      <h2 id="email-preferences-title">Email notifications</h2>
      {getsAlerts && (
        <div className="field check">
          <input id="alert-emails" type="checkbox" checked={alertEmails} onChange={(e) => setAlertEmails(e.target.checked)} />
          <label htmlFor="alert-emails">Delivery alerts: email me when a destination starts failing and when it delivers again</label>
        </div>
      )}
      <div className="field check">
        <input id="product-emails" type="checkbox" checked={productEmails} onChange={(e) => setProductEmails(e.target.checked)} />
        <label htmlFor="product-emails">Product emails</label>
      </div>
      <p className="muted">Emails about your own account (invitations, password resets) are always sent.</p>
      <ErrorBox error={error} />
      {saved && (
        <p className="notice" role="status">
          Email notifications saved.
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        Save notifications
      </button>
    </form>
  );
}
