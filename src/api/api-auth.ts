import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { lowerRole, roleHas, type Permission } from '../accounts/permissions.js';
import { SluiceError } from '../core/errors.js';
import type { Member } from '../core/member.js';
import type { Store, TokenRepository } from '../store/store.js';
import type { Principal } from './principal.js';
import { unauthorizedReason } from './unauthorized-reason.js';

/** The console session cookie (httpOnly, SameSite=Lax). */
export const SESSION_COOKIE = 'sluice_session';
/** The header a cookie-authenticated write must carry (double submit of the session's CSRF token). */
export const CSRF_HEADER = 'x-csrf-token';

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header || !/^bearer /i.test(header)) return undefined;
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Resolves a Bearer token to a principal, or undefined (the token's role only; see {@link authenticate}). */
export async function authenticateBearer(tokens: TokenRepository, request: FastifyRequest): Promise<Principal | undefined> {
  const secret = bearerToken(request);
  if (!secret) return undefined;
  const token = await tokens.authenticate(secret, Date.now());
  if (!token) return undefined;
  return { workspaceId: token.workspaceId, role: token.role, tokenId: token.id, memberId: token.memberId, actor: `token:${token.id} (${token.name})` };
}

/** How the audit log names a console member: `member:<id> (<email>)`. */
export function memberActor(member: Pick<Member, 'id' | 'email'>): string {
  return `member:${member.id} (${member.email})`;
}

/**
 * How the audit log names a call made with a member's token: the token, then the member who owns it
 * (`token:tok_1 (CI) of member:mem_1 (ada@example.com)`), so the entry names the person behind it and is found by
 * their email after they are removed (the token's own label comes first: `token:<id> ` still starts it).
 */
export function tokenOfMemberActor(tokenActor: string, member: Pick<Member, 'id' | 'email'>): string {
  return `${tokenActor} of ${memberActor(member)}`;
}

/**
 * The caller: a Bearer token (a member's token stops working when the member is suspended or removed, and
 * never outranks the member's current role), else a console session cookie of an active member.
 */
export async function authenticate(store: Store, request: FastifyRequest): Promise<(Principal & { csrfToken?: string }) | undefined> {
  if (bearerToken(request)) {
    const principal = await authenticateBearer(store.tokens, request);
    if (!principal || principal.memberId === null) return principal;
    const member = await store.members.get(principal.workspaceId, principal.memberId);
    if (!member || member.status !== 'active') return undefined;
    // A member who must set a new password: their tokens are refused too (checkPermission), until they do.
    return { ...principal, role: lowerRole(principal.role, member.role), actor: tokenOfMemberActor(principal.actor, member), ...(member.mustResetPassword && { mustResetPassword: true }) };
  }
  const secret = cookieValue(request, SESSION_COOKIE);
  if (!secret) return undefined;
  const session = await store.sessions.authenticate(secret, Date.now());
  if (!session) return undefined;
  const member = await store.members.get(session.workspaceId, session.memberId);
  if (!member || member.status !== 'active') return undefined;
  return {
    workspaceId: member.workspaceId,
    role: member.role,
    tokenId: null,
    memberId: member.id,
    actor: memberActor(member),
    sessionId: session.id,
    mustResetPassword: member.mustResetPassword,
    csrfToken: session.csrfToken,
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A registered admin API route and the permission it declares (undefined: none, so nobody may call it). */
export interface ApiRoute {
  method: string;
  url: string;
  permission: string | undefined;
}

const routesByServer = new WeakMap<object, ApiRoute[]>();

/** Every admin API route registered on this server (for the route x role authorization test). */
export function registeredApiRoutes(app: FastifyInstance): readonly ApiRoute[] {
  return routesByServer.get(app.server) ?? [];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Throws what the admin API answers when an authenticated caller may not use `permission`: `password_reset_required`
 * (an administrator asked for a new password: the console session keeps only `account:self`, the member's API tokens
 * nothing at all until the new password is set) or `forbidden` (the role lacks it). The auth hook runs it on every
 * request; a live stream runs it again while it stays open.
 */
export function checkPermission(principal: Pick<Principal, 'role' | 'mustResetPassword'> & { tokenId?: string | null }, permission: Permission): void {
  if (principal.mustResetPassword && principal.tokenId != null) {
    throw new SluiceError(
      'password_reset_required',
      'An owner or admin requires the member this token belongs to to set a new password: their API tokens are refused until they do. Set it from the reset link (or log in to the console and choose one); this token then works again.',
    );
  }
  if (principal.mustResetPassword && permission !== 'account:self') {
    throw new SluiceError('password_reset_required', 'An administrator requires you to set a new password first: POST /api/v1/me/password.');
  }
  if (!roleHas(principal.role, permission)) {
    throw new SluiceError('forbidden', `Your role (${principal.role}) lacks the "${permission}" permission for this action.`);
  }
}

/**
 * Every route in this scope must declare `config.permission`; the hook authenticates the caller and checks
 * it. A route without a declaration is refused (fails closed). Cookie-authenticated writes must echo the
 * session's CSRF token in `X-CSRF-Token`.
 */
export function installApiAuth(app: FastifyInstance, store: Store): void {
  const routes: ApiRoute[] = [];
  routesByServer.set(app.server, routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const permission = (route.config as { permission?: string } | undefined)?.permission;
    for (const method of methods) if (method !== 'HEAD') routes.push({ method, url: route.url, permission });
  });
  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config.permission;
    if (permission === 'public') return;
    if (request.method === 'OPTIONS') return;
    const found = await authenticate(store, request);
    if (!found) throw new SluiceError('unauthorized', await unauthorizedReason(store.sources, request.headers.authorization, bearerToken(request)));
    const { csrfToken, ...principal } = found;
    if (csrfToken !== undefined && !SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !sameSecret(given, csrfToken)) {
        throw new SluiceError('csrf_failed', 'This write uses a console session: send the X-CSRF-Token header with the csrfToken from the login answer (or GET /api/v1/auth/session).');
      }
    }
    if (permission === undefined) throw new SluiceError('forbidden', 'This route declares no permission, so nobody may call it.');
    checkPermission(principal, permission);
    request.principal = principal;
  });
}
