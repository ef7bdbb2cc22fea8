import { describe, expect, it } from 'vitest';
import { requestMetrics } from './request-metrics.js';
import type { PrivacyRequest } from './request.js';

const DAY = 86_400_000;

function request(id: string, overrides: Partial<PrivacyRequest>): PrivacyRequest {
  return {
    id, workspaceId: 'ws', type: 'access', status: 'completed', regulation: 'ccpa', subject: { email: 'a@example.com' }, params: {}, channel: 'subject_portal',
    verified: true, verifiedBy: null, agent: null, contactEmail: null, language: 'en', createdBy: 'subject', receivedAt: 0, dueAt: 45 * DAY, receiptDueAt: 10 * DAY,
    receiptConfirmedAt: null, extendedAt: null, extensionReason: null, respondedAt: 10 * DAY, denialReason: null, failure: null, result: null, attempts: 0,
    retainUntil: null, updatedAt: 0, ...overrides,
  };
}

describe('requestMetrics', () => {
  it('counts requests closed without a decision apart from denials, and leaves them out of the days to respond and the late answers', () => {
    const metrics = requestMetrics(
      [
        request('done', { respondedAt: 10 * DAY }),
        request('refused', { status: 'denied', respondedAt: 20 * DAY }),
        // Superseded the same day it was made; swept after 7 days; a late sweep (a sweep of 60 days): none is an answer.
        request('again', { status: 'denied', respondedAt: 0, closedWithoutDecision: 'superseded' }),
        request('idle', { status: 'denied', respondedAt: 7 * DAY, closedWithoutDecision: 'never_verified' }),
        request('idle-late', { status: 'denied', respondedAt: 60 * DAY, closedWithoutDecision: 'never_verified' }),
        request('waiting', { status: 'verifying', respondedAt: null }),
      ],
      0,
      DAY,
    );
    expect(metrics.total).toEqual({
      received: 6,
      completed: 1,
      denied: 1,
      closedWithoutDecision: { total: 3, superseded: 1, neverVerified: 2 },
      failed: 0,
      open: 1,
      medianDaysToRespond: 15,
    });
    expect(metrics.meanDaysToRespond).toBe(15);
    expect(metrics.answeredLate).toBe(0);
  });
});
