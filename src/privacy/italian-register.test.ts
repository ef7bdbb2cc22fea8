import { describe, expect, it } from 'vitest';
import { BANNER_TEXTS } from '../core/consent/banner-texts.js';
import { DEFAULT_CONSENT_CATEGORIES } from '../core/consent/consent-category.js';
import { PRIVACY_PAGE_TEXTS } from './requests/privacy-page-texts.js';
import { READABLE_PAGE_TEXTS } from './requests/readable-page-texts.js';
import { SUBJECT_EMAIL_TEXTS } from './requests/subject-email-texts.js';
import { wordsOf } from '../../test/support/text-table-words.js';

/** The informal "tu" in Italian: its pronouns and possessives, and the second person singular of the verbs used. */
const INFORMAL = /\b(tu|te|ti|tuo|tua|tuoi|tue|hai|puoi|vuoi|sei|scegli|rivedi)\b/i;

describe('Italian speaks to the person in the formal "Lei" everywhere', () => {
  it.each([
    ['the consent banner', BANNER_TEXTS.it],
    ['the default consent categories', DEFAULT_CONSENT_CATEGORIES.map((c) => c.translations?.it)],
    ['the hosted privacy page', PRIVACY_PAGE_TEXTS.it],
    ['the emails to the data subject', SUBJECT_EMAIL_TEXTS.it],
    ['the pages behind the download links', READABLE_PAGE_TEXTS.it],
  ])('%s', (_surface, table) => {
    const words = wordsOf(table);
    expect(words.length).toBeGreaterThan(3);
    for (const text of words) expect(text, text).not.toMatch(INFORMAL);
  });

  it('the banner addresses the visitor as Lei (Suoi dati, Sue scelte)', () => {
    expect(BANNER_TEXTS.it.intro).toContain('i Suoi dati');
    expect(BANNER_TEXTS.it.title).toBe('Le Sue scelte sulla privacy');
  });
});
