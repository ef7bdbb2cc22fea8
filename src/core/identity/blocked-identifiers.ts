/**
 * Values (trimmed, lower-cased) that clients send when they have no real identifier. Linking on them would merge strangers into one
 * profile (Segment's merge protection blocks the same values), so the identity graph ignores them.
 */
const BLOCKED_IDENTIFIERS: readonly string[] = ['null', 'anonymous', '-1', 'undefined', 'nil', 'none'];
const BLOCKED = new Set(BLOCKED_IDENTIFIERS);

/**
 * True when `value` must never link profiles: empty or only whitespace, `null`, `anonymous`, `-1`, or only zeros and
 * dashes. (The Tracking API already treats an empty or whitespace-only userId or anonymousId as absent.)
 */
export function isBlockedIdentifier(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || BLOCKED.has(v) || /^[0-]*$/.test(v);
}

/**
 * {@link isBlockedIdentifier} in SQL, the same on SQLite and PostgreSQL (their `trim` takes spaces only): true when the
 * text expression `expression` (a quoted column, maybe cast) holds a placeholder. The values are our constants, so
 * they are written as literals. Used where the store and the warehouse read "an event without anyone's userId".
 */
export function blockedIdentifierSql(expression: string): string {
  const values = BLOCKED_IDENTIFIERS.map((v) => `'${v}'`).join(', ');
  return `(lower(trim(${expression})) in (${values}) or replace(replace(trim(${expression}), '0', ''), '-', '') = '')`;
}

/** A trimmed, lower-cased email, or undefined when the value is not an email worth linking on. */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(v) || isBlockedIdentifier(v.split('@')[0]!)) return undefined;
  return v;
}
