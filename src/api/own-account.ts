import type { FastifyRequest } from 'fastify';
import { roleCovers } from '../accounts/permissions.js';
import { SluiceError } from '../core/errors.js';
import type { Member } from '../core/member.js';
import type { Store } from '../store/store.js';
import { principalOf } from './principal.js';

/**
 * The member whose own account the caller uses (`/me`, `/me/two-factor`): the console session's member, or the
 * member who created the token (`forbidden` for a token that belongs to no member).
 *
 * To `change` the account (email, name, password, two-factor, preferences, deletion, policy acceptance), a token must
 * carry the member's whole role: an owner's read-only token handed to a dashboard could otherwise change the owner's
 * email, have a password-reset link sent there and take the owner's account (`role_too_high`). Reading stays open.
 */
export async function ownAccount(store: Store, request: FastifyRequest, use: 'read' | 'change'): Promise<Member> {
  const { workspaceId, memberId, tokenId, role } = principalOf(request);
  const member = memberId ? await store.members.get(workspaceId, memberId) : undefined;
  if (!member) throw new SluiceError('forbidden', 'This API token belongs to no member; log in to the console (or use a token a member created) for your own account.');
  if (use === 'change' && tokenId !== null && !roleCovers(role, member.role)) {
    throw new SluiceError(
      'role_too_high',
      `This token's role (${role}) is lower than your account's (${member.role}): it may read your account but not change it. Log in to the console, or use a token with the ${member.role} role.`,
    );
  }
  return member;
}
