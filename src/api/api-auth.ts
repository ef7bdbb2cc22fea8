import type { FastifyInstance, FastifyRequest } from 'fastify';
import { roleHas } from '../accounts/permissions.js';
import { SluiceError } from '../core/errors.js';
import type { TokenRepository } from '../store/store.js';
import type { Principal } from './principal.js';

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header || !/^bearer /i.test(header)) return undefined;
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

/** Resolves a Bearer token to a principal, or undefined. */
export async function authenticateBearer(tokens: TokenRepository, request: FastifyRequest): Promise<Principal | undefined> {
  const secret = bearerToken(request);
  if (!secret) return undefined;
  const token = await tokens.authenticate(secret, Date.now());
  if (!token) return undefined;
  return { workspaceId: token.workspaceId, role: token.role, tokenId: token.id, memberId: token.memberId, actor: `token:${token.id} (${token.name})` };
}

/**
 * Every route in this scope must declare `config.permission`; the hook authenticates the caller and checks
 * it. A route without a declaration is refused (fails closed).
 */
export function installApiAuth(app: FastifyInstance, tokens: TokenRepository): void {
  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config.permission;
    if (permission === 'public') return;
    if (request.method === 'OPTIONS') return;
    const principal = await authenticateBearer(tokens, request);
    if (!principal) throw new SluiceError('unauthorized', 'Missing, unknown, expired or revoked API token: send Authorization: Bearer <token>.');
    if (permission === undefined) throw new SluiceError('forbidden', 'This route declares no permission, so nobody may call it.');
    if (!roleHas(principal.role, permission)) {
      throw new SluiceError('forbidden', `Your role (${principal.role}) lacks the "${permission}" permission for this action.`);
    }
    request.principal = principal;
  });
}
