import { describe, expect, it } from 'vitest';
import { changedFields } from './audit-changes.js';

describe('changedFields', () => {
  it('keeps only the fields whose values differ, on the side that has them', () => {
    const before = { consentModel: 'opt-in', dnt: 'ignore', regionModels: { EU: 'opt-in', US: 'opt-out' }, policyVersion: null };
    const after = { consentModel: 'opt-out', dnt: 'ignore', regionModels: { US: 'opt-out', EU: 'opt-in' }, added: 1 };
    expect(changedFields(before, after)).toEqual({
      before: { consentModel: 'opt-in', policyVersion: null },
      after: { consentModel: 'opt-out', added: 1 },
    });
  });

  it('is empty on both sides when nothing changed', () => {
    expect(changedFields({ a: [1, 2] }, { a: [1, 2] })).toEqual({ before: {}, after: {} });
  });
});
