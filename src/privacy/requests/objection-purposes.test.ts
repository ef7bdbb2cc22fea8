import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSENT_CATEGORIES } from '../../core/consent/consent-category.js';
import { looksLikeDirectMarketing, objectionPurposesToDecide, splitPurposes } from './objection-purposes.js';

describe('an objection’s purposes', () => {
  it('reads a purpose naming a consent category (id or name, any case) as that category, and leaves the rest to a person, once each', () => {
    expect(splitPurposes(['Analytics', 'ADVERTISING', ' analytics ', 'credit scoring', 'credit scoring', 'the newsletter'], DEFAULT_CONSENT_CATEGORIES)).toEqual({
      categoryIds: ['analytics', 'advertising', 'analytics'],
      needDecision: ['credit scoring', 'the newsletter'],
    });
    expect(splitPurposes([], DEFAULT_CONSENT_CATEGORIES)).toEqual({ categoryIds: [], needDecision: [] });
  });

  it('recognises direct marketing in the hosted page’s languages, and not other uses', () => {
    for (const purpose of ['Newsletter', 'direct marketing emails', 'personalised ads', 'Werbung per Post', 'publicité ciblée', 'pubblicità', 'publicidad', 'promotional offers', 'Mailing']) {
      expect(looksLikeDirectMarketing(purpose), purpose).toBe(true);
    }
    for (const purpose of ['credit scoring', 'fraud prevention', 'profiling for insurance pricing', 'address lookups', 'headcount statistics']) {
      expect(looksLikeDirectMarketing(purpose), purpose).toBe(false);
    }
  });

  it('lists the purposes a parked objection waits on, and none for a request that waits on nothing', () => {
    const parked = { type: 'object' as const, status: 'processing' as const, workState: { objection: { deniedCategories: [], awaiting: ['credit scoring'] } } };
    expect(objectionPurposesToDecide(parked)).toEqual(['credit scoring']);
    expect(objectionPurposesToDecide({ ...parked, status: 'completed' })).toEqual([]);
    expect(objectionPurposesToDecide({ ...parked, workState: null })).toEqual([]);
    expect(objectionPurposesToDecide({ ...parked, type: 'restrict' })).toEqual([]);
  });
});
