import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { maskPersonalData } from '../accounts/mask-personal-data.js';
import { SluiceError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { principalOf } from './principal.js';

const GroupSchema = Type.Object({
  groupId: Type.String(),
  traits: Type.Record(Type.String(), Type.Unknown(), { description: 'Latest traits from the group calls of every member (newer wins per trait)' }),
  updatedAt: Type.String({ format: 'date-time', description: 'When a group call last changed the traits' }),
});

/** Groups (accounts, organisations): the latest traits group calls set, by groupId. A person's groups are in their profile. */
export const groupsApi: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get('/groups/:groupId', {
    config: { permission: 'profiles:read' },
    schema: {
      tags: ['profiles'],
      summary: "A group's traits by groupId",
      params: Type.Object({ groupId: Type.String({ minLength: 1 }) }),
      response: { 200: GroupSchema },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const group = await store.identities.group(principal.workspaceId, request.params.groupId);
    if (!group) {
      throw new SluiceError('not_found', `No group ${JSON.stringify(request.params.groupId)} in this workspace: a group exists once a group call with that groupId was processed.`);
    }
    // Group traits can name people (a sole trader's account, a contact's email): masked as a profile's are.
    return maskPersonalData({ groupId: group.groupId, traits: group.traits, updatedAt: new Date(group.updatedAt).toISOString() }, principal);
  });
};
