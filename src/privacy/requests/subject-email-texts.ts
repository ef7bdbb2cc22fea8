import type { Language } from '../../core/i18n/languages.js';
import { de } from './email-texts/de.js';
import { en } from './email-texts/en.js';
import { es } from './email-texts/es.js';
import { fr } from './email-texts/fr.js';
import { it } from './email-texts/it.js';
import { nl } from './email-texts/nl.js';
import { pt } from './email-texts/pt.js';
import type { SubjectEmailText } from './subject-email-text.js';

/**
 * The emails to a data subject, in every language Sluice speaks to them (decision 0407), one file per language in
 * `email-texts/`: formal register (Sie, vous, usted, Lei, u, você), the GDPR's own terms in each language (Auskunft,
 * Löschung, Berichtigung; droit d'accès, effacement, rectification; ...). Typed `Record<Language, ...>`, each
 * language a whole `SubjectEmailText`, so a sentence or a language missing does not compile.
 */
export const SUBJECT_EMAIL_TEXTS: Readonly<Record<Language, SubjectEmailText>> = Object.freeze({ en, de, fr, es, it, nl, pt });
