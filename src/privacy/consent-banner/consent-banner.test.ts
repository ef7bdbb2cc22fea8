import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BANNER_TEXT } from '../../core/consent/banner-content.js';
import { bannerSettingsFrom, DEFAULT_BANNER_CATEGORIES } from './banner-config.js';
import { consentScript } from './consent-banner-routes.js';

const config = {
  writeKey: 'wk_test',
  publicUrl: 'https://sluice.example.com',
  cookieName: 'sluice_consent',
  policyVersion: null,
  text: BANNER_TEXT,
  bannerVersion: '0'.repeat(64),
  model: 'opt-in' as const,
  categories: [...DEFAULT_BANNER_CATEGORIES, { id: 'x', name: 'X', description: '</script><script>alert(1)</script>' }],
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
  it('uses the defaults when nothing is configured', () => {
    expect(bannerSettingsFrom({})).toEqual({ categories: DEFAULT_BANNER_CATEGORIES, model: 'opt-in', policyVersion: null });
  });

  it('reads the configured categories, model and policy version', () => {
    const settings = bannerSettingsFrom({
      consentCategories: [{ id: 'stats', name: 'Statistics', description: 'Counts visits', gpc: false }, { id: 'ads', name: 'Ads', gpc: true }, { bogus: true }],
      privacy: { consentModel: 'opt-out', policyVersion: '2026-01' },
    });
    expect(settings).toEqual({
      categories: [{ id: 'stats', name: 'Statistics', description: 'Counts visits' }, { id: 'ads', name: 'Ads', gpc: true }],
      model: 'opt-out',
      policyVersion: '2026-01',
    });
  });
});
