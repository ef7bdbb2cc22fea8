import type { RoleName } from '../core/api-token.js';
import { detectKey, normalizeKey } from '../core/pii/key-matchers.js';
import { detectValue } from '../core/pii/value-detectors.js';
import { hidePersonalDataIn, looksLikeEmail } from '../core/privacy/personal-text.js';
import { SluiceError } from '../core/errors.js';
import { roleHas } from './permissions.js';

export const MASKED = '[masked]';

/** Objects whose every value is personal data (a person's traits). */
const PERSONAL_CONTAINERS = new Set(['traits', 'usertraits']);

function maskAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAll);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskAll(v)]));
  return value === null || value === undefined ? value : MASKED;
}

/** URL-encoded `@` (`dave%40example.com` in a page URL's query) read as `@` for the email check. */
const ENCODED_AT = /%40/gi;

function maskText(value: string): string {
  if (looksLikeEmail(value) || detectValue(value, { ip: true }) !== undefined) return MASKED;
  const decoded = value.replace(ENCODED_AT, '@');
  const hidden = hidePersonalDataIn(decoded, MASKED);
  return hidden === decoded ? value : hidden;
}

function walk(value: unknown, path: string, depth: number): unknown {
  if (depth > 64) return MASKED;
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, path, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const at = path === '' ? key : `${path}.${key}`;
    // The PII classifier's key vocabulary (Red, sensitive and Yellow keys: email, birthdate, ssn, health, ...),
    // with its path rules (`context.app.name` is not a person's name).
    out[key] = PERSONAL_CONTAINERS.has(normalizeKey(key)) || detectKey(key, at) !== undefined ? maskAll(v) : walk(v, at, depth + 1);
  }
  return out;
}

/**
 * What a caller may see of personal data in an API answer: unchanged for roles with the `pii_access`
 * permission; otherwise a copy where traits, every field the PII classifier names by its key (Red, sensitive
 * and Yellow: email, phone, ip, address, names, birthdate, ssn, health, ...) at any depth, values its detectors
 * recognise (an email, phone, card or IBAN as a whole value, such as a userId that is an email) read `[masked]`,
 * as do email addresses (also URL-encoded, in a page URL's query) and international phone numbers inside other
 * text (a destination's error message quoting one). Structure, event names,
 * ids and timestamps stay, so a viewer can still debug a pipeline.
 *
 * @example
 *   return { events: events.map((e) => maskPersonalData(eventView(e), principalOf(request))) };
 */
export function maskPersonalData<T>(value: T, principal: { role: RoleName }): T {
  if (roleHas(principal.role, 'pii_access')) return value;
  return walk(value, '', 0) as T;
}

/**
 * Refuses a lookup by email address to a role without `pii_access`: the answer would be masked, but finding a
 * profile would still tell the caller that this person is a customer. Lookups by userId or anonymousId stay open.
 */
export function refuseEmailLookup(identifier: string, principal: { role: RoleName }): void {
  if (roleHas(principal.role, 'pii_access') || !looksLikeEmail(identifier.trim())) return;
  throw new SluiceError('forbidden', `Your role (${principal.role}) lacks the "pii_access" permission needed to look a person up by email address (finding them would tell you they are a customer); look them up by userId or anonymousId, or ask a member with pii_access.`);
}
