import { describe, expect, it } from 'vitest';
import { bannerLanguageFor } from './consent-banner/banner-language.js';
import { languageFor } from './language-choice.js';

describe('the language a banner or the privacy page is served in', () => {
  it.each([
    [undefined, undefined, 'en'],
    [undefined, '', 'en'],
    [undefined, 'de-DE,de;q=0.9,en;q=0.8', 'de'],
    [undefined, 'en-GB,de;q=0.5', 'en'],
    [undefined, 'sv-SE,sv;q=0.9', 'en'],
    [undefined, 'sv,nl;q=0.2', 'nl'],
    [undefined, 'pt-BR', 'pt'],
    [undefined, 'fr-CH, fr;q=0.9', 'fr'],
    ['it', 'de', 'it'],
    ['ES', undefined, 'es'],
    ['de-AT', 'fr', 'de'],
    ['nl_BE', undefined, 'nl'],
    ['', 'fr', 'fr'],
  ])('lang %j, Accept-Language %j: %s', (lang, accept, expected) => {
    expect(bannerLanguageFor(lang, accept)).toBe(expected);
    expect(languageFor(lang, accept, 'the privacy page')).toBe(expected);
  });

  it('refuses a lang it does not speak, naming those it does', () => {
    expect(() => bannerLanguageFor('sv', 'de')).toThrow('lang="sv" is not a language the consent banner speaks: use one of en, de, fr, es, it, nl, pt');
    expect(() => languageFor('xx', undefined, 'the privacy page')).toThrow('lang="xx" is not a language the privacy page speaks: use one of en, de, fr, es, it, nl, pt');
  });
});
