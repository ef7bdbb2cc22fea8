import { describe, expect, it } from 'vitest';
import { applyConsentRecords } from '../privacy/consent-record.js';
import { DEFAULT_CONSENT_CATEGORIES } from './consent-category.js';
import { consentGate } from './consent-gate.js';
import { modelFor, resolveConsent, type ConsentInput, type ConsentPolicy, type ConsentRule } from './resolve-consent.js';

const optIn: ConsentPolicy = { categories: DEFAULT_CONSENT_CATEGORIES, model: 'opt-in' };
const optOut: ConsentPolicy = { categories: DEFAULT_CONSENT_CATEGORIES, model: 'opt-out' };
const regional: ConsentPolicy = { categories: DEFAULT_CONSENT_CATEGORIES, model: 'opt-out', regionModels: { EU: 'opt-in', GB: 'opt-in', US: 'opt-out', BR: 'opt-in' } };
const ledgerGrant = { granted: true, at: 1 };
const ledgerDeny = { granted: false, at: 1 };
/** An opt-out or objection filed as a privacy request, still the subject's latest choice. */
const requestDeny = { granted: false, at: 1, binding: true as const };

describe('resolveConsent: every rule of CONTRACT.md, first rule that applies decides', () => {
  const cases: { name: string; policy: ConsentPolicy; input: ConsentInput; category: string; granted: boolean; rule: ConsentRule }[] = [
    // rule 1: required
    { name: 'required granted under opt-in with nothing known', policy: optIn, input: { gpc: false }, category: 'necessary', granted: true, rule: 'required' },
    { name: 'required granted despite GPC', policy: optIn, input: { gpc: true }, category: 'necessary', granted: true, rule: 'required' },
    { name: 'required granted despite an event denial', policy: optIn, input: { gpc: false, preferences: { necessary: false } }, category: 'necessary', granted: true, rule: 'required' },
    { name: 'required granted despite a ledger denial', policy: optIn, input: { gpc: false, ledger: { necessary: ledgerDeny } }, category: 'necessary', granted: true, rule: 'required' },
    // rule 2: GPC
    { name: 'GPC denies a gpc category the event grants', policy: optOut, input: { gpc: true, preferences: { advertising: true } }, category: 'advertising', granted: false, rule: 'gpc' },
    { name: 'GPC denies a gpc category the ledger grants', policy: optOut, input: { gpc: true, ledger: { advertising: ledgerGrant } }, category: 'advertising', granted: false, rule: 'gpc' },
    { name: 'GPC denies a gpc category under opt-out', policy: optOut, input: { gpc: true }, category: 'advertising', granted: false, rule: 'gpc' },
    { name: 'GPC leaves a non-gpc category to later rules (event)', policy: optIn, input: { gpc: true, preferences: { analytics: true } }, category: 'analytics', granted: true, rule: 'event' },
    { name: 'GPC leaves a non-gpc category to the model', policy: optOut, input: { gpc: true }, category: 'analytics', granted: true, rule: 'model' },
    // rule 3: event preferences
    { name: 'event grant beats opt-in', policy: optIn, input: { gpc: false, preferences: { analytics: true } }, category: 'analytics', granted: true, rule: 'event' },
    { name: 'event denial beats opt-out', policy: optOut, input: { gpc: false, preferences: { analytics: false } }, category: 'analytics', granted: false, rule: 'event' },
    { name: 'event beats a ledger choice', policy: optIn, input: { gpc: false, preferences: { analytics: false }, ledger: { analytics: ledgerGrant } }, category: 'analytics', granted: false, rule: 'event' },
    { name: 'keys match the name case-insensitively', policy: optIn, input: { gpc: false, preferences: { ADVERTISING: true } }, category: 'advertising', granted: true, rule: 'event' },
    { name: 'keys match the display name', policy: optIn, input: { gpc: false, preferences: { Analytics: true } }, category: 'analytics', granted: true, rule: 'event' },
    { name: 'a non-boolean value is not a choice', policy: optIn, input: { gpc: false, preferences: { analytics: 'yes' } }, category: 'analytics', granted: false, rule: 'model' },
    { name: 'an empty preferences object decides nothing', policy: optOut, input: { gpc: false, preferences: {} }, category: 'functional', granted: true, rule: 'model' },
    { name: 'preferences that are not an object are ignored', policy: optIn, input: { gpc: false, preferences: [true] }, category: 'functional', granted: false, rule: 'model' },
    { name: 'a choice about one category leaves the others (event)', policy: optIn, input: { gpc: false, preferences: { analytics: true } }, category: 'functional', granted: false, rule: 'model' },
    // rule 4: ledger
    { name: 'ledger grant beats opt-in', policy: optIn, input: { gpc: false, ledger: { analytics: ledgerGrant } }, category: 'analytics', granted: true, rule: 'ledger' },
    { name: 'ledger denial beats opt-out', policy: optOut, input: { gpc: false, ledger: { advertising: ledgerDeny } }, category: 'advertising', granted: false, rule: 'ledger' },
    { name: 'a ledger choice about one category leaves the others', policy: optOut, input: { gpc: false, ledger: { analytics: ledgerDeny } }, category: 'functional', granted: true, rule: 'model' },
    // a binding ledger denial (privacy request): decides before the event, like GPC
    { name: "a request's denial beats an event grant (a banner re-sending an older choice)", policy: optIn, input: { gpc: false, preferences: { advertising: true }, ledger: { advertising: requestDeny } }, category: 'advertising', granted: false, rule: 'ledger' },
    { name: "a request's denial of a non-gpc category (objection) beats an event grant", policy: optOut, input: { gpc: false, preferences: { Analytics: true }, ledger: { analytics: requestDeny } }, category: 'analytics', granted: false, rule: 'ledger' },
    { name: "a request's denial of one category leaves the event's choice of another", policy: optIn, input: { gpc: false, preferences: { analytics: true }, ledger: { advertising: requestDeny } }, category: 'analytics', granted: true, rule: 'event' },
    { name: 'GPC still names itself over a binding denial', policy: optIn, input: { gpc: true, preferences: { advertising: true }, ledger: { advertising: requestDeny } }, category: 'advertising', granted: false, rule: 'gpc' },
    // rule 5: model
    { name: 'opt-in denies by default', policy: optIn, input: { gpc: false }, category: 'advertising', granted: false, rule: 'model' },
    { name: 'opt-out grants by default', policy: optOut, input: { gpc: false }, category: 'advertising', granted: true, rule: 'model' },
    { name: 'regional: EU country is opt-in', policy: regional, input: { gpc: false, country: 'de' }, category: 'analytics', granted: false, rule: 'model' },
    { name: 'regional: UK alias of GB is opt-in', policy: regional, input: { gpc: false, country: 'UK' }, category: 'analytics', granted: false, rule: 'model' },
    { name: 'regional: US is opt-out', policy: regional, input: { gpc: false, country: 'US' }, category: 'analytics', granted: true, rule: 'model' },
    { name: 'regional: unlisted country uses the workspace model', policy: regional, input: { gpc: false, country: 'JP' }, category: 'analytics', granted: true, rule: 'model' },
    { name: 'regional: unknown country uses the workspace model', policy: regional, input: { gpc: false }, category: 'analytics', granted: true, rule: 'model' },
    { name: 'regional: an exact country beats its group', policy: { ...regional, regionModels: { EU: 'opt-in', IE: 'opt-out' } }, input: { gpc: false, country: 'IE' }, category: 'analytics', granted: true, rule: 'model' },
  ];
  it.each(cases)('$name', ({ policy, input, category, granted, rule }) => {
    expect(resolveConsent(policy, input).categories[category]).toEqual({ granted, rule });
  });
});

describe('applyConsentRecords: binding denials', () => {
  const subject = { type: 'userId' as const, value: 'u1' };
  const record = (at: number, categories: Record<string, boolean>, requestId: string | null) => ({ workspaceId: 'ws', subject, at, categories, source: 'api' as const, gpc: false, requestId });
  it("marks a privacy request's denial binding, and a newer choice of the subject replaces it", () => {
    const empty = { subject, choices: {}, gpcAt: null };
    const optedOut = applyConsentRecords(empty, [record(100, { advertising: false }, 'pr_1')]);
    expect(optedOut.choices).toEqual({ advertising: { granted: false, at: 100, binding: true } });
    expect(applyConsentRecords(optedOut, [record(200, { advertising: true }, null)]).choices).toEqual({ advertising: { granted: true, at: 200 } });
    // A denial the subject made in a banner is an ordinary choice; a request never grants.
    expect(applyConsentRecords(empty, [record(100, { advertising: false }, null)]).choices).toEqual({ advertising: { granted: false, at: 100 } });
  });

  it('lets any choice replace one dated after now (a future-dated event recorded before event times were capped)', () => {
    const year2999 = Date.parse('2999-01-01T00:00:00.000Z');
    const stuck = { subject, choices: { advertising: { granted: true, at: year2999 } }, gpcAt: null };
    expect(applyConsentRecords(stuck, [record(100, { advertising: false }, null)]).choices).toEqual({ advertising: { granted: false, at: 100 } });
    // A real choice newer than the one being applied still wins over it.
    const real = { subject, choices: { advertising: { granted: true, at: 200 } }, gpcAt: null };
    expect(applyConsentRecords(real, [record(100, { advertising: false }, null)]).choices).toEqual({ advertising: { granted: true, at: 200 } });
  });
});

describe('modelFor', () => {
  it('reads EEA members outside the EU', () => {
    expect(modelFor({ categories: [], model: 'opt-out', regionModels: { EEA: 'opt-in' } }, 'NO')).toBe('opt-in');
    expect(modelFor({ categories: [], model: 'opt-out', regionModels: { EEA: 'opt-in' } }, 'CH')).toBe('opt-out');
  });
});

describe('consentGate', () => {
  const cats = DEFAULT_CONSENT_CATEGORIES;
  const state = resolveConsent(optIn, { gpc: true, preferences: { analytics: true, functional: false } });
  const cases: { name: string; wanted: string[] | undefined; expected: ReturnType<typeof consentGate> }[] = [
    { name: 'no categories: only the required one, always passes', wanted: undefined, expected: { kind: 'continue' } },
    { name: 'required category passes', wanted: ['necessary'], expected: { kind: 'continue' } },
    { name: 'granted category passes', wanted: ['analytics'], expected: { kind: 'continue' } },
    { name: 'matched by name, case-insensitively', wanted: ['ANALYTICS'], expected: { kind: 'continue' } },
    { name: 'denied category drops with its id', wanted: ['functional'], expected: { kind: 'drop', reason: 'consent_denied:functional' } },
    { name: 'GPC-denied category drops as gpc', wanted: ['Advertising'], expected: { kind: 'drop', reason: 'gpc' } },
    { name: 'every category must be granted; first denial names the reason', wanted: ['analytics', 'functional', 'advertising'], expected: { kind: 'drop', reason: 'consent_denied:functional' } },
    { name: 'an unknown category fails closed', wanted: ['marketing'], expected: { kind: 'drop', reason: 'consent_denied:marketing' } },
  ];
  it.each(cases)('$name', ({ wanted, expected }) => {
    expect(consentGate(cats, wanted, state)).toEqual(expected);
  });
});
