import type { RoleName } from '../core/api-token.js';
import { hidePersonalDataIn, looksLikeEmail } from '../core/privacy/personal-text.js';
import { roleHas } from './permissions.js';

export const MASKED = '[masked]';

/** Keys that hold personal data wherever they appear (compared lower-case, without `_` and `-`). */
const PERSONAL_KEYS = new Set([
  'email', 'emails', 'phone', 'phonenumber', 'mobile', 'ip', 'ipaddress', 'address', 'street', 'postalcode', 'zip', 'zipcode',
  'firstname', 'lastname', 'fullname', 'username', 'birthday', 'dateofbirth', 'dob', 'ssn', 'taxid', 'passport', 'iban', 'creditcard', 'cardnumber',
]);
/** Objects whose every value is personal data (a person's traits). */
const PERSONAL_CONTAINERS = new Set(['traits', 'usertraits']);

function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function maskAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAll);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskAll(v)]));
  return value === null || value === undefined ? value : MASKED;
}

function walk(value: unknown, depth: number): unknown {
  if (depth > 64) return MASKED;
  if (typeof value === 'string') return looksLikeEmail(value) ? MASKED : hidePersonalDataIn(value, MASKED);
  if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const k = normalise(key);
    out[key] = PERSONAL_CONTAINERS.has(k) || PERSONAL_KEYS.has(k) ? maskAll(v) : walk(v, depth + 1);
  }
  return out;
}

/**
 * What a caller may see of personal data in an API answer: unchanged for roles with the `pii_access`
 * permission; otherwise a copy where traits, personal fields (email, phone, ip, address, names, ...) at any
 * depth and email-like strings (such as a userId that is an email) read `[masked]`, as do email addresses
 * inside other text (a destination's error message quoting one). Structure, event names,
 * ids and timestamps stay, so a viewer can still debug a pipeline.
 *
 * @example
 *   return { events: events.map((e) => maskPersonalData(eventView(e), principalOf(request))) };
 */
export function maskPersonalData<T>(value: T, principal: { role: RoleName }): T {
  if (roleHas(principal.role, 'pii_access')) return value;
  return walk(value, 0) as T;
}
