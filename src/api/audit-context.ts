import type { FastifyRequest } from 'fastify';
import { principalOf } from './principal.js';

/** Who made a request, for an audit entry: the caller's workspace, actor label and IP. */
export function auditContext(request: FastifyRequest): { workspaceId: string; actor: string; ip: string } {
  const principal = principalOf(request);
  return { workspaceId: principal.workspaceId, actor: principal.actor, ip: request.ip };
}
