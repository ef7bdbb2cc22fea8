import { SluiceError } from '../core/errors.js';
import { restoreMaskedQuery, SECRET_MASK, urlHasSecrets, maskUrl, type SecretDeclaration } from './destination-secrets.js';

/**
 * A URL field's origin (scheme, host, port); '' when the field is not set; null when it is not an http(s) URL
 * (`javascript:x` parses, with the origin "null"): validation refuses it as destination_url_invalid, so it is
 * no move.
 */
function originOf(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

function describeOrigin(origin: string | null): string {
  return origin === '' || origin === null ? 'the default host' : origin;
}

/**
 * The config a `PATCH /destinations/:id` asks for, with what the caller cannot see taken from the stored
 * config (`stored`, secrets in clear):
 * - a secret field omitted or sent as {@link SECRET_MASK} keeps its stored value; `null` removes it;
 * - a URL field whose stored value has sealed parts keeps it when omitted or sent back as shown, and query
 *   values sent as `name=********` take the stored value of that parameter.
 *
 * Stored secrets never follow a URL to another origin: when a URL field's scheme, host or port changes,
 * anything kept from the stored config (a secret field, a masked query value of the moved URL) makes this
 * throw `destination_secrets_required` naming the fields to enter again (`error.fields`). A change of path on
 * the same origin keeps them.
 *
 * @example
 *   mergeConfigPatch(webhook, { url: 'https://other.example/in' }, { url: 'https://hooks.example/in', signingSecret: 's' });
 *   // throws destination_secrets_required: enter config.signingSecret again
 */
export function mergeConfigPatch(declared: SecretDeclaration, sent: Readonly<Record<string, unknown>>, stored: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...sent };
  /** Fields whose stored secret the request did not enter again. */
  const kept: string[] = [];
  for (const field of declared.secretFields) {
    if (merged[field] === null) {
      delete merged[field];
    } else if ((merged[field] === undefined || merged[field] === SECRET_MASK) && stored[field] !== undefined) {
      merged[field] = stored[field];
      kept.push(field);
    }
  }
  const urlFields = (declared.urlFields ?? []).filter((f) => !declared.secretFields.includes(f));
  for (const field of urlFields) {
    const before = stored[field];
    const value = merged[field];
    if (typeof before !== 'string' || !urlHasSecrets(before)) continue;
    if (value === undefined || value === maskUrl(before)) {
      merged[field] = before;
      continue;
    }
    if (typeof value !== 'string' || !value.includes(SECRET_MASK)) continue;
    const { url, unmatched } = restoreMaskedQuery(value, before);
    if (unmatched.length > 0) {
      throw new SluiceError('validation_failed', `config.${field}: the query value${unmatched.length > 1 ? 's' : ''} of ${unmatched.join(', ')} ${unmatched.length > 1 ? 'are' : 'is'} masked (${SECRET_MASK}) but the stored URL has no value for ${unmatched.length > 1 ? 'them' : 'it'}: enter the value.`, { path: `config.${field}` });
    }
    if (url !== value) {
      merged[field] = url;
      if (originOf(url) !== originOf(before)) kept.push(field);
    }
  }

  const moved = (declared.urlFields ?? []).filter((f) => {
    const to = originOf(merged[f]);
    return to !== null && to !== originOf(stored[f]);
  });
  if (moved.length > 0 && kept.length > 0) {
    const fields = [...new Set(kept)].sort();
    const changes = moved.map((f) => `config.${f} from ${describeOrigin(originOf(stored[f]))} to ${describeOrigin(originOf(merged[f]))}`).join(' and ');
    const names = fields.map((f) => (urlFields.includes(f) ? `config.${f} (its query values shown as ${SECRET_MASK})` : `config.${f}`)).join(', ');
    throw new SluiceError(
      'destination_secrets_required',
      `This change moves ${changes}: stored secrets are not sent to a new host unless you enter them again. Send ${names} in the same request (null removes a secret field); a change of path on the same host keeps them.`,
      { fields, moved },
    );
  }
  return merged;
}
