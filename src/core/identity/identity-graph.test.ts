import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../protocol/segment-event.js';
import { isBlockedIdentifier, normalizeEmail } from './blocked-identifiers.js';
import { DEFAULT_IDENTITY_OPTIONS, IdentityGraph } from './identity-graph.js';

const WS = 'ws_test';
let n = 0;
function ev(fields: Partial<SegmentEvent> & { type: SegmentEvent['type'] }, at = '2026-01-01T00:00:00.000Z'): SegmentEvent {
  return { messageId: `m${++n}`, context: {}, integrations: {}, originalTimestamp: at, timestamp: at, receivedAt: at, version: 2, ...fields };
}

function graph(max = 100): IdentityGraph {
  let id = 0;
  return new IdentityGraph({ profiles: [], links: [], groups: [] }, { ...DEFAULT_IDENTITY_OPTIONS, maxAnonymousIds: max }, () => `p${++id}`);
}

/** Profile id holding an identifier, from the changes so far. */
function ownerOf(g: IdentityGraph, kind: string, value: string): string | undefined {
  return g.changes().links.find((l) => l.kind === kind && l.value === value)?.profileId;
}

describe('isBlockedIdentifier', () => {
  it.each([
    ['null', true], ['NULL', true], ['anonymous', true], ['0', true], ['-1', true], ['', true], ['   ', true],
    ['000-000', true], ['00000000-0000-0000-0000-000000000000', true], ['undefined', true],
    ['u1', false], ['10', false], ['a-0', false], ['anon-123', false],
  ])('%j blocked: %s', (value, blocked) => {
    expect(isBlockedIdentifier(value)).toBe(blocked);
  });

  it('normalizes emails and rejects non-emails', () => {
    expect(normalizeEmail(' Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeEmail('not-an-email')).toBeUndefined();
    expect(normalizeEmail('null@x.io')).toBeUndefined();
    expect(normalizeEmail(42)).toBeUndefined();
  });
});

describe('IdentityGraph', () => {
  it('links anonymousId and userId on identify, and later anonymous events resolve to the same profile', () => {
    const g = graph();
    const a = g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'a1', traits: { plan: 'pro' } }));
    const b = g.apply(WS, ev({ type: 'track', anonymousId: 'a1', event: 'Clicked' }));
    expect(b.profileId).toBe(a.profileId);
    expect(g.changes().profiles).toHaveLength(1);
    expect(g.changes().profiles[0]!.traits).toEqual({ plan: 'pro' });
  });

  it('merges traits per trait, the newer timestamp winning even when it arrives first', () => {
    const g = graph();
    g.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { plan: 'pro' } }, '2026-01-02T00:00:00.000Z'));
    g.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { plan: 'free', age: 40 } }, '2026-01-01T00:00:00.000Z'));
    expect(g.changes().profiles[0]!.traits).toEqual({ plan: 'pro', age: 40 });
  });

  it('takes an event dated after it was received as happening when received: a later identify still updates the traits', () => {
    const g = graph();
    // A client clock years ahead (no sentAt to correct it): received on 1 January, dated 2030.
    g.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { plan: 'free' }, timestamp: '2030-01-01T00:00:00.000Z' }, '2026-01-01T00:00:00.000Z'));
    g.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { plan: 'pro' } }, '2026-01-02T00:00:00.000Z'));
    g.apply(WS, ev({ type: 'group', userId: 'u1', groupId: 'g1', traits: { seats: 5 }, timestamp: '2030-01-01T00:00:00.000Z' }, '2026-01-01T00:00:00.000Z'));
    g.apply(WS, ev({ type: 'group', userId: 'u1', groupId: 'g1', traits: { seats: 9 } }, '2026-01-02T00:00:00.000Z'));
    const changes = g.changes();
    expect(changes.profiles[0]!.traits).toEqual({ plan: 'pro' });
    expect(changes.profiles[0]!.lastSeen).toBe(Date.parse('2026-01-02T00:00:00.000Z'));
    expect(changes.groups[0]!.traits).toEqual({ seats: 9 });
  });

  it('alias merges previousId into userId', () => {
    const g = graph();
    const anon = g.apply(WS, ev({ type: 'track', anonymousId: 'a1', event: 'Viewed' }));
    const user = g.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { name: 'Ada' } }));
    expect(anon.profileId).not.toBe(user.profileId);
    g.apply(WS, ev({ type: 'alias', userId: 'u1', previousId: 'a1' }));
    const changes = g.changes();
    expect(ownerOf(g, 'anonymous_id', 'a1')).toBe(ownerOf(g, 'user_id', 'u1'));
    expect(changes.deletedProfileIds).toHaveLength(1);
    expect(changes.profiles).toHaveLength(1);
  });

  it('treats email in traits as an identifier', () => {
    const g = graph();
    const a = g.apply(WS, ev({ type: 'identify', anonymousId: 'a1', traits: { email: 'Ada@Example.com' } }));
    const b = g.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { email: 'ada@example.com' } }));
    expect(b.profileId).toBe(a.profileId);
    expect(ownerOf(g, 'email', 'ada@example.com')).toBe(a.profileId);
  });

  it.each([
    ['null'], ['anonymous'], ['0'], ['-1'], [''], ['00000000-0000-0000-0000-000000000000'],
  ])('never merges two people through the blocked anonymousId %j', (blocked) => {
    const g = graph();
    const a = g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: blocked }));
    const b = g.apply(WS, ev({ type: 'identify', userId: 'u2', anonymousId: blocked }));
    expect(a.profileId).not.toBe(b.profileId);
    expect(g.changes().links.map((l) => l.value).sort()).toEqual(['u1', 'u2']);
  });

  it('ignores a blocked userId but still links the anonymousId', () => {
    const g = graph();
    const r = g.apply(WS, ev({ type: 'identify', userId: 'null', anonymousId: 'a1' }));
    expect(r.profileId).toBeDefined();
    expect(g.changes().links.map((l) => `${l.kind}:${l.value}`)).toEqual(['anonymous_id:a1']);
    expect(g.apply(WS, ev({ type: 'track', userId: '0', event: 'x' })).profileId).toBeUndefined();
  });

  it('keeps one userId per profile: a second userId on a known anonymousId makes a separate profile', () => {
    const g = graph();
    const first = g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'shared-device' }));
    const second = g.apply(WS, ev({ type: 'identify', userId: 'u2', anonymousId: 'shared-device' }));
    expect(second.profileId).not.toBe(first.profileId);
    expect(second.refused).toEqual(['user_id_conflict']);
    expect(ownerOf(g, 'anonymous_id', 'shared-device')).toBe(first.profileId);
  });

  it('never merges two profiles with different userIds through alias or email', () => {
    const g = graph();
    g.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { email: 'x@y.io' } }));
    const r = g.apply(WS, ev({ type: 'identify', userId: 'u2', traits: { email: 'x@y.io' } }));
    expect(r.refused).toEqual(['user_id_conflict']);
    const alias = g.apply(WS, ev({ type: 'alias', userId: 'u2', previousId: 'u1' }));
    expect(alias.refused).toEqual(['user_id_conflict']);
    expect(g.changes().deletedProfileIds).toEqual([]);
  });

  it('records each refused link on the profiles it concerns, counted per reason, kind and other profile, without identifier values', () => {
    const g = graph(1);
    const first = g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'shared-device' }, '2026-01-01T00:00:00.000Z'));
    const second = g.apply(WS, { ...ev({ type: 'identify', userId: 'u2', anonymousId: 'shared-device' }, '2026-01-02T00:00:00.000Z'), messageId: 'm-conflict-1' });
    g.apply(WS, { ...ev({ type: 'track', userId: 'u2', anonymousId: 'shared-device', event: 'x' }, '2026-01-03T00:00:00.000Z'), messageId: 'm-conflict-2' });
    g.apply(WS, { ...ev({ type: 'identify', userId: 'u1', anonymousId: 'second-device' }, '2026-01-04T00:00:00.000Z'), messageId: 'm-limit' });
    const profiles = new Map(g.changes().profiles.map((p) => [p.id, p]));
    expect(profiles.get(second.profileId!)?.mergeRefusals).toEqual([
      { reason: 'user_id_conflict', kind: 'anonymous_id', otherProfileId: first.profileId, count: 2, firstAt: Date.parse('2026-01-02T00:00:00.000Z'), lastAt: Date.parse('2026-01-03T00:00:00.000Z'), lastMessageId: 'm-conflict-2' },
    ]);
    // The other side too, newest first: u1's own limit, then the conflict.
    expect(profiles.get(first.profileId!)?.mergeRefusals).toEqual([
      { reason: 'anonymous_id_limit', kind: 'anonymous_id', count: 1, firstAt: Date.parse('2026-01-04T00:00:00.000Z'), lastAt: Date.parse('2026-01-04T00:00:00.000Z'), lastMessageId: 'm-limit' },
      expect.objectContaining({ reason: 'user_id_conflict', otherProfileId: second.profileId, count: 2 }),
    ]);
    expect(JSON.stringify(g.changes().profiles.map((p) => p.mergeRefusals))).not.toMatch(/shared-device|second-device|u1|u2/);
  });

  it('keeps the refusals of both profiles when they merge, but none between the two', () => {
    let id = 0;
    const g = new IdentityGraph(
      {
        profiles: [
          { id: 'pa', workspaceId: WS, traits: {}, traitTimes: {}, firstSeen: 0, lastSeen: 0, mergeRefusals: [{ reason: 'user_id_conflict', kind: 'email', otherProfileId: 'pz', count: 3, firstAt: 1, lastAt: 2, lastMessageId: 'old' }] },
          { id: 'pb', workspaceId: WS, traits: {}, traitTimes: {}, firstSeen: 0, lastSeen: 0, mergeRefusals: [{ reason: 'anonymous_id_limit', kind: 'anonymous_id', otherProfileId: 'pa', count: 1, firstAt: 1, lastAt: 1, lastMessageId: 'm0' }] },
        ],
        links: [{ workspaceId: WS, kind: 'user_id', value: 'u1', profileId: 'pa' }, { workspaceId: WS, kind: 'anonymous_id', value: 'a1', profileId: 'pb' }],
        groups: [],
      },
      DEFAULT_IDENTITY_OPTIONS,
      () => `new${++id}`,
    );
    g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'a1' }));
    const merged = g.changes().profiles.find((p) => p.id === 'pa');
    expect(g.changes().deletedProfileIds).toEqual(['pb']);
    expect(merged?.mergeRefusals).toEqual([expect.objectContaining({ otherProfileId: 'pz', count: 3 })]);
  });

  it('limits the anonymousIds of one profile', () => {
    const g = graph(2);
    g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'a1' }));
    g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'a2' }));
    const third = g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'a3' }));
    expect(third.refused).toEqual(['anonymous_id_limit']);
    expect(ownerOf(g, 'anonymous_id', 'a3')).toBeUndefined();
  });

  it('merges an anonymous profile into the identified one, keeping first and last seen', () => {
    const g = graph();
    const anon = g.apply(WS, ev({ type: 'identify', anonymousId: 'a1', traits: { color: 'red' } }, '2026-01-01T00:00:00.000Z'));
    const user = g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'a2' }, '2026-01-03T00:00:00.000Z'));
    g.apply(WS, ev({ type: 'identify', userId: 'u1', anonymousId: 'a1' }, '2026-01-05T00:00:00.000Z'));
    const changes = g.changes();
    expect(changes.deletedProfileIds).toEqual([anon.profileId]);
    const profile = changes.profiles.find((p) => p.id === user.profileId)!;
    expect(profile.traits).toEqual({ color: 'red' });
    expect(profile.firstSeen).toBe(Date.parse('2026-01-01T00:00:00.000Z'));
    expect(profile.lastSeen).toBe(Date.parse('2026-01-05T00:00:00.000Z'));
  });

  it('stores group traits', () => {
    const g = graph();
    g.apply(WS, ev({ type: 'group', userId: 'u1', groupId: 'acme', traits: { employees: 10 } }));
    expect(g.changes().groups).toMatchObject([{ groupId: 'acme', traits: { employees: 10 } }]);
  });

  it('lets a later identify replace a stored trait dated after now (recorded before event times were capped)', () => {
    const g = new IdentityGraph({
      profiles: [{ id: 'old', workspaceId: WS, traits: { plan: 'free', seats: 1 }, traitTimes: { plan: Date.parse('2999-01-01T00:00:00.000Z'), seats: Date.parse('2026-01-03T00:00:00.000Z') }, firstSeen: 1, lastSeen: 1 }],
      links: [{ workspaceId: WS, kind: 'user_id', value: 'u1', profileId: 'old' }],
      groups: [],
    });
    g.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { plan: 'pro', seats: 5 } }, '2026-01-02T00:00:00.000Z'));
    // plan's stored time cannot be real; seats' can, and is newer than this identify.
    expect(g.changes().profiles[0]!.traits).toEqual({ plan: 'pro', seats: 1 });
  });

  it('loads an existing slice and links to it', () => {
    const g = new IdentityGraph({
      profiles: [{ id: 'old', workspaceId: WS, traits: { a: 1 }, traitTimes: { a: 1 }, firstSeen: 1, lastSeen: 1 }],
      links: [{ workspaceId: WS, kind: 'user_id', value: 'u1', profileId: 'old' }],
      groups: [],
    });
    expect(g.apply(WS, ev({ type: 'track', userId: 'u1', anonymousId: 'a9', event: 'x' })).profileId).toBe('old');
    expect(g.changes().links).toEqual([{ workspaceId: WS, kind: 'anonymous_id', value: 'a9', profileId: 'old' }]);
  });

  it('writes a known profile back for new traits, an earlier firstSeen or a lastSeen a minute later, not for every event', () => {
    const stored = { id: 'old', workspaceId: WS, traits: { plan: 'free' }, traitTimes: { plan: 1 }, firstSeen: Date.parse('2026-01-05T00:00:00.000Z'), lastSeen: Date.parse('2026-01-05T00:00:00.000Z') };
    const known = () => new IdentityGraph({ profiles: [stored], links: [{ workspaceId: WS, kind: 'user_id', value: 'u1', profileId: 'old' }], groups: [] });
    const written = (g: IdentityGraph) => g.changes().profiles.map((p) => [p.id, p.firstSeen, p.lastSeen, p.traits]);
    const at = (iso: string) => Date.parse(iso);

    const seconds = known();
    seconds.apply(WS, ev({ type: 'track', userId: 'u1', event: 'x' }, '2026-01-05T00:00:30.000Z'));
    seconds.apply(WS, ev({ type: 'page', userId: 'u1' }, '2026-01-05T00:00:59.999Z'));
    expect(written(seconds)).toEqual([]);

    const minute = known();
    minute.apply(WS, ev({ type: 'track', userId: 'u1', event: 'x' }, '2026-01-05T00:01:00.000Z'));
    expect(written(minute)).toEqual([['old', stored.firstSeen, at('2026-01-05T00:01:00.000Z'), { plan: 'free' }]]);

    const earlier = known();
    earlier.apply(WS, ev({ type: 'track', userId: 'u1', event: 'x' }, '2026-01-04T23:59:59.000Z'));
    expect(written(earlier)).toEqual([['old', at('2026-01-04T23:59:59.000Z'), stored.lastSeen, { plan: 'free' }]]);

    const traits = known();
    traits.apply(WS, ev({ type: 'identify', userId: 'u1', traits: { plan: 'pro' } }, '2026-01-05T00:00:01.000Z'));
    expect(written(traits)).toEqual([['old', stored.firstSeen, at('2026-01-05T00:00:01.000Z'), { plan: 'pro' }]]);

    const exact = new IdentityGraph({ profiles: [stored], links: [{ workspaceId: WS, kind: 'user_id', value: 'u1', profileId: 'old' }], groups: [] }, { maxAnonymousIds: 100, lastSeenResolutionMs: 0 });
    exact.apply(WS, ev({ type: 'track', userId: 'u1', event: 'x' }, '2026-01-05T00:00:00.001Z'));
    expect(written(exact)).toEqual([['old', stored.firstSeen, at('2026-01-05T00:00:00.001Z'), { plan: 'free' }]]);
  });
});
