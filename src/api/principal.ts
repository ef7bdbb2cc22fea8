import type { FastifyRequest } from 'fastify';
import type { Permission } from '../accounts/permissions.js';
import type { RoleName } from '../core/api-token.js';
import { SluiceError } from '../core/errors.js';

/** Who is calling the admin API: resolved from the Bearer token (or, later, a console session). */
export interface Principal {
  workspaceId: string;
  role: RoleName;
  tokenId: string | null;
  memberId: string | null;
  /** Human-readable actor for the audit log, e.g. `token:tok_... (CI deploy)`, `token:tok_... (CI) of member:mem_... (ada@example.com)`. */
  actor: string;
  /** Set when the caller is a console session (cookie); writes then need the CSRF header. */
  sessionId?: string;
  /** The member must set a new password before anything but their own account. */
  mustResetPassword?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The permission a route needs; 'public' for the few routes meant to be open. */
    permission?: Permission | 'public';
  }
}

/** The caller of an authenticated route (the auth hook guarantees one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new SluiceError('unauthorized', 'This route needs an API token: send Authorization: Bearer <token>.');
  return request.principal;
}
