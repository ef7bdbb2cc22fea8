/** Keys whose values are credentials: never written to the audit log, never answered by the API. */
const SECRET_KEY = /(secret|password|passwd|passphrase|token|api[-_]?key|authorization|private[-_]?key|credential|write[-_]?key|connection[-_]?string|totp|cookie|session)/i;

export const REDACTED = '[redacted]';

/** Whether a property name holds a credential. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A deep copy of `value` with every credential-named property replaced by `[redacted]` (an empty or absent
 * value stays as it is, so a summary still shows whether a secret is set).
 *
 * @example redactSecrets({ url: 'https://x', headers: { Authorization: 'Bearer abc' } })
 *   // => { url: 'https://x', headers: { Authorization: '[redacted]' } }
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    out[key] = isSecretKey(key) && v !== null && v !== '' ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}
