import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SluiceError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { decodeCursor, eventView } from './events-api.js';
import { maskPersonalData, refuseEmailLookup } from '../accounts/mask-personal-data.js';
import { principalOf } from './principal.js';
import { groupsOfProfile, GROUPS_SHOWN } from './profile-groups.js';
import { encodeCursor } from './schemas.js';

const ProfileSchema = Type.Object({
  id: Type.String(),
  userId: Type.Optional(Type.String()),
  anonymousIds: Type.Array(Type.String()),
  email: Type.Optional(Type.String()),
  emails: Type.Array(Type.String()),
  traits: Type.Record(Type.String(), Type.Unknown()),
  firstSeen: Type.String({ format: 'date-time', description: 'Time of the earliest event of the profile' }),
  lastSeen: Type.String({ format: 'date-time', description: 'Time of the latest event of the profile, to within a minute (the stored value advances in steps of at least a minute)' }),
  groups: Type.Array(
    Type.Object({
      groupId: Type.String(),
      traits: Type.Record(Type.String(), Type.Unknown(), { description: "The group's latest traits (from every member's group calls)" }),
      joinedAt: Type.String({ format: 'date-time', description: "When this person's latest group call for it was received" }),
      updatedAt: Type.Optional(Type.String({ format: 'date-time', description: "When the group's traits last changed" })),
    }),
    { description: `Groups the person joined through their own group calls (any linked identifier; read from their latest 200 group calls), most recently joined first, at most ${GROUPS_SHOWN}` },
  ),
  mergeRefusals: Type.Array(
    Type.Object({
      reason: Type.Union([Type.Literal('user_id_conflict'), Type.Literal('anonymous_id_limit')], {
        description: '`user_id_conflict`: the link would have given a profile a second userId; `anonymous_id_limit`: the profile holds the most anonymousIds allowed (100)',
      }),
      kind: Type.Union([Type.Literal('user_id'), Type.Literal('anonymous_id'), Type.Literal('email')], { description: 'The kind of identifier not linked (for a refused merge, the one the two profiles met on)' }),
      otherProfileId: Type.Optional(Type.String({ description: 'A refused merge: the profile this one was kept apart from (it may be gone since: erased, or merged into another)' })),
      count: Type.Integer({ description: 'Events whose link was refused this way' }),
      firstAt: Type.String({ format: 'date-time' }),
      lastAt: Type.String({ format: 'date-time' }),
      lastMessageId: Type.String({ description: 'The latest such event (GET /api/v1/events/:messageId)' }),
    }),
    { description: 'Links merge protection refused, most recent first (at most 10 kinds): why this person was not merged with another profile. Refusals are recorded from schema migration 1120 on; identifiers of the other profile are not shown' },
  ),
  events: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'Recent events of every linked identifier, newest first' }),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as ?cursor= for older events' })),
});

/** Profiles: a person's traits, identifiers and recent events, by any of their identifiers. */
export const profilesApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/profiles/:identifier', {
    config: { permission: 'profiles:read' },
    schema: {
      tags: ['profiles'],
      summary: 'A profile by userId, anonymousId or email (or its id, as a merge refusal names another profile)',
      description:
        'The identifier is looked up as a userId, an anonymousId and an email (compared trimmed and lower-cased); when it names different profiles, the one holding it as a userId is answered, then as an anonymousId, then as an email; one that is none of these is looked up as a profile id. ' +
        'Placeholders the identity graph never links (`null`, `anonymous`, `0`, `-1`, ...) find no profile. Roles without pii_access may not look a person up by email.',
      params: Type.Object({ identifier: Type.String({ minLength: 1 }) }),
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'Events per page' })),
        cursor: Type.Optional(Type.String()),
      }),
      response: { 200: ProfileSchema },
    },
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    refuseEmailLookup(request.params.identifier, principalOf(request));
    const profile = await store.identities.profile(workspaceId, request.params.identifier, { orProfileId: true });
    if (!profile) {
      throw new SluiceError('not_found', `No profile has the identifier ${JSON.stringify(request.params.identifier)} (a userId, anonymousId or email) in this workspace.`);
    }
    const limit = request.query.limit ?? 20;
    const identities = { userIds: profile.userIds, anonymousIds: profile.anonymousIds };
    const events = await store.events.query({
      workspaceId,
      identities,
      ...(request.query.cursor !== undefined && { beforeSeq: decodeCursor(request.query.cursor) }),
      limit,
    });
    const last = events[events.length - 1];
    const traitEmail = typeof profile.traits.email === 'string' ? profile.traits.email : undefined;
    const email = traitEmail ?? profile.emails[0];
    return maskPersonalData({
      id: profile.profileId,
      ...(profile.userIds[0] !== undefined && { userId: profile.userIds[0] }),
      anonymousIds: profile.anonymousIds,
      ...(email !== undefined && { email }),
      emails: profile.emails,
      traits: profile.traits,
      firstSeen: new Date(profile.firstSeen).toISOString(),
      lastSeen: new Date(profile.lastSeen).toISOString(),
      groups: await groupsOfProfile(store, workspaceId, identities),
      mergeRefusals: profile.mergeRefusals.map((r) => ({
        reason: r.reason,
        kind: r.kind,
        ...(r.otherProfileId !== undefined && { otherProfileId: r.otherProfileId }),
        count: r.count,
        firstAt: new Date(r.firstAt).toISOString(),
        lastAt: new Date(r.lastAt).toISOString(),
        lastMessageId: r.lastMessageId,
      })),
      events: events.map(eventView),
      ...(events.length === limit && last ? { nextCursor: encodeCursor(last.seq) } : {}),
    }, principalOf(request));
  });
};
