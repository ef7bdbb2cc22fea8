import { canonicalJson } from '../core/audit-entry.js';

/** Whether two values are the same JSON (an absent value differs from null). */
function same(a: unknown, b: unknown): boolean {
  return (a === undefined) === (b === undefined) && canonicalJson(a) === canonicalJson(b);
}

/** The before/after of an audit entry that shows only what a change did. */
export interface AuditChanges {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/**
 * The top-level fields of two summaries whose values differ (compared as canonical JSON), for an audit
 * entry's `before` and `after`: unchanged fields are left out, a field only one side has appears on that
 * side only. Both are empty when nothing changed.
 *
 * @example
 *   changedFields({ consentModel: 'opt-in', dnt: 'ignore' }, { consentModel: 'opt-out', dnt: 'ignore' })
 *   // => { before: { consentModel: 'opt-in' }, after: { consentModel: 'opt-out' } }
 */
export function changedFields(before: object, after: object): AuditChanges {
  const was = before as Readonly<Record<string, unknown>>;
  const is = after as Readonly<Record<string, unknown>>;
  const changes: AuditChanges = { before: {}, after: {} };
  for (const key of new Set([...Object.keys(was), ...Object.keys(is)])) {
    if (same(was[key], is[key])) continue;
    if (was[key] !== undefined) changes.before[key] = was[key];
    if (is[key] !== undefined) changes.after[key] = is[key];
  }
  return changes;
}
