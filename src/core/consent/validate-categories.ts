import { SluiceError } from '../errors.js';
import { BANNER_LANGUAGES, isBannerLanguage } from './banner-texts.js';
import type { CategoryTranslation, ConsentCategory } from './consent-category.js';

/** A category id: 1-64 letters, digits, `_` or `-`, starting with a letter or digit. */
export const CATEGORY_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Validates a workspace's category list: ids of letters, digits, `_` and `-`; non-empty names; no id or
 * name used twice (case-insensitively, since preferences match either); a required category is never `gpc`.
 */
export function validateCategories(input: readonly ConsentCategory[]): ConsentCategory[] {
  if (input.length > 50) throw new SluiceError('validation_failed', 'At most 50 consent categories.');
  const seen = new Map<string, string>();
  const out: ConsentCategory[] = [];
  for (const [i, c] of input.entries()) {
    if (!CATEGORY_ID.test(c.id)) throw new SluiceError('validation_failed', `Category ${i + 1} (index ${i}): id "${c.id}" must be 1-64 letters, digits, "_" or "-", starting with a letter or digit.`);
    const name = c.name.trim();
    if (name === '') throw new SluiceError('validation_failed', `Category ${i + 1} (index ${i}, ${c.id}): name must not be empty.`);
    if (c.required && c.gpc) throw new SluiceError('validation_failed', `Category ${c.id}: a required category cannot be a gpc category (GPC could never deny it).`);
    for (const key of new Set([c.id.toLowerCase(), name.toLowerCase()])) {
      const owner = seen.get(key);
      if (owner !== undefined) throw new SluiceError('validation_failed', `Category ${c.id}: "${key}" is already the id or name of category ${owner}; ids and names must be unique case-insensitively.`);
      seen.set(key, c.id);
    }
    const translations = validTranslations(c, i);
    out.push({ id: c.id, name, ...(c.description !== undefined && { description: c.description }), ...(c.required && { required: true }), ...(c.gpc && { gpc: true }), ...(translations && { translations }) });
  }
  return out;
}

/** A category's translations: languages the banner speaks, each with a name (trimmed, not empty). None: undefined. */
function validTranslations(c: ConsentCategory, i: number): ConsentCategory['translations'] {
  if (c.translations === undefined) return undefined;
  const out: Record<string, CategoryTranslation> = {};
  for (const [language, t] of Object.entries(c.translations)) {
    if (!isBannerLanguage(language)) throw new SluiceError('validation_failed', `Category ${c.id}: translations.${language} is not a language the consent banner speaks; use ${BANNER_LANGUAGES.join(', ')} (ISO 639-1 codes, lower case).`);
    if (t === undefined) continue;
    const name = t.name.trim();
    if (name === '') throw new SluiceError('validation_failed', `Category ${i + 1} (index ${i}, ${c.id}): translations.${language}.name must not be empty.`);
    out[language] = { name, ...(t.description !== undefined && { description: t.description }) };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
