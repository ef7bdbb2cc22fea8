import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/api-client.js';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Group calls (Segment's accounts: companies, teams) as the people who look them up see them: a group's latest
 * traits by groupId, and each person's groups in their profile. Sent with Segment's own Node library.
 */
let sluice: TestSluice;

interface ProfileGroup {
  groupId: string;
  traits: Record<string, unknown>;
  joinedAt: string;
  updatedAt?: string;
}

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

const get = <T>(path: string, token = sluice.token) => api<T>(sluice.url, 'GET', path, { token });

describe('groups', () => {
  it("shows a group's latest traits by groupId, and each person's groups, most recently joined first, in their profile", async () => {
    const analytics = new Analytics({ writeKey: sluice.writeKey, host: sluice.url, flushAt: 1 });
    analytics.identify({ userId: 'grace', traits: { email: 'grace@example.com' } });
    analytics.group({ userId: 'grace', groupId: 'acme', traits: { name: 'Acme Inc', plan: 'trial', employees: 40 } });
    await analytics.flush();
    // An anonymous visitor joins a team before signing up; the identify that follows links them to grace.
    analytics.group({ anonymousId: 'anon-grace', groupId: 'team-blue', traits: { name: 'Blue team' } });
    await analytics.flush();
    analytics.identify({ anonymousId: 'anon-grace', userId: 'grace' });
    // Another member changes a trait of acme: the group's traits are the group's, whoever sent them.
    analytics.group({ userId: 'alan', groupId: 'acme', traits: { plan: 'enterprise' } });
    await analytics.closeAndFlush();

    const group = await eventually(async () => {
      const answer = await get<{ groupId: string; traits: Record<string, unknown>; updatedAt: string }>('/groups/acme');
      return answer.status === 200 && answer.body.traits.plan === 'enterprise' ? answer.body : undefined;
    }, 60_000);
    expect(group).toEqual({ groupId: 'acme', traits: { name: 'Acme Inc', plan: 'enterprise', employees: 40 }, updatedAt: expect.any(String) });

    const profile = await eventually(async () => {
      const answer = await get<{ userId?: string; groups: ProfileGroup[] }>('/profiles/grace');
      return answer.status === 200 && answer.body.groups.length === 2 ? answer.body : undefined;
    });
    expect(profile.groups.map((g) => g.groupId)).toEqual(['team-blue', 'acme']);
    expect(profile.groups[1]).toMatchObject({ traits: { name: 'Acme Inc', plan: 'enterprise', employees: 40 }, joinedAt: expect.any(String), updatedAt: group.updatedAt });
    expect(Date.parse(profile.groups[0]!.joinedAt)).toBeGreaterThanOrEqual(Date.parse(profile.groups[1]!.joinedAt));
    // Found by the anonymousId too (the same person), and alan's profile has only his own group.
    expect((await get<{ groups: ProfileGroup[] }>('/profiles/anon-grace')).body.groups.map((g) => g.groupId)).toEqual(['team-blue', 'acme']);
    expect((await get<{ groups: ProfileGroup[] }>('/profiles/alan')).body.groups.map((g) => g.groupId)).toEqual(['acme']);
  }, 90_000);

  it('answers 404 with a sentence for an unknown group, and needs a token', async () => {
    const unknown = await get<{ error: { code: string; message: string } }>('/groups/nobody-inc');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: 'not_found', message: expect.stringContaining('"nobody-inc"') });
    expect((await fetch(`${sluice.url}/api/v1/groups/acme`)).status).toBe(401);
  });

  it('masks group traits for a role without personal-data access, as a profile\'s', async () => {
    const created = await api<{ token: string }>(sluice.url, 'POST', '/tokens', { token: sluice.token, body: { name: 'Dashboard', role: 'viewer' } });
    expect(created.status).toBe(201);
    const seen = await get<{ traits: Record<string, unknown> }>('/groups/acme', created.body.token);
    expect(seen.status).toBe(200);
    expect(JSON.stringify(seen.body)).not.toContain('Acme Inc');
  });
});
