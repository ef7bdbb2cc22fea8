import { useEffect, useState } from 'react';
import { api, type DeliveryAlertSettings, type DestinationAlertThresholdsChange, type DestinationAlertThresholdsView } from '../api';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useFormSubmit } from '../components/use-form-submit';
import { useCan } from '../permissions';

type Field = 'failurePercent' | 'behindMinutes';

/** Each threshold: its label, its range (the API's), and how a value reads ("10%", "5 minutes"). */
const FIELDS: Record<Field, { id: string; label: string; min: number; max: number; unit: (n: number) => string; what: string }> = {
  failurePercent: { id: 'dt-failure', label: 'Failing at (% failed, this destination)', min: 1, max: 100, unit: (n) => `${n}%`, what: 'failure percentage' },
  behindMinutes: { id: 'dt-behind', label: 'Falling behind after (minutes, this destination)', min: 1, max: 1440, unit: (n) => `${n} minute${n === 1 ? '' : 's'}`, what: 'falling-behind minutes' },
};
const ORDER: readonly Field[] = ['failurePercent', 'behindMinutes'];

/** One destination's thresholds (`GET /delivery-alerts/destinations/:destinationId`): the values that judge it, and its own. */
export function useDestinationAlertThresholds(destinationId: string) {
  return useAsync(() => api<DestinationAlertThresholdsView>('GET', `/api/v1/delivery-alerts/destinations/${encodeURIComponent(destinationId)}`), [destinationId]);
}

/** Where a value comes from, in words: "This destination's own (the workspace's: 50%)" or "The workspace's". */
function sourceText(view: DestinationAlertThresholdsView, field: Field, workspace: DeliveryAlertSettings | undefined): string {
  if (view.own[field] === undefined) return "The workspace's";
  return workspace ? `This destination's own (the workspace's: ${FIELDS[field].unit(workspace[field])})` : "This destination's own";
}

/**
 * "Thresholds for this destination" on its Delivery alerts card: the failure percentage and the falling-behind
 * minutes that judge it, each saying whether it is the destination's own or the workspace's. Roles with
 * destinations:write change them (`PUT /delivery-alerts/destinations/:destinationId`, only the fields changed) and
 * give an own one back to the workspace's (**Use the workspace's**: that field as null); the server judges the
 * values and its refusal is shown here. Other roles see the values and where they come from.
 */
export function DestinationAlertThresholds({
  destinationId,
  view,
  workspace,
  onChange,
}: {
  destinationId: string;
  view: DestinationAlertThresholdsView;
  workspace: DeliveryAlertSettings | undefined;
  onChange: () => void;
}) {
  const can = useCan();
  const [typed, setTyped] = useState<Record<Field, string>>({ failurePercent: String(view.failurePercent), behindMinutes: String(view.behindMinutes) });
  useEffect(() => setTyped({ failurePercent: String(view.failurePercent), behindMinutes: String(view.behindMinutes) }), [view]);
  const path = `/api/v1/delivery-alerts/destinations/${encodeURIComponent(destinationId)}`;
  const put = async (change: DestinationAlertThresholdsChange) => {
    await api<DestinationAlertThresholdsView>('PUT', path, change);
    onChange();
  };
  const saving = useFormSubmit(async () => {
    const change: DestinationAlertThresholdsChange = {};
    for (const field of ORDER) {
      const value = Number(typed[field].trim());
      if (typed[field].trim() === '' || Number.isNaN(value)) throw new Error(`Give the ${FIELDS[field].what} as a whole number from ${FIELDS[field].min} to ${FIELDS[field].max}.`);
      if (value !== view[field]) change[field] = value;
    }
    if (Object.keys(change).length === 0) throw new Error('Nothing changed: type a different value to save.');
    await put(change);
  });
  // "Use the workspace's", one per field: that field sent as null.
  const resets: Record<Field, ReturnType<typeof useFormSubmit>> = {
    failurePercent: useFormSubmit(() => put({ failurePercent: null })),
    behindMinutes: useFormSubmit(() => put({ behindMinutes: null })),
  };
  const resetError = resets.failurePercent.error ?? resets.behindMinutes.error;

  const heading = <h3 id="dt-title">Thresholds for this destination</h3>;
  // Roles that may not write see the values and where they come from, no form.
  if (!can('destinations:write')) {
    return (
      <div className="destination-thresholds" role="group" aria-labelledby="dt-title">
        {heading}
        <dl className="thresholds-read-only">
          {ORDER.map((field) => (
            <div key={field}>
              <dt>{FIELDS[field].label.replace(', this destination', '')}</dt>
              <dd>
                {FIELDS[field].unit(view[field])} <span className="hint">{sourceText(view, field, workspace)}</span>
              </dd>
            </div>
          ))}
        </dl>
      </div>
    );
  }
  return (
    <>
      {heading}
      <form className="filters thresholds-form" onSubmit={saving.onSubmit} aria-labelledby="dt-title">
        {ORDER.map((field) => (
          <div className="field" key={field}>
            <label htmlFor={FIELDS[field].id}>{FIELDS[field].label}</label>
            <input
              id={FIELDS[field].id}
              type="number"
              required
              min={FIELDS[field].min}
              max={FIELDS[field].max}
              step={1}
              value={typed[field]}
              aria-describedby={`${FIELDS[field].id}-hint`}
              onChange={(e) => setTyped((t) => ({ ...t, [field]: e.target.value }))}
            />
            <span className="hint" id={`${FIELDS[field].id}-hint`}>
              {sourceText(view, field, workspace)}
            </span>
            {view.own[field] !== undefined && (
              <button type="button" className="link-button" aria-label={`Use the workspace's ${FIELDS[field].what}`} disabled={resets[field].busy} onClick={resets[field].run}>
                Use the workspace's
              </button>
            )}
          </div>
        ))}
        <button type="submit" disabled={saving.busy}>
          {saving.busy ? 'Saving…' : 'Save thresholds'}
        </button>
      </form>
      <ErrorBox error={saving.error ?? resetError} onDismiss={() => [saving, resets.failurePercent, resets.behindMinutes].forEach((s) => s.setError(null))} />
    </>
  );
}
