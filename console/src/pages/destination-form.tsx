import { useState } from 'react';
import { api, type ConsentCategory, type Destination, type Source } from '../api';
import { Can } from '../components/can';
import { ConfigFields, configOf, draftOf, type DestinationTypeInfo } from '../components/config-form';
import { useFormSubmit } from '../components/use-form-submit';
import { ErrorBox } from '../components/error-box';
import { FiltersField, fqlProblem, type DestinationFilter } from '../components/filters-field';
import { useAsync } from '../components/use-async';
import { useCan } from '../permissions';
import { findCategory } from '../../../src/core/consent/consent-category.js';

/** What the form sends: POST /destinations, or PATCH /destinations/:id. */
export interface DestinationBody {
  name: string;
  config: Record<string, unknown>;
  sourceIds: string[] | null;
  consentCategories: string[] | null;
  filters: DestinationFilter[];
}

/**
 * The consent categories to send: the stored list as it is when the boxes were left as they were (so `[]`, set
 * to none through the API, is not turned into `null`: that would be a change, which a role without
 * privacy:write may not make, and reports tell the two apart); otherwise the checked ones, none being `null`.
 */
export function consentToSend(checked: readonly string[], stored: readonly string[] | undefined): string[] | null {
  if (stored !== undefined && checked.length === stored.length && checked.every((c) => stored.includes(c))) return [...stored];
  return checked.length === 0 ? null : [...checked];
}

/**
 * The settings of a destination: name, the type's config (from its schema), which sources feed it, the
 * consent categories an event must have granted to reach it, and its filters (FQL checked as you type).
 */
export function DestinationForm({ info, existing, submitLabel, onSubmit }: { info: DestinationTypeInfo; existing?: Destination; submitLabel: string; onSubmit: (body: DestinationBody) => Promise<void> }) {
  const sources = useAsync(() => api<{ sources: Source[] }>('GET', '/api/v1/sources'), []);
  const can = useCan();
  // The workspace's categories are privacy data (privacy:read); a role without it sees the destination's own category ids.
  const categories = useAsync(() => (can('privacy:read') ? api<ConsentCategory[]>('GET', '/api/v1/consent/categories') : Promise.resolve(undefined)), []);
  const [name, setName] = useState(existing?.name ?? info.displayName);
  const [draft, setDraft] = useState(() => draftOf(info.configSchema, info.secretFields, existing?.config));
  const [allSources, setAllSources] = useState(existing?.sourceIds === undefined);
  const [sourceIds, setSourceIds] = useState<string[]>(existing?.sourceIds ?? []);
  const [consent, setConsent] = useState<string[]>(existing?.consentCategories ?? []);
  const [filters, setFilters] = useState<DestinationFilter[]>(existing?.filters ?? []);

  const choices = categories.data?.filter((c) => !c.required) ?? consent.map((id) => ({ id, name: id, gpc: false }));
  const toggle = (list: string[], id: string, on: boolean) => (on ? [...list.filter((x) => x !== id), id] : list.filter((x) => x !== id));
  // The API keeps a destination's categories as they were given: an id or a name, in any case ("Analytics"), as
  // fan-out matches them. A box is checked when an entry names its category, and unchecking it removes that entry.
  const names = (entry: string, id: string) => entry === id || (categories.data !== undefined && findCategory(categories.data, entry)?.id === id);
  const toggleConsent = (id: string, on: boolean) => {
    const others = consent.filter((x) => !names(x, id));
    setConsent(on ? [...others, id] : others);
  };

  const submit = useFormSubmit(async () => {
    const config = configOf(info.configSchema, info.secretFields, draft, existing?.config, existing ? info.urlFields : []);
    const bad = filters.findIndex((f) => fqlProblem(f.if) !== null);
    if (bad >= 0) throw new Error(`Filter ${bad + 1}: ${fqlProblem(filters[bad]!.if)}`);
    await onSubmit({ name: name.trim(), config, sourceIds: allSources ? null : sourceIds, consentCategories: consentToSend(consent, existing?.consentCategories), filters });
  });
  const { error, busy } = submit;

  return (
    <form className="card stack" onSubmit={submit.onSubmit} aria-label={`${info.displayName} destination settings`}>
      <div className="field">
        <label htmlFor="destination-name">Destination name</label>
        <input id="destination-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} className="wide" />
      </div>
      <ConfigFields info={info} draft={draft} onChange={setDraft} existing={existing?.config ?? {}} />
      <fieldset>
        <legend>Sources</legend>
        <div className="field check">
          <input id="all-sources" type="checkbox" checked={allSources} onChange={(e) => setAllSources(e.target.checked)} />
          <label htmlFor="all-sources">Every source of the workspace (now and later)</label>
        </div>
        {!allSources &&
          (sources.data?.sources ?? []).map((s) => (
            <div key={s.id} className="field check">
              <input id={`source-${s.id}`} type="checkbox" checked={sourceIds.includes(s.id)} onChange={(e) => setSourceIds(toggle(sourceIds, s.id, e.target.checked))} />
              <label htmlFor={`source-${s.id}`}>{s.name}</label>
            </div>
          ))}
        {!allSources && sourceIds.length === 0 && (
          <p className="field-error" role="alert">
            No source is checked: this destination will receive no events. Check the sources that feed it, or every source.
          </p>
        )}
        <ErrorBox error={sources.error} />
      </fieldset>
      <fieldset>
        <legend>Consent categories required</legend>
        <p className="hint">An event reaches this destination only when every checked category is granted. None checked: it needs no optional consent, and the reports flag it.</p>
        {/* Setting or changing them needs privacy:write (the API refuses it otherwise; sending them unchanged is allowed). */}
        <Can permission="privacy:write" otherwise="disable">
          {choices.map((c) => (
            <div key={c.id} className="field check">
              <input id={`consent-${c.id}`} type="checkbox" checked={consent.some((x) => names(x, c.id))} onChange={(e) => toggleConsent(c.id, e.target.checked)} />
              <label htmlFor={`consent-${c.id}`}>{c.name}</label>
              {c.gpc && <span className="badge">GPC opt-out</span>}
            </div>
          ))}
        </Can>
        <ErrorBox error={categories.error} />
      </fieldset>
      <FiltersField filters={filters} onChange={setFilters} />
      <ErrorBox error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
