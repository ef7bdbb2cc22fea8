import { useEffect, useState } from 'react';
import { api, type DeliveryAlertSettings } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useFormSubmit } from '../components/use-form-submit';
import { thresholdText } from './delivery-alerts';

/**
 * The workspace's delivery alerts (`GET/PUT /api/v1/delivery-alerts/settings`): whether Sluice emails when a
 * destination starts failing, and the share of failed attempts that makes it failing. Saving needs
 * destinations:write: the destinations page shows this card only to roles that have it.
 */
export function DeliveryAlertSettingsCard() {
  const loaded = useAsync(() => api<DeliveryAlertSettings>('GET', '/api/v1/delivery-alerts/settings'), []);
  const [draft, setDraft] = useState<DeliveryAlertSettings | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => setDraft(loaded.data), [loaded.data]);
  // Locked while a save is out (`busy`): its answer replaces the draft, which would undo an edit made meanwhile.
  const save = useFormSubmit(async () => {
    if (!draft) return;
    setSaved(false);
    setDraft(await api<DeliveryAlertSettings>('PUT', '/api/v1/delivery-alerts/settings', { enabled: draft.enabled, failurePercent: draft.failurePercent }));
    setSaved(true);
  });
  return (
    <form className="card alert-settings" onSubmit={save.onSubmit} aria-label="Delivery alert settings">
      <h2>Delivery alerts</h2>
      <ErrorBox error={loaded.error} />
      {draft && (
        <fieldset className="read-only" disabled={save.busy} aria-busy={save.busy}>
          <div className="filters">
            <div className="field check">
              <input id="da-enabled" type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} aria-describedby="da-enabled-hint" />
              <label htmlFor="da-enabled">Email when a destination starts failing</label>
              <span className="hint" id="da-enabled-hint">
                The workspace's owners, admins and engineers get one email when a destination starts failing and one when it delivers again. Turned off, Sluice records no new episode, and one open now
                ends without an email.
              </span>
            </div>
            <div className="field">
              <label htmlFor="da-percent">Failing at (% of attempts failed)</label>
              <input
                id="da-percent"
                type="number"
                required
                min={1}
                max={100}
                step={1}
                value={Number.isNaN(draft.failurePercent) ? '' : draft.failurePercent}
                onChange={(e) => setDraft({ ...draft, failurePercent: e.target.value === '' ? Number.NaN : Number(e.target.value) })}
                aria-describedby="da-percent-hint"
              />
              <span className="hint" id="da-percent-hint">
                1 to 100. {thresholdText(draft.failurePercent)}
              </span>
            </div>
          </div>
        </fieldset>
      )}
      <ErrorBox error={save.error} onDismiss={() => save.setError(null)} />
      {saved && (
        <p className="notice" role="status">
          Delivery alert settings saved.
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={!draft || save.busy}>
          {save.busy ? 'Saving…' : 'Save alert settings'}
        </button>
      </div>
    </form>
  );
}
