import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BANNER_LANGUAGES, BANNER_TEXTS } from '../../core/consent/banner-texts.js';
import { DEFAULT_CONSENT_CATEGORIES } from '../../core/consent/consent-category.js';
import { bannerCategory, bannerSettingsFrom } from './banner-config.js';
import { consentScript } from './consent-banner-routes.js';

const config = {
  writeKey: 'wk_test',
  publicUrl: 'https://sluice.example.com',
  cookieName: 'sluice_consent',
  policyVersion: null,
  language: 'en' as const,
  text: BANNER_TEXTS.en,
  bannerVersion: '0'.repeat(64),
  model: 'opt-in' as const,
  categories: [...DEFAULT_CONSENT_CATEGORIES.map((c) => bannerCategory(c, 'en')), { id: 'x', name: 'X', description: '</script><script>alert(1)</script>' }],
};

describe('consent banner script', () => {
  it('stays under 20 KB gzipped', () => {
    const size = gzipSync(consentScript(config)).length;
    expect(size).toBeLessThan(20 * 1024);
  });

  it('is one self-contained, syntactically valid script', () => {
    const script = consentScript(config);
    expect(() => new Function(script)).not.toThrow();
    // Serialized with toString: a helper injected by a build tool would be undefined in the browser.
    expect(script).not.toMatch(/\b__name\(|\b__require\b|\bimport\s*\(/);
  });

  it('cannot be broken out of by a category description', () => {
    expect(consentScript(config)).not.toContain('</script>');
  });
});

describe('banner settings from a workspace settings document', () => {
  it('uses the default categories, in English, when nothing is configured', () => {
    expect(bannerSettingsFrom({})).toEqual({
      categories: [
        { id: 'necessary', name: 'Necessary', description: 'Needed for the service to work; always on.', required: true },
        { id: 'functional', name: 'Functional', description: 'Remembers your choices and improves features.' },
        { id: 'analytics', name: 'Analytics', description: 'Measures how the site is used, so it can be improved.' },
        { id: 'advertising', name: 'Advertising', description: 'Targeted advertising, and sale or sharing of personal information.', gpc: true },
      ],
      model: 'opt-in',
      policyVersion: null,
      language: 'en',
      text: BANNER_TEXTS.en,
    });
  });

  it('shows the default categories in every language the banner speaks', () => {
    for (const language of BANNER_LANGUAGES) {
      const { categories, text } = bannerSettingsFrom({}, language);
      expect(text).toBe(BANNER_TEXTS[language]);
      expect(categories.map((c) => c.id)).toEqual(['necessary', 'functional', 'analytics', 'advertising']);
      for (const c of categories) expect(c.description, `${language} ${c.id}`).toMatch(/\S/);
      if (language !== 'en') expect(categories.map((c) => c.name)).not.toEqual(['Necessary', 'Functional', 'Analytics', 'Advertising']);
    }
    expect(bannerSettingsFrom({}, 'de').categories.find((c) => c.id === 'advertising')).toEqual({ id: 'advertising', name: 'Werbung', description: 'Personalisierte Werbung sowie Verkauf oder Weitergabe personenbezogener Daten.', gpc: true });
  });

  it('every language has every sentence, and names its reopen link in its introduction', () => {
    for (const language of BANNER_LANGUAGES) {
      const text = BANNER_TEXTS[language];
      expect(Object.keys(text), language).toEqual(Object.keys(BANNER_TEXTS.en));
      for (const [key, value] of Object.entries(text)) expect(value.trim(), `${language}.${key}`).not.toBe('');
      expect(text.intro, language).toContain(text.reopen);
      expect(text.policyChanged, language).toContain('{version}');
    }
  });

  it('reads the configured categories (translated where a translation is given), model and policy version', () => {
    const document = {
      consentCategories: [
        { id: 'stats', name: 'Statistics', description: 'Counts visits', translations: { fr: { name: 'Statistiques', description: 'Compte les visites' } } },
        { id: 'ads', name: 'Ads', gpc: true, translations: { fr: { name: 'Publicité' } } },
      ],
      privacy: { consentModel: 'opt-out', policyVersion: '2026-01' },
    };
    expect(bannerSettingsFrom(document, 'en')).toMatchObject({
      categories: [{ id: 'stats', name: 'Statistics', description: 'Counts visits' }, { id: 'ads', name: 'Ads', gpc: true }],
      model: 'opt-out',
      policyVersion: '2026-01',
    });
    // A translation replaces both: one without a description shows none (not the English one beside a French name).
    expect(bannerSettingsFrom(document, 'fr').categories).toEqual([{ id: 'stats', name: 'Statistiques', description: 'Compte les visites' }, { id: 'ads', name: 'Publicité', gpc: true }]);
    // No German given: the category's own wording.
    expect(bannerSettingsFrom(document, 'de').categories[0]).toEqual({ id: 'stats', name: 'Statistics', description: 'Counts visits' });
  });

  it('falls back to the defaults for a stored list the pipeline could not read either', () => {
    expect(bannerSettingsFrom({ consentCategories: [{ bogus: true }] }).categories.map((c) => c.id)).toEqual(['necessary', 'functional', 'analytics', 'advertising']);
  });
});
