import { useEffect, useState } from 'react';
import { api, type DeliveryAlertMute } from '../api';
import { Can } from '../components/can';
import { localInput } from '../components/datetime-local';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/use-async';
import { useFormSubmit } from '../components/use-form-submit';

/** How long to mute for: a span from now, or until a time typed in (`until`). */
type MuteSpan = 'hour' | 'day' | 'week' | 'until';
const SPAN_MS: Record<Exclude<MuteSpan, 'until'>, number> = { hour: 3600_000, day: 86_400_000, week: 7 * 86_400_000 };

/**
 * The destinations whose alerts are muted now (`GET /delivery-alerts/mutes`), by destination id: one call for the
 * whole destinations list.
 */
export function useDeliveryAlertMutes() {
  const state = useAsync(async () => {
    const { mutes } = await api<{ mutes: DeliveryAlertMute[] }>('GET', '/api/v1/delivery-alerts/mutes');
    return new Map(mutes.map((m) => [m.destinationId, m]));
  }, []);
  const { data, reload } = state;
  // A mute that ends while the page is open: read them again a second after, so the page does not say "muted" past its end.
  useEffect(() => {
    if (!data || data.size === 0) return;
    const soonest = Math.min(...[...data.values()].map((m) => Date.parse(m.until)));
    const timer = setTimeout(reload, Math.min(MAX_TIMER_MS, Math.max(0, soonest - Date.now()) + 1000));
    return () => clearTimeout(timer);
  }, [data]);
  return state;
}

/** The longest a browser timer waits (about 24.8 days; a mute can last 30): a longer wait re-reads early and sets the next timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * When a mute ends, always with its date: "Mar 3, 2026, 6:00 PM".
 * @example untilText('2026-03-03T18:00:00Z')
 */
export function untilText(iso: string): string {
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/** A muted destination on the destinations list: "Alerts muted until …" under its status. */
export function MutedMarker({ mute }: { mute: DeliveryAlertMute }) {
  return <div className="hint">Alerts muted until {untilText(mute.until)}</div>;
}

/** The end of a mute as the API takes it (ISO): a span from `now`, or the `datetime-local` value, read in the browser's time zone. */
function untilOf(span: MuteSpan, typed: string, now: number): string {
  if (span !== 'until') return new Date(now + SPAN_MS[span]).toISOString();
  const at = new Date(typed);
  if (Number.isNaN(at.getTime())) throw new Error('Give the date and time the mute ends.');
  return at.toISOString();
}

/**
 * A destination's mute on its Delivery alerts card: while muted, until when and what that means, with **Unmute**;
 * otherwise **Mute alerts** for 1 hour, 1 day, 1 week or until a time. Muting and unmuting need destinations:write
 * (`PUT/DELETE /delivery-alerts/mutes/:destinationId`): other roles see the muted state only. The server judges the
 * time (not in the past, at most 30 days ahead), and its refusal is shown here.
 */
export function DestinationAlertMute({ destinationId, mute, onChange }: { destinationId: string; mute: DeliveryAlertMute | undefined; onChange: () => void }) {
  const [span, setSpan] = useState<MuteSpan>('day');
  const [typed, setTyped] = useState(() => localInput(new Date(Date.now() + SPAN_MS.day)));
  const path = `/api/v1/delivery-alerts/mutes/${encodeURIComponent(destinationId)}`;
  const muting = useFormSubmit(async () => {
    await api<DeliveryAlertMute>('PUT', path, { until: untilOf(span, typed, Date.now()) });
    onChange();
  });
  const unmuting = useFormSubmit(async () => {
    await api('DELETE', path);
    onChange();
  });
  const errors = <ErrorBox error={muting.error ?? unmuting.error} onDismiss={() => [muting, unmuting].forEach((s) => s.setError(null))} />;

  if (mute) {
    return (
      <>
        <div className="mute-state">
          <p className="notice warn" role="status">
            Alerts muted until {untilText(mute.until)} — nobody is emailed or posted to; episodes are still recorded, and one still open when the mute ends is told then.
          </p>
          <Can permission="destinations:write">
            <button type="button" onClick={unmuting.run} disabled={unmuting.busy}>
              {unmuting.busy ? 'Unmuting…' : 'Unmute'}
            </button>
          </Can>
        </div>
        {errors}
      </>
    );
  }
  return (
    <Can permission="destinations:write">
      <form className="filters mute-form" onSubmit={muting.onSubmit} aria-label="Mute alerts">
        <div className="field">
          <label htmlFor="mute-span">How long</label>
          <select id="mute-span" value={span} onChange={(e) => setSpan(e.target.value as MuteSpan)}>
            <option value="hour">1 hour</option>
            <option value="day">1 day</option>
            <option value="week">1 week</option>
            <option value="until">until…</option>
          </select>
        </div>
        {span === 'until' && (
          <div className="field">
            <label htmlFor="mute-until">Until (your time)</label>
            <input id="mute-until" type="datetime-local" required value={typed} onChange={(e) => setTyped(e.target.value)} />
          </div>
        )}
        <button type="submit" disabled={muting.busy}>
          {muting.busy ? 'Muting…' : 'Mute alerts'}
        </button>
        <span className="hint">For a known problem, at most 30 days: its episodes are still recorded, but nobody is emailed or posted to; one still open when the mute ends is told then.</span>
      </form>
      {errors}
    </Can>
  );
}
