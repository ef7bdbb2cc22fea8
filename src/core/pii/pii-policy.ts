import { SluiceError } from '../errors.js';
import { PII_LEVELS, type PiiLevel } from '../privacy/pii-field.js';
import type { JsonObject, JsonValue } from '../../protocol/segment-event.js';
import type { ClassifiedField, CustomMatcher } from './classify.js';

export const PII_ACTIONS = ['allow', 'hash', 'redact', 'drop_field', 'drop_event'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

/**
 * Rules by selector: a level (`red`, `yellow`, `sensitive`), a label (`email`, `ssn`, `health`, ...) or a
 * field (`field:traits.email`). The most specific selector wins: field, then label, then level.
 */
export type PiiRules = Record<string, PiiAction>;

/** A workspace's PII policy: rules applied before storage, rules per destination, custom matchers. */
export interface PiiPolicy {
  workspace: PiiRules;
  destinations: Record<string, PiiRules>;
  matchers: CustomMatcher[];
}

export const EMPTY_PII_POLICY: PiiPolicy = Object.freeze({ workspace: {}, destinations: {}, matchers: [] }) as PiiPolicy;

/** One change the policy made to an event, recorded with it. */
export interface PiiChange {
  path: string;
  action: Exclude<PiiAction, 'allow' | 'drop_event'>;
  reason: string;
}

function fail(message: string): never {
  throw new SluiceError('validation_failed', message);
}

function rules(raw: unknown, where: string): PiiRules {
  if (raw === undefined) return {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(`${where} must be an object of selector -> action.`);
  const out: PiiRules = {};
  for (const [selector, action] of Object.entries(raw as Record<string, unknown>)) {
    if (!PII_ACTIONS.includes(action as PiiAction)) fail(`${where}.${selector}: action must be one of ${PII_ACTIONS.join(', ')}.`);
    if (selector.trim() === '' || selector.length > 300) fail(`${where}: empty or too long selector.`);
    out[selector] = action as PiiAction;
  }
  return out;
}

/** The stored policy as the pipeline applies it: an unreadable one counts as empty (nothing stored in it is trusted). */
export function appliedPiiPolicy(stored: unknown): PiiPolicy {
  try {
    return validatePiiPolicy(stored);
  } catch {
    return validatePiiPolicy(undefined);
  }
}

/** Validates a PII policy document with messages that say how to fix it. */
export function validatePiiPolicy(raw: unknown): PiiPolicy {
  if (raw === undefined || raw === null) return { workspace: {}, destinations: {}, matchers: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('The PII policy must be an object {workspace?, destinations?, matchers?}.');
  const doc = raw as Record<string, unknown>;
  for (const key of Object.keys(doc)) if (!['workspace', 'destinations', 'matchers'].includes(key)) fail(`Unknown PII policy field "${key}": expected workspace, destinations, matchers.`);
  const destinations: Record<string, PiiRules> = {};
  if (doc.destinations !== undefined) {
    if (!doc.destinations || typeof doc.destinations !== 'object' || Array.isArray(doc.destinations)) fail('destinations must be an object of destinationId -> rules.');
    for (const [id, r] of Object.entries(doc.destinations as Record<string, unknown>)) destinations[id] = rules(r, `destinations.${id}`);
  }
  const matchers: CustomMatcher[] = [];
  if (doc.matchers !== undefined) {
    if (!Array.isArray(doc.matchers) || doc.matchers.length > 200) fail('matchers must be an array of at most 200 matchers.');
    for (const [i, m] of (doc.matchers as unknown[]).entries()) {
      const o = (m ?? {}) as Record<string, unknown>;
      if (o.target !== 'key' && o.target !== 'value') fail(`matchers[${i}].target must be "key" or "value".`);
      if (typeof o.pattern !== 'string' || o.pattern === '' || o.pattern.length > 500) fail(`matchers[${i}].pattern must be a non-empty string.`);
      if (o.regex !== undefined && typeof o.regex !== 'boolean') fail(`matchers[${i}].regex must be true or false.`);
      if (o.regex) {
        try {
          new RegExp(o.pattern, 'i');
        } catch (error) {
          fail(`matchers[${i}].pattern is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}.`);
        }
      }
      if (!PII_LEVELS.includes(o.level as PiiLevel) || o.level === 'none') fail(`matchers[${i}].level must be red, yellow or sensitive.`);
      if (typeof o.label !== 'string' || !/^[a-z0-9_]{1,64}$/.test(o.label)) fail(`matchers[${i}].label must be 1-64 lower-case letters, digits or _.`);
      matchers.push({ target: o.target, pattern: o.pattern, ...(o.regex === true && { regex: true }), level: o.level as PiiLevel, label: o.label });
    }
  }
  return { workspace: rules(doc.workspace, 'workspace'), destinations, matchers };
}

function hasRules(r: PiiRules): boolean {
  for (const _ in r) return true;
  return false;
}

/** The explicit rule for a field, most specific first; undefined when no selector matches. */
export function ruleFor(field: ClassifiedField, r: PiiRules): PiiAction | undefined {
  return r[`field:${field.path}`] ?? (field.label !== null ? r[field.label] : undefined) ?? (field.level !== 'none' ? r[field.level] : undefined);
}

/**
 * The action for a field on its way to a destination: the destination's explicit rule, else the
 * workspace's, else the default — Red and sensitive fields are dropped (they never leave unless a destination
 * explicitly allows them), everything else passes.
 */
export function destinationActionFor(field: ClassifiedField, policy: PiiPolicy, destinationId: string): PiiAction {
  const own = policy.destinations[destinationId];
  const explicit = (own && hasRules(own) ? ruleFor(field, own) : undefined) ?? (hasRules(policy.workspace) ? ruleFor(field, policy.workspace) : undefined);
  if (explicit) return explicit;
  return field.level === 'red' || field.level === 'sensitive' ? 'drop_field' : 'allow';
}

export type PiiOutcome = { changes: PiiChange[]; dropReason?: undefined } | { changes: PiiChange[]; dropReason: string };

function reasonOf(field: ClassifiedField): string {
  return field.label ?? field.level;
}

/** The drop reason of an event a `drop_event` rule stopped because of this field: `pii_blocked:<label>`. */
export function piiBlockedReason(field: ClassifiedField): string {
  return `pii_blocked:${reasonOf(field)}`;
}

/**
 * Applies actions to an event in place (paths with `[]` reach every array item). `drop_event` stops and
 * returns `pii_blocked:<label>`. Hash is the caller's keyed hash (HMAC-SHA256 with a workspace key).
 */
export function applyPiiActions(event: JsonObject, fields: readonly ClassifiedField[], actionOf: (field: ClassifiedField) => PiiAction | undefined, hash: (value: string) => string): PiiOutcome {
  const changes: PiiChange[] = [];
  for (const field of fields) {
    const action = actionOf(field);
    if (!action || action === 'allow') continue;
    if (action === 'drop_event') return { changes, dropReason: piiBlockedReason(field) };
    const touched = transform(event, field.path.split('.'), (value) => (action === 'drop_field' ? undefined : action === 'redact' ? '[redacted]' : hash(typeof value === 'string' ? value : JSON.stringify(value))));
    if (touched) changes.push({ path: field.path, action, reason: `pii_${action === 'drop_field' ? 'dropped' : action === 'hash' ? 'hashed' : 'redacted'}:${reasonOf(field)}` });
  }
  return { changes };
}

function transform(container: JsonValue, parts: readonly string[], change: (value: JsonValue) => JsonValue | undefined): boolean {
  if (parts.length === 0 || !container || typeof container !== 'object') return false;
  const [head, ...rest] = parts as [string, ...string[]];
  const isArray = head.endsWith('[]');
  const key = isArray ? head.slice(0, -2) : head;
  if (Array.isArray(container)) return false;
  const obj = container as JsonObject;
  if (!(key in obj)) return false;
  if (isArray) {
    const list = obj[key];
    if (!Array.isArray(list)) return false;
    let touched = false;
    if (rest.length === 0) {
      for (let i = list.length - 1; i >= 0; i--) {
        const next = change(list[i]!);
        if (next === undefined) list.splice(i, 1);
        else list[i] = next;
        touched = true;
      }
      return touched;
    }
    for (const item of list) touched = transform(item, rest, change) || touched;
    return touched;
  }
  if (rest.length === 0) {
    const next = change(obj[key]!);
    if (next === undefined) delete obj[key];
    else obj[key] = next;
    return true;
  }
  return transform(obj[key]!, rest, change);
}
