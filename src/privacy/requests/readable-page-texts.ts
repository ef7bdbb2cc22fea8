import type { Language } from '../../core/i18n/languages.js';
import { LEGAL_BASIS_LABELS, PURPOSE_LABELS, RECIPIENT_LABELS } from '../../core/privacy/disclosure-profile.js';
import type { ReadablePageText } from './readable-page-text.js';
import { de } from './readable-texts/de.js';
import { en } from './readable-texts/en.js';
import { es } from './readable-texts/es.js';
import { fr } from './readable-texts/fr.js';
import { it } from './readable-texts/it.js';
import { nl } from './readable-texts/nl.js';
import { pt } from './readable-texts/pt.js';

/**
 * The pages behind a data subject's download links, in every language Sluice speaks to them (decision 0407), one
 * file per language in `readable-texts/`, in the register and terms of the emails (`SUBJECT_EMAIL_TEXTS`). Typed
 * `Record<Language, ...>`, each language a whole `ReadablePageText`, so a sentence or a language missing does not compile.
 */
export const READABLE_PAGE_TEXTS: Readonly<Record<Language, ReadablePageText>> = Object.freeze({ en, de, fr, es, it, nl, pt });

/** The key of an English label of a built-in vocabulary (the stored results hold labels), undefined for a workspace's own word. */
function keyOf<K extends string>(labels: Readonly<Record<K, string>>, label: string): K | undefined {
  return (Object.keys(labels) as K[]).find((key) => labels[key] === label);
}

/** A purpose as the stored answer names it (`PURPOSE_LABELS`), in the page's language; another word as it is. */
export const purposeIn = (t: ReadablePageText, label: string): string => {
  const key = keyOf(PURPOSE_LABELS, label);
  return key ? t.purposes[key] : label;
};
/** A kind of recipient as the stored answer names it (`RECIPIENT_LABELS`), in the page's language. */
export const recipientKindIn = (t: ReadablePageText, label: string): string => {
  const key = keyOf(RECIPIENT_LABELS, label);
  return key ? t.recipientKinds[key] : label;
};
/** A legal basis as the stored answer names it (`LEGAL_BASIS_LABELS`), in the page's language. */
export const legalBasisIn = (t: ReadablePageText, label: string): string => {
  const key = keyOf(LEGAL_BASIS_LABELS, label);
  return key ? t.legalBases[key] : label;
};
