import { SluiceError } from '../core/errors.js';
import { restoreMaskedQuery, SECRET_MASK, urlHasSecrets, maskUrl, type SecretDeclaration } from './destination-secrets.js';

/**
 * The config a `PATCH /destinations/:id` asks for, with what the caller cannot see taken from the stored
 * config (`stored`, secrets in clear):
 * - a secret field omitted or sent as {@link SECRET_MASK} keeps its stored value;
 * - a URL field whose stored value has sealed parts keeps it when omitted or sent back as shown, and query
 *   values sent as `name=********` take the stored value of that parameter.
 *
 * @example
 *   mergeConfigPatch(webhook, { url: 'https://hooks.example/v2?key=********' }, { url: 'https://hooks.example/in?key=k' });
 *   // => { url: 'https://hooks.example/v2?key=k' }
 */
export function mergeConfigPatch(declared: SecretDeclaration, sent: Readonly<Record<string, unknown>>, stored: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...sent };
  for (const field of declared.secretFields) {
    if ((merged[field] === undefined || merged[field] === SECRET_MASK) && stored[field] !== undefined) merged[field] = stored[field];
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
    merged[field] = url;
  }
  return merged;
}
