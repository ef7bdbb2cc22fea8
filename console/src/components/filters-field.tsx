import { useState } from 'react';
import { parseFql } from '../../../src/core/fql/fql-parser.js';

/** A destination filter as the API takes it (src/core/destination-filters.ts). */
export interface DestinationFilter {
  if: string;
  action: 'drop' | 'sample' | 'drop_properties' | 'allow_properties';
  percent?: number;
  properties?: string[];
  /** What the filter is for: a drop it makes names it in the delivery log. */
  name?: string;
  /** false: kept without being applied. */
  enabled?: boolean;
}

const ACTIONS: { value: DestinationFilter['action']; label: string }[] = [
  { value: 'drop', label: 'drop the event' },
  { value: 'sample', label: 'keep only a sample' },
  { value: 'drop_properties', label: 'remove these fields' },
  { value: 'allow_properties', label: 'keep only these fields' },
];

/** The FQL problem of a condition, checked as the user types with the server's own parser; null when fine. */
export function fqlProblem(text: string): string | null {
  if (text.trim() === '') return 'Write a condition, e.g. event = "Order Completed".';
  const result = parseFql(text);
  return result.ok ? null : result.error.message;
}

/** The field names of a comma-separated list, blanks left out. */
export function fieldsOf(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * The fields of a filter as typed: the text itself is kept while it says the same fields, so a comma or space
 * just typed stays (rebuilding the text from the list would swallow it, and a second field could not be typed).
 */
function FieldsInput({ id, fields, onChange }: { id: string; fields: readonly string[]; onChange: (fields: string[]) => void }) {
  const [text, setText] = useState(() => fields.join(', '));
  const typed = fieldsOf(text);
  const shown = typed.length === fields.length && typed.every((f, i) => f === fields[i]) ? text : fields.join(', ');
  return (
    <input
      id={id}
      value={shown}
      onChange={(e) => {
        setText(e.target.value);
        onChange(fieldsOf(e.target.value));
      }}
      placeholder="properties.email, traits.phone"
    />
  );
}

/**
 * A filter given another action: a percent only belongs to `sample` and fields only to the two field actions,
 * so what the new action has no field for is left out (the API refuses a percent on a drop filter, and the form
 * would no longer show it). Switching between the two field actions keeps the fields.
 */
export function withAction(filter: DestinationFilter, action: DestinationFilter['action']): DestinationFilter {
  const next: DestinationFilter = { if: filter.if, action };
  if (filter.name !== undefined) next.name = filter.name;
  if (filter.enabled !== undefined) next.enabled = filter.enabled;
  if (action === 'sample' && filter.percent !== undefined) next.percent = filter.percent;
  if ((action === 'drop_properties' || action === 'allow_properties') && filter.properties !== undefined) next.properties = filter.properties;
  return next;
}

/** Filters in order: each an FQL condition and what to do with matching events. */
export function FiltersField({ filters, onChange }: { filters: DestinationFilter[]; onChange: (filters: DestinationFilter[]) => void }) {
  const set = (i: number, patch: Partial<DestinationFilter>) => onChange(filters.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <fieldset className="filters-field">
      <legend>Filters</legend>
      <p className="hint">
        Applied in order to each event before it leaves for this destination (FQL, as in Segment: <code>event = "Order Completed" and properties.total &gt; 100</code>). A dropped
        event shows in the delivery log as dropped with reason <code>filter</code>, naming the filter. A filter not applied is kept as it is, for later.
      </p>
      {filters.map((f, i) => {
        const problem = fqlProblem(f.if);
        const id = `filter-${i}`;
        return (
          <div key={i} className="filter-row">
            <div className="field">
              <label htmlFor={`${id}-name`}>Filter {i + 1} name (optional)</label>
              <input id={`${id}-name`} value={f.name ?? ''} maxLength={100} placeholder="e.g. No debug events" onChange={(e) => set(i, { name: e.target.value.trim() === '' ? undefined : e.target.value })} />
            </div>
            <div className="field check">
              <input id={`${id}-enabled`} type="checkbox" checked={f.enabled !== false} onChange={(e) => set(i, { enabled: e.target.checked ? undefined : false })} />
              <label htmlFor={`${id}-enabled`}>Filter {i + 1} applied (unticked: kept for later, not applied)</label>
            </div>
            <div className="field">
              <label htmlFor={`${id}-if`}>Filter {i + 1} condition</label>
              <input id={`${id}-if`} className="wide fql" value={f.if} onChange={(e) => set(i, { if: e.target.value })} aria-invalid={problem !== null} aria-describedby={`${id}-problem`} spellCheck={false} />
              <span id={`${id}-problem`} className={problem ? 'field-error' : 'hint'} role={problem ? 'alert' : undefined}>
                {problem ?? 'Valid FQL.'}
              </span>
            </div>
            <div className="field">
              <label htmlFor={`${id}-action`}>Filter {i + 1} action</label>
              <select id={`${id}-action`} value={f.action} onChange={(e) => onChange(filters.map((g, j) => (j === i ? withAction(g, e.target.value as DestinationFilter['action']) : g)))}>
                {ACTIONS.map((a) => (
                  <option key={a.value} value={a.value}>
                    {a.label}
                  </option>
                ))}
              </select>
            </div>
            {f.action === 'sample' && (
              <div className="field">
                <label htmlFor={`${id}-percent`}>Percent kept</label>
                <input id={`${id}-percent`} type="number" min={0} max={100} value={f.percent ?? ''} onChange={(e) => set(i, { percent: e.target.value === '' ? undefined : Number(e.target.value) })} />
              </div>
            )}
            {(f.action === 'drop_properties' || f.action === 'allow_properties') && (
              <div className="field">
                <label htmlFor={`${id}-properties`}>Fields (comma-separated)</label>
                <FieldsInput id={`${id}-properties`} fields={f.properties ?? []} onChange={(properties) => set(i, { properties })} />
              </div>
            )}
            <button type="button" onClick={() => onChange(filters.filter((_, j) => j !== i))} aria-label={`Remove filter ${i + 1}`}>
              Remove
            </button>
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...filters, { if: '', action: 'drop' }])}>
        Add filter
      </button>
    </fieldset>
  );
}
