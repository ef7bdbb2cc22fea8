import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function send(type: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sluice.url}/v1/${type}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(sluice.writeKey) },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function profile(identifier: string, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sluice.url}/api/v1/profiles/${encodeURIComponent(identifier)}${query}`, { headers: { authorization: `Bearer ${sluice.token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sluice = await startTestSluice();
});
afterAll(async () => {
  await sluice?.stop();
});

describe('identity graph and profiles', () => {
  it('links anonymous and identified activity into one profile, found by userId, anonymousId or email', async () => {
    await send('track', { anonymousId: 'anon-ada', event: 'Viewed Pricing', timestamp: '2026-01-01T10:00:00.000Z' });
    await send('identify', { anonymousId: 'anon-ada', userId: 'ada', traits: { email: 'Ada@Example.com', plan: 'pro' }, timestamp: '2026-01-02T10:00:00.000Z' });
    await send('alias', { userId: 'ada', previousId: 'anon-ada-phone' });
    await send('track', { userId: 'ada', event: 'Upgraded', timestamp: '2026-01-03T10:00:00.000Z' });

    const byEmail = await eventually(async () => {
      const p = await profile('ada@example.com');
      return p.status === 200 && (p.body.events as unknown[]).length === 4 ? p : undefined;
    }, 60_000); // the first event waits for the processor worker to boot (slow on a loaded machine)
    expect(byEmail.body).toMatchObject({
      userId: 'ada',
      anonymousIds: ['anon-ada', 'anon-ada-phone'],
      email: 'Ada@Example.com',
      traits: { email: 'Ada@Example.com', plan: 'pro' },
      firstSeen: '2026-01-01T10:00:00.000Z',
    });
    const byAnon = await profile('anon-ada');
    expect(byAnon.body.id).toBe(byEmail.body.id);

    const linked = await sluice.store.identities.linkedIdentities(sluice.bootstrap.workspaceId, 'anon-ada-phone');
    expect(linked).toEqual({ profileId: byEmail.body.id, userIds: ['ada'], anonymousIds: ['anon-ada', 'anon-ada-phone'], emails: ['ada@example.com'] });
  });

  it('pages through a profile\'s events with a cursor', async () => {
    const first = await profile('ada', '?limit=3');
    expect((first.body.events as unknown[]).length).toBe(3);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await profile('ada', `?limit=3&cursor=${String(first.body.nextCursor)}`);
    expect((second.body.events as { type: string }[]).map((e) => e.type)).toEqual(['track']);
  });

  it('does not merge two people who share a blocked anonymousId or a device', async () => {
    await send('identify', { userId: 'bob', anonymousId: 'anonymous' });
    await send('identify', { userId: 'cy', anonymousId: 'anonymous' });
    await send('identify', { userId: 'dee', anonymousId: 'shared-tablet' });
    await send('identify', { userId: 'eve', anonymousId: 'shared-tablet' });
    const eve = await eventually(async () => {
      const p = await profile('eve');
      return p.status === 200 ? p : undefined;
    });
    expect(eve.body.anonymousIds).toEqual([]);
    expect((await profile('bob')).body.id).not.toBe((await profile('cy')).body.id);
    expect((await profile('shared-tablet')).body.userId).toBe('dee');
    expect((await profile('anonymous')).status).toBe(404);
    // Why eve and dee stayed apart, on both profiles: the anonymousId they met on, with no value of the other's.
    const dee = await profile('dee');
    expect(eve.body.mergeRefusals).toEqual([
      { reason: 'user_id_conflict', kind: 'anonymous_id', otherProfileId: dee.body.id, count: 1, firstAt: expect.any(String), lastAt: expect.any(String), lastMessageId: expect.any(String) },
    ]);
    expect(dee.body.mergeRefusals).toEqual([expect.objectContaining({ reason: 'user_id_conflict', otherProfileId: eve.body.id })]);
    expect(JSON.stringify(eve.body.mergeRefusals)).not.toContain('dee');
    // The other profile opens by the id the refusal names.
    expect((await profile(String(dee.body.id))).body).toMatchObject({ id: dee.body.id, userId: 'dee' });
    // Bob and Cy only shared a placeholder, which never links: nothing was refused.
    expect((await profile('bob')).body.mergeRefusals).toEqual([]);
  });

  it('answers 404 with a code for an unknown identifier', async () => {
    const p = await profile('nobody-ever');
    expect(p.status).toBe(404);
    expect(p.body).toMatchObject({ error: { code: 'not_found' } });
  });
});
