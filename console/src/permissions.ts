import { createContext, useContext } from 'react';
import { ROLE_PERMISSIONS, type Permission } from '../../src/accounts/permissions.js';
import type { RoleName } from '../../src/core/api-token.js';

export type { Permission };

/** Who the caller is as far as the console's offers go: their role and what it may do. */
export interface Grants {
  role: RoleName;
  permissions: readonly Permission[];
}

/**
 * What the caller's role may do, as `GET /api/v1/auth/session` answers it (`role`, `permissions`). The shell
 * provides it; pages read it with {@link useCan} or the `<Can>` component. It only decides what the console
 * offers: the API checks every call.
 */
const PermissionsContext = createContext<Grants>({ role: 'viewer', permissions: [] });
export const PermissionsProvider = PermissionsContext.Provider;

/** The caller's role and permissions (for saying why something is not offered). */
export function useGrants(): Grants {
  return useContext(PermissionsContext);
}

/**
 * A `can(permission)` function for the logged-in caller, to hide or disable what their role may not use.
 * @example
 * const can = useCan();
 * {can('members:write') && <InviteForm />}
 */
export function useCan(): (permission: Permission) => boolean {
  const { permissions } = useGrants();
  return (permission) => permissions.includes(permission);
}

/** Each permission in plain words, for saying what a role may or may not do. In order of consequence: personal data first. */
export const PERMISSION_WORDS: Record<Permission, string> = {
  pii_access:
    'personal data (pii_access): unmasked traits, emails and phone numbers in events, profiles, the live debugger and the delivery log, and looking people up by email',
  'privacy:write': 'acting on privacy requests (approving deletions and exports) and changing consent and privacy settings',
  'privacy:read': 'reading privacy requests, consent settings and reports',
  'members:write': 'inviting, changing, suspending and removing members',
  'members:read': 'seeing the members list',
  'tokens:write': 'creating and revoking API tokens',
  'tokens:read': 'seeing API tokens',
  'sources:write': 'creating, disabling and re-keying sources',
  'destinations:write': 'adding, changing and deleting destinations, replays and retries',
  'workspace:write': 'changing workspace settings',
  'audit:read': 'reading the audit log',
  'outbox:read': 'reading the development outbox (emails with login links)',
  'installation:admin': 'creating workspaces (installation admin)',
  'workspace:read': 'seeing the workspace',
  'sources:read': 'seeing sources and their writeKeys',
  'destinations:read': 'seeing destinations',
  'events:read': 'seeing events',
  'profiles:read': 'seeing profiles',
  'metrics:read': 'seeing metrics',
  'account:self': 'their own account',
};

/** The roles that have `permission`, in the server's order. */
export function rolesWith(permission: Permission): RoleName[] {
  return (Object.keys(ROLE_PERMISSIONS) as RoleName[]).filter((role) => ROLE_PERMISSIONS[role].includes(permission));
}

/**
 * Why the console does not offer something, in the words of the API's own `forbidden` answer.
 * @example notAllowedText('viewer', 'members:write')
 * // 'Your role (viewer) does not allow inviting, changing, suspending and removing members: that needs the members:write permission (owner, admin).'
 */
export function notAllowedText(role: RoleName, permission: Permission): string {
  return `Your role (${role}) does not allow ${PERMISSION_WORDS[permission]}: that needs the ${permission} permission (${rolesWith(permission).join(', ')}).`;
}
