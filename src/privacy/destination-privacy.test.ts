import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSENT_CATEGORIES } from '../core/consent/consent-category.js';
import { resolveConsent } from '../core/consent/resolve-consent.js';
import { classifyEvent } from '../core/pii/classify.js';
import { validatePiiPolicy } from '../core/pii/pii-policy.js';
import type { SegmentEvent } from '../protocol/segment-event.js';
import { privacyForDestination, withSensitiveLimit } from './destination-privacy.js';

const cats = DEFAULT_CONSENT_CATEGORIES;
const hash = (v: string) => `h(${v})`;
const event = (): SegmentEvent => ({
  type: 'identify',
  messageId: 'm1',
  userId: 'u1',
  traits: { email: 'ada@example.com', ssn: '123-45-6789', religion: 'none', plan: 'pro' },
  context: { app: { name: 'Shop' } },
  integrations: {},
  originalTimestamp: '2026-11-30T00:00:00Z',
  timestamp: '2026-11-30T00:00:00Z',
  receivedAt: '2026-11-30T00:00:00Z',
  version: 2,
});
const item = (over: { gpc?: boolean; prefs?: Record<string, boolean>; child?: boolean } = {}) => {
  const e = event();
  return {
    event: e,
    consent: resolveConsent({ categories: cats, model: 'opt-in' }, { gpc: over.gpc ?? false, preferences: over.prefs ?? { analytics: true, advertising: true } }),
    ...(over.child && { child: true }),
    pii: classifyEvent(e).filter((f) => f.level !== 'none'),
  };
};
const none = validatePiiPolicy(undefined);

describe('privacyForDestination', () => {
  it('drops for a denied category, for GPC, and for a child', () => {
    expect(privacyForDestination(item({ prefs: {} }), { id: 'd', consentCategories: ['analytics'] }, cats, none, hash)).toEqual({ kind: 'drop', reason: 'consent_denied:analytics' });
    expect(privacyForDestination(item({ gpc: true }), { id: 'd', consentCategories: ['Advertising'] }, cats, none, hash)).toEqual({ kind: 'drop', reason: 'gpc' });
    expect(privacyForDestination(item({ child: true }), { id: 'd', consentCategories: ['analytics'] }, cats, none, hash)).toEqual({ kind: 'drop', reason: 'child' });
    expect(privacyForDestination(item({ child: true }), { id: 'd', consentCategories: ['necessary'] }, cats, none, hash).kind).toBe('deliver');
  });

  it('removes Red and sensitive fields by default, keeps Yellow, and leaves the stored event untouched', () => {
    const it = item();
    const verdict = privacyForDestination(it, { id: 'd' }, cats, none, hash);
    expect(verdict.kind).toBe('deliver');
    if (verdict.kind !== 'deliver') return;
    expect(verdict.event.traits).toEqual({ email: 'ada@example.com', plan: 'pro' });
    expect(verdict.changes.map((c) => c.reason).sort()).toEqual(['pii_dropped:religion', 'pii_dropped:ssn']);
    expect(it.event.traits?.ssn).toBe('123-45-6789');
  });

  it('follows explicit per-destination and workspace rules', () => {
    const policy = validatePiiPolicy({ workspace: { email: 'hash' }, destinations: { wh: { ssn: 'allow', 'field:traits.religion': 'redact' }, strict: { email: 'drop_event' } } });
    const verdict = privacyForDestination(item(), { id: 'wh' }, cats, policy, hash);
    expect(verdict.kind === 'deliver' && verdict.event.traits).toEqual({ email: 'h(ada@example.com)', ssn: '123-45-6789', religion: '[redacted]', plan: 'pro' });
    expect(privacyForDestination(item(), { id: 'strict' }, cats, policy, hash)).toEqual({ kind: 'drop', reason: 'pii_blocked:email' });
  });

  it('keeps Red and sensitive fields of a person who limited their use from a destination that allows or hashes them, and keeps redact and drop_event', () => {
    const policy = validatePiiPolicy({ destinations: { wh: { ssn: 'allow', religion: 'hash', email: 'hash' }, redacting: { religion: 'redact' }, strict: { religion: 'drop_event' } } });
    const limited = { ...item(), sensitiveLimited: true };
    const verdict = privacyForDestination(limited, { id: 'wh' }, cats, policy, hash);
    // Yellow fields follow the policy as for anyone (the email is hashed); Red and sensitive ones never leave.
    expect(verdict.kind === 'deliver' && verdict.event.traits).toEqual({ email: 'h(ada@example.com)', plan: 'pro' });
    const unlimited = privacyForDestination(item(), { id: 'wh' }, cats, policy, hash);
    expect(unlimited.kind === 'deliver' && unlimited.event.traits).toEqual({ email: 'h(ada@example.com)', ssn: '123-45-6789', religion: 'h(none)', plan: 'pro' });
    const redacted = privacyForDestination({ ...item(), sensitiveLimited: true }, { id: 'redacting' }, cats, policy, hash);
    expect(redacted.kind === 'deliver' && redacted.event.traits?.religion).toBe('[redacted]');
    expect(privacyForDestination({ ...item(), sensitiveLimited: true }, { id: 'strict' }, cats, policy, hash)).toEqual({ kind: 'drop', reason: 'pii_blocked:religion' });
  });

  it('takes from an event already made for a destination what a limit on sensitive data would have kept from it, and nothing else', () => {
    const policy = validatePiiPolicy({ destinations: { wh: { ssn: 'allow', religion: 'hash', email: 'hash' }, redacting: { religion: 'redact' } } });
    // As fan-out made it for `wh` before the limit: the email and religion hashed, the SSN allowed.
    const made = privacyForDestination(item(), { id: 'wh' }, cats, policy, hash);
    if (made.kind !== 'deliver') throw new Error('expected a delivery');
    const limited = withSensitiveLimit(made.event, classifyEvent(made.event).filter((f) => f.level !== 'none'), policy, 'wh');
    // The hashed email (Yellow) is not hashed twice; the Red and sensitive fields go, as for a limited person at fan-out.
    expect(limited.event.traits).toEqual({ email: 'h(ada@example.com)', plan: 'pro' });
    expect(limited.changes.map((c) => c.path).sort()).toEqual(['traits.religion', 'traits.ssn']);
    expect(made.event.traits).toHaveProperty('ssn');
    // A redacted field stays redacted; nothing to change returns the same event.
    const redacted = privacyForDestination(item(), { id: 'redacting' }, cats, policy, hash);
    if (redacted.kind !== 'deliver') throw new Error('expected a delivery');
    const same = withSensitiveLimit(redacted.event, classifyEvent(redacted.event).filter((f) => f.level !== 'none'), policy, 'redacting');
    expect(same).toEqual({ event: redacted.event, changes: [] });
    expect(same.event).toBe(redacted.event);
  });
});
