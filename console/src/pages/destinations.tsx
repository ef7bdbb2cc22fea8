import { useState } from 'react';
import { api, type Destination } from '../api';
import { Can } from '../components/can';
import type { DestinationTypeInfo } from '../components/config-form';
import { ErrorBox } from '../components/error-box';
import { Link } from '../components/link';
import { useAsync } from '../components/use-async';
import { navigate } from '../router';
import { DestinationForm } from './destination-form';
import { DeliveryAlertSettingsCard } from './delivery-alert-settings';
import { MutedMarker, useDeliveryAlertMutes } from './delivery-alert-mutes';
import { OpenAlertMarkers, useOpenDeliveryAlerts } from './delivery-alerts';
import { TableHead, EnabledBadge } from '../components/table-head';
import { useCan } from '../permissions';

/** The destination catalog (GET /api/v1/destination-types), loaded once per page. */
export function useDestinationTypes() {
  return useAsync(() => api<{ types: DestinationTypeInfo[] }>('GET', '/api/v1/destination-types'), []);
}

/** A destination's backlog in a table cell: "0", or "12 (3 retrying)"; a dash until it is known. */
function waitingText(backlog: { waiting: number; retrying: number } | undefined): string {
  if (!backlog) return '–';
  return backlog.retrying > 0 ? `${backlog.waiting} (${backlog.retrying} retrying)` : String(backlog.waiting);
}

/**
 * The destinations of the workspace: type, status (and "Failing since …" or "Behind since …" while a delivery alert
 * of that kind is open, "Alerts muted until …" while its alerts are muted), what waits to be sent, and a switch to
 * enable or disable each; below, the workspace's delivery alert settings.
 */
export function DestinationsPage() {
  const list = useAsync(() => api<{ destinations: Destination[] }>('GET', '/api/v1/destinations'), []);
  // What each destination has still to be sent (one small call each: the count is one row of its queue).
  const ids = list.data?.destinations.map((d) => d.id) ?? [];
  const backlogs = useAsync(
    async () => new Map(await Promise.all(ids.map(async (id) => [id, (await api<{ waiting: number; retrying: number }>('GET', `/api/v1/destinations/${id}/backlog`))] as const))),
    [ids.join(',')],
  );
  // What fails or falls behind now: read with the list, and again when the list is (a disabled destination's alerts end).
  const alerts = useOpenDeliveryAlerts();
  // Whose alerts are muted now: one call for the whole list.
  const mutes = useDeliveryAlertMutes();
  const types = useDestinationTypes();
  const [error, setError] = useState<unknown>(null);
  // Enabling and disabling is a change (destinations:write); every role that sees the list may read it.
  const manage = useCan()('destinations:write');
  const displayName = (type: string) => types.data?.types.find((t) => t.type === type)?.displayName ?? type;

  const setEnabled = async (d: Destination, enabled: boolean) => {
    setError(null);
    try {
      await api('PATCH', `/api/v1/destinations/${d.id}`, { enabled });
      list.reload();
      alerts.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section aria-labelledby="destinations-title">
      <div className="page-head">
        <h1 id="destinations-title">Destinations</h1>
        <Can permission="destinations:write">
          <Link to="/destinations/new" className="button primary">
            Add destination
          </Link>
        </Can>
      </div>
      <p className="muted">Where Sluice sends events, after consent, filters and PII policy.</p>
      <ErrorBox error={list.error} />
      <ErrorBox error={alerts.error ?? mutes.error} />
      <ErrorBox error={error} onDismiss={() => setError(null)} />
      {list.data && list.data.destinations.length === 0 && (
        <p className="card">
          No destinations yet.<Can permission="destinations:write"> Add one from the catalog.</Can>
        </p>
      )}
      {list.data && list.data.destinations.length > 0 && (
        <table className="table">
          <TableHead columns={['Name', 'Type', 'Status', 'Waiting', 'Sources', 'Consent needed', 'Filters']} actions={manage} />
          <tbody>
            {list.data.destinations.map((d) => {
              const open = alerts.data?.get(d.id);
              const mute = mutes.data?.get(d.id);
              return (
                <tr key={d.id}>
                  <td>
                    <Link to={`/destinations/${d.id}`}>{d.name}</Link>
                  </td>
                  <td>{displayName(d.type)}</td>
                  <td>
                    <EnabledBadge enabled={d.enabled} />{' '}
                    {open && <OpenAlertMarkers alerts={open} />}
                    {mute && <MutedMarker mute={mute} />}
                  </td>
                  <td>{waitingText(backlogs.data?.get(d.id))}</td>
                  <td>{d.sourceIds ? `${d.sourceIds.length} selected` : 'all'}</td>
                  <td>{d.consentCategories?.join(', ') ?? <span className="muted">none</span>}</td>
                  <td>{d.filters?.length ?? 0}</td>
                  {manage && (
                    <td>
                      <button type="button" onClick={() => void setEnabled(d, !d.enabled)} aria-label={`${d.enabled ? 'Disable' : 'Enable'} ${d.name}`}>
                        {d.enabled ? 'Disable' : 'Enable'}
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Can permission="destinations:write">
        <DeliveryAlertSettingsCard />
      </Can>
    </section>
  );
}

/** Add a destination: pick a type from the catalog, then fill in its settings. */
export function NewDestinationPage({ type }: { type: string | undefined }) {
  const types = useDestinationTypes();
  const info = types.data?.types.find((t) => t.type === type);
  return (
    <section aria-labelledby="new-destination-title">
      <p>
        <Link to="/destinations">← Destinations</Link>
      </p>
      <h1 id="new-destination-title">{info ? `Add ${info.displayName}` : 'Add a destination'}</h1>
      <ErrorBox error={types.error} />
      <Can permission="destinations:write" otherwise="explain">
        {!info && types.data && (
          <ul className="catalog" aria-label="Destination catalog">
            {types.data.types.map((t) => (
              <li key={t.type}>
                <Link to={`/destinations/new?type=${t.type}`} className="catalog-item">
                  <strong>{t.displayName}</strong>
                  <span className="muted">
                    <code>{t.type}</code>
                    {t.deletes ? ' · forwards deletions' : ''}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
        {info && (
          <DestinationForm
            key={info.type}
            info={info}
            submitLabel="Create destination"
            onSubmit={async (body) => {
              const created = await api<Destination>('POST', '/api/v1/destinations', {
                name: body.name,
                type: info.type,
                config: body.config,
                ...(body.sourceIds !== null && { sourceIds: body.sourceIds }),
                ...(body.consentCategories !== null && { consentCategories: body.consentCategories }),
                ...(body.filters.length > 0 && { filters: body.filters }),
              });
              navigate(`/destinations/${created.id}`);
            }}
          />
        )}
      </Can>
    </section>
  );
}
