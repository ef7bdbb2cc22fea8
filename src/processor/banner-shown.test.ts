import { describe, expect, it } from 'vitest';
import { bannerShownOf } from './consent-stage.js';

const version = 'a'.repeat(64);

describe('the banner a consent event names (properties.consentBanner)', () => {
  it('takes the version and the policy version the banner was served under', () => {
    expect(bannerShownOf({ properties: { consentBanner: { version, policyVersion: '2026-12' } } })).toEqual({ bannerVersion: version, policyVersion: '2026-12' });
    expect(bannerShownOf({ properties: { consentBanner: { version, policyVersion: null } } })).toEqual({ bannerVersion: version });
  });

  it('ignores what is absent or malformed, so the entry keeps the workspace policy version and no banner', () => {
    expect(bannerShownOf({})).toEqual({});
    expect(bannerShownOf({ properties: { consentBanner: { version: 'v1', policyVersion: '2026-12' } } })).toEqual({});
    expect(bannerShownOf({ properties: { consentBanner: { version: version.toUpperCase() } } })).toEqual({});
    expect(bannerShownOf({ properties: { consentBanner: [version] } })).toEqual({});
    expect(bannerShownOf({ properties: { consentBanner: { version, policyVersion: 'x'.repeat(101) } } })).toEqual({ bannerVersion: version });
  });
});
