import type { RoleName } from '../core/api-token.js';

/**
 * What a caller may do. Every admin API route declares the one permission it needs
 * (`config: { permission }`), and a test walks every route to check that none is left open.
 */
export const PERMISSIONS = [
  'workspace:read',
  'workspace:write',
  'sources:read',
  'sources:write',
  'destinations:read',
  'destinations:write',
  'events:read',
  'profiles:read',
  'privacy:read',
  'privacy:write',
  'members:read',
  'members:write',
  'tokens:read',
  'tokens:write',
  'audit:read',
  'metrics:read',
  /** The development outbox (emails kept when no SMTP server is configured): owners and admins. */
  'outbox:read',
  'pii_access',
  /** Your own account: profile, password, export, deletion, preferences, policy acceptance. Every role. */
  'account:self',
  /** The installation: create and list every workspace. Owners only (checked with the home workspace). */
  'installation:admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ALL: readonly Permission[] = PERMISSIONS;
const READ: readonly Permission[] = ['workspace:read', 'sources:read', 'destinations:read', 'events:read', 'profiles:read', 'metrics:read', 'account:self'];

export const ROLE_PERMISSIONS: Readonly<Record<RoleName, readonly Permission[]>> = {
  owner: ALL,
  admin: ALL.filter((p) => p !== 'installation:admin'),
  privacy: [...READ, 'privacy:read', 'privacy:write', 'audit:read', 'members:read', 'pii_access'],
  engineer: [...READ, 'sources:write', 'destinations:write', 'tokens:read', 'pii_access'],
  viewer: READ,
};

/**
 * What `role` may do, in the order of {@link PERMISSIONS}: `GET /auth/session` and `GET /me` answer it so a
 * client (the console) can offer only what the caller may use. The API still checks every call.
 * @example permissionsOf('viewer') // ['workspace:read', 'sources:read', ..., 'account:self']
 */
export function permissionsOf(role: RoleName): Permission[] {
  return PERMISSIONS.filter((p) => roleHas(role, p));
}

export function roleHas(role: RoleName, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Whether `role` may do everything `other` may (a member may only grant roles within their own). */
export function roleCovers(role: RoleName, other: RoleName): boolean {
  return ROLE_PERMISSIONS[other].every((p) => roleHas(role, p));
}

/** The role with the permissions both roles have (a member's token never outranks the member). */
export function lowerRole(a: RoleName, b: RoleName): RoleName {
  if (roleCovers(a, b)) return b;
  if (roleCovers(b, a)) return a;
  return 'viewer';
}
