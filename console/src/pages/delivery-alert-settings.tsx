import { useEffect, useState } from 'react';
import { api, type AlertWebhookFormat, type DeliveryAlertSettingsView } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useFormSubmit } from '../components/use-form-submit';
import { behindText, thresholdText } from './delivery-alerts';

const FORMAT_NAMES: Record<AlertWebhookFormat, string> = { slack: 'Slack message', json: 'JSON', pagerduty: 'PagerDuty incidents (Events API v2)' };

/**
 * The workspace's delivery alerts (`GET/PUT /api/v1/delivery-alerts/settings`): whether Sluice emails when a
 * destination starts failing or falls behind, the share of failed attempts that makes it failing, how long its oldest
 * delivery may wait before it is falling behind, and the alert webhook. Saving needs destinations:write: the
 * destinations page shows this card only to roles that have it.
 */
export function DeliveryAlertSettingsCard() {
  const loaded = useAsync(() => api<DeliveryAlertSettingsView>('GET', '/api/v1/delivery-alerts/settings'), []);
  const [draft, setDraft] = useState<DeliveryAlertSettingsView | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  /** A new webhook URL typed in (write-only: the saved one is shown masked); empty leaves the saved one as it is. */
  const [webhookUrl, setWebhookUrl] = useState('');
  const [webhookFormat, setWebhookFormat] = useState<'' | AlertWebhookFormat>('');
  /** PagerDuty's integration key, typed in (write-only like the URL). */
  const [routingKey, setRoutingKey] = useState('');
  const pagerDuty = webhookFormat === 'pagerduty';
  const [tested, setTested] = useState<string | undefined>(undefined);
  const put = async (body: Record<string, unknown>) => {
    setSaved(false);
    setTested(undefined);
    setDraft(await api<DeliveryAlertSettingsView>('PUT', '/api/v1/delivery-alerts/settings', body));
    setWebhookUrl('');
    setRoutingKey('');
    setWebhookFormat('');
    setSaved(true);
  };
  const removeWebhook = useFormSubmit(() => put({ webhook: null }));
  const test = useFormSubmit(async () => {
    setSaved(false);
    setTested(undefined);
    const answer = await api<{ ok: boolean; status?: number; error?: string }>('POST', '/api/v1/delivery-alerts/settings/test-webhook');
    const posted = draft?.webhook?.format === 'pagerduty' ? 'Test incident triggered and resolved in PagerDuty' : 'Test alert posted';
    setTested(answer.ok ? `${posted} (HTTP ${answer.status ?? 200}).` : `The webhook did not take the test alert: ${answer.error ?? 'no answer'}`);
  });
  useEffect(() => setDraft(loaded.data), [loaded.data]);
  // Locked while a save is out (`busy`): its answer replaces the draft, which would undo an edit made meanwhile.
  const save = useFormSubmit(async () => {
    if (!draft) return;
    await put({
      enabled: draft.enabled,
      failurePercent: draft.failurePercent,
      behindMinutes: draft.behindMinutes,
      ...((webhookUrl.trim() !== '' || (pagerDuty && routingKey.trim() !== '')) && {
        webhook: {
          ...(webhookUrl.trim() !== '' && { url: webhookUrl.trim() }),
          ...(webhookFormat !== '' && { format: webhookFormat }),
          ...(pagerDuty && routingKey.trim() !== '' && { routingKey: routingKey.trim() }),
        },
      }),
    });
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
              <label htmlFor="da-enabled">Email when a destination starts failing or falls behind</label>
              <span className="hint" id="da-enabled-hint">
                The workspace's owners, admins and engineers get one email when a destination starts failing or falls behind, and one when it delivers again or has caught up. Turned off, Sluice
                records no new episode, and one open now ends without an email. The same setting decides whether this workspace is told when Sluice's processing of incoming
                events falls behind (for every workspace, after SLUICE_PROCESSING_ALERT_MINUTES; a banner on the overview shows it either way), and when no Sluice
                process has run one of its roles (ingest, processor, router, jobs, api) for 5 minutes.
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
            <div className="field">
              <label htmlFor="da-behind">Falling behind after (minutes)</label>
              <input
                id="da-behind"
                type="number"
                required
                min={1}
                max={1440}
                step={1}
                value={Number.isNaN(draft.behindMinutes) ? '' : draft.behindMinutes}
                onChange={(e) => setDraft({ ...draft, behindMinutes: e.target.value === '' ? Number.NaN : Number(e.target.value) })}
                aria-describedby="da-behind-hint"
              />
              <span className="hint" id="da-behind-hint">
                1 to 1440 (a day). {behindText(draft.behindMinutes)}
              </span>
            </div>
          </div>
          <div className="filters">
            <div className="field">
              <label htmlFor="da-webhook">{draft.webhook ? 'Replace the alert webhook URL' : 'Also post alerts to a webhook (optional)'}</label>
              <input
                id="da-webhook"
                type="url"
                placeholder={pagerDuty ? 'https://events.pagerduty.com/v2/enqueue (the default)' : 'https://hooks.slack.com/services/…'}
                value={webhookUrl}
                onChange={(e) => setWebhookUrl(e.target.value)}
                aria-describedby="da-webhook-hint"
              />
              <span className="hint" id="da-webhook-hint">
                {draft.webhook ? (
                  <>
                    Alerts are also posted to <code data-testid="alert-webhook">{draft.webhook.url}</code> ({FORMAT_NAMES[draft.webhook.format]}). The URL
                    {draft.webhook.format === 'pagerduty' ? ' and the integration key are' : ' is'} kept encrypted and shown masked.
                  </>
                ) : (
                  'A Slack incoming webhook, any URL that takes a JSON POST, or PagerDuty (choose it as the format). Kept encrypted; shown masked once saved.'
                )}
              </span>
            </div>
            <div className="field">
              <label htmlFor="da-webhook-format">Format</label>
              <select id="da-webhook-format" value={webhookFormat} onChange={(e) => setWebhookFormat(e.target.value as '' | AlertWebhookFormat)}>
                <option value="">by host (Slack for hooks.slack.com)</option>
                <option value="slack">{FORMAT_NAMES.slack}</option>
                <option value="json">{FORMAT_NAMES.json}</option>
                <option value="pagerduty">{FORMAT_NAMES.pagerduty}</option>
              </select>
            </div>
            {pagerDuty && (
              <div className="field">
                <label htmlFor="da-routing-key">PagerDuty integration key</label>
                <input
                  id="da-routing-key"
                  type="password"
                  autoComplete="off"
                  minLength={20}
                  value={routingKey}
                  onChange={(e) => setRoutingKey(e.target.value)}
                  aria-describedby="da-routing-key-hint"
                />
                <span className="hint" id="da-routing-key-hint">
                  In PagerDuty: the service, Integrations, Events API V2. An episode that opens triggers an incident (processing behind: critical, failing:
                  error, falling behind: warning); its end resolves it, also when the destination was disabled or muted meanwhile.
                </span>
              </div>
            )}
          </div>
        </fieldset>
      )}
      <ErrorBox error={save.error ?? removeWebhook.error ?? test.error} onDismiss={() => [save, removeWebhook, test].forEach((s) => s.setError(null))} />
      {tested && (
        <p className="notice" role="status">
          {tested}
        </p>
      )}
      {saved && (
        <p className="notice" role="status">
          Delivery alert settings saved.
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={!draft || save.busy}>
          {save.busy ? 'Saving…' : 'Save alert settings'}
        </button>
        {draft?.webhook && (
          <>
            <button type="button" onClick={test.run} disabled={test.busy}>
              Send a test alert
            </button>
            <button type="button" onClick={removeWebhook.run} disabled={removeWebhook.busy}>
              Remove the webhook
            </button>
          </>
        )}
      </div>
    </form>
  );
}
