import { createContext, useContext, type ReactNode } from 'react';
import { notAllowedText, useCan, useGrants, type Permission } from '../permissions';

/** Set inside a `<Can otherwise="disable">` that is showing read-only: a nested one adds no second note. */
const ReadOnlyScope = createContext(false);

/** The one line saying why the caller's role is not offered something. */
export function NotAllowed({ permission }: { permission: Permission }) {
  const { role } = useGrants();
  return (
    <p className="hint not-allowed" role="note">
      {notAllowedText(role, permission)}
    </p>
  );
}

/**
 * Shows `children` only when the caller's role has `permission`, the permission the API route behind them
 * checks. Otherwise, by `otherwise`:
 * - `hide` (default): nothing, for buttons and forms whose absence needs no word (an action column, a create form);
 * - `explain`: a line saying why, for a page or card whose point is the action;
 * - `disable`: that line, then `children` shown with every control disabled, for a form that also shows the
 *   current values (a destination's settings), so read-only data stays visible.
 * It only decides what the console offers: the API checks every call.
 * @example
 * <Can permission="members:write"><InviteForm /></Can>
 * <Can permission="destinations:write" otherwise="disable"><DestinationForm … /></Can>
 */
export function Can({ permission, otherwise = 'hide', children }: { permission: Permission; otherwise?: 'hide' | 'explain' | 'disable'; children: ReactNode }) {
  const can = useCan();
  const readOnly = useContext(ReadOnlyScope);
  if (can(permission)) return <>{children}</>;
  if (otherwise === 'hide') return null;
  if (otherwise === 'explain') return <NotAllowed permission={permission} />;
  // Already disabled and explained by an enclosing <Can otherwise="disable">.
  if (readOnly) return <>{children}</>;
  return (
    <ReadOnlyScope.Provider value={true}>
      <NotAllowed permission={permission} />
      {/* A disabled fieldset disables every control inside it; `display: contents` keeps the layout of what it wraps. */}
      <fieldset disabled className="read-only">
        {children}
      </fieldset>
    </ReadOnlyScope.Provider>
  );
}
