import { createContext, useContext } from 'react';
import type { Permission } from '../../src/accounts/permissions.js';

export type { Permission };

/**
 * What the caller's role may do, as `GET /api/v1/auth/session` answers it (`permissions`). The shell provides
 * it; pages read it with {@link useCan}. It only decides what the console offers: the API checks every call.
 */
const PermissionsContext = createContext<readonly Permission[]>([]);
export const PermissionsProvider = PermissionsContext.Provider;

/**
 * A `can(permission)` function for the logged-in caller, to hide or disable what their role may not use.
 * @example
 * const can = useCan();
 * {can('members:write') && <InviteForm />}
 */
export function useCan(): (permission: Permission) => boolean {
  const permissions = useContext(PermissionsContext);
  return (permission) => permissions.includes(permission);
}
