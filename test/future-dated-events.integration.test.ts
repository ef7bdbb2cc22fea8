import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerApi, sendTracking } from './support/api-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * A client whose clock is ahead (or an app that sets `timestamp` wrongly, without `sentAt` to correct it) dates its
 * events in the future. Those events are stored with the time they carry, as Segment stores them, but they must not
 * outrank every real later event in the "newer wins" decisions until that date: a person's later withdrawal of
 * consent must still count, and a later identify must still update their traits.
 */
let sluice: TestSluice;
const api = (method: string, path: string, body?: unknown) => ownerApi(sluice)(method, path, body);
type Consent = { categories: { id: string; granted: boolean; rule: string; decidedAt: string | null }[] };
type Profile = { traits: Record<string, unknown>; lastSeen: string; events: { messageId: string; timestamp: string }[] };

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('events dated in the future', () => {
  it('do not outrank a later withdrawal of consent', async () => {
    const choice = (messageId: string, granted: boolean, timestamp?: string) => ({
      userId: 'clock-ahead', event: 'Segment Consent Preference Updated', messageId, ...(timestamp && { timestamp }),
      context: { consent: { categoryPreferences: { advertising: granted, analytics: granted } } },
    });
    await sendTracking(sluice.url, sluice.writeKey, 'track', choice('grant-from-2030', true, '2030-01-01T00:00:00.000Z'));
    await eventually(async () => ((await api('GET', '/events/grant-from-2030')).status === 200 ? true : undefined));
    const before = Date.now();
    await sendTracking(sluice.url, sluice.writeKey, 'track', choice('withdrawal-now', false));
    await eventually(async () => ((await api('GET', '/events/withdrawal-now')).status === 200 ? true : undefined));

    const consent = (await ownerApi(sluice)<Consent>('GET', '/profiles/clock-ahead/consent')).body;
    const advertising = consent.categories.find((c) => c.id === 'advertising')!;
    expect(advertising).toMatchObject({ granted: false, rule: 'ledger' });
    expect(Date.parse(advertising.decidedAt!)).toBeGreaterThanOrEqual(before);
    // The stored event keeps the time its client gave it.
    expect(((await api('GET', '/events/grant-from-2030')).body.event as { timestamp: string }).timestamp).toBe('2030-01-01T00:00:00.000Z');
  });

  it('do not freeze a profile\'s traits or its last seen in the future', async () => {
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'plan-changer', traits: { plan: 'free' }, timestamp: '2031-06-01T00:00:00.000Z', messageId: 'id-2031' });
    await eventually(async () => ((await api('GET', '/events/id-2031')).status === 200 ? true : undefined));
    await sendTracking(sluice.url, sluice.writeKey, 'identify', { userId: 'plan-changer', traits: { plan: 'pro' }, messageId: 'id-now' });
    await eventually(async () => ((await api('GET', '/events/id-now')).status === 200 ? true : undefined));

    const profile = (await ownerApi(sluice)<Profile>('GET', '/profiles/plan-changer')).body;
    expect(profile.traits).toEqual({ plan: 'pro' });
    expect(Date.parse(profile.lastSeen)).toBeLessThanOrEqual(Date.now());
  });
});
