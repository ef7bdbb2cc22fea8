import type { Language } from '../../core/i18n/languages.js';
import { de } from './page-texts/de.js';
import { en } from './page-texts/en.js';
import { es } from './page-texts/es.js';
import { fr } from './page-texts/fr.js';
import { it } from './page-texts/it.js';
import { nl } from './page-texts/nl.js';
import { pt } from './page-texts/pt.js';
import type { PrivacyPageText } from './privacy-page-text.js';

/**
 * The hosted privacy page in every language Sluice speaks to data subjects (decision 0407), one file per language in
 * `page-texts/`: formal register, each language's own terms for the rights. Typed `Record<Language, ...>`, each a
 * whole `PrivacyPageText`, so a label or a language missing does not compile.
 */
export const PRIVACY_PAGE_TEXTS: Readonly<Record<Language, PrivacyPageText>> = Object.freeze({ en, de, fr, es, it, nl, pt });
