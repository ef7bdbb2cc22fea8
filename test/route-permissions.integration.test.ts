import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, roleHas, type Permission } from '../src/accounts/permissions.js';
import { registeredApiRoutes } from '../src/api/api-auth.js';
import { ROLE_NAMES, type RoleName } from '../src/core/api-token.js';
import { DEFAULT_WORKSPACE_ID } from '../src/core/workspace.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

let sluice: TestSluice;
const tokens = new Map<RoleName, string>();

beforeAll(async () => {
  sluice = await startTestSluice();
  for (const role of ROLE_NAMES) {
    const member = await sluice.store.members.create({ workspaceId: DEFAULT_WORKSPACE_ID, email: `${role}@matrix.test`, name: role, role, status: 'active' });
    const secret = `matrix-${role}-0123456789`;
    await sluice.store.tokens.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: `matrix ${role}`, secret, role, memberId: member.id });
    tokens.set(role, secret);
  }
});
afterAll(async () => {
  await sluice?.stop();
});

describe('admin API authorization', () => {
  it('every admin route declares a known permission', () => {
    const routes = registeredApiRoutes(sluice.app);
    expect(routes.length).toBeGreaterThan(30);
    const undeclared = routes.filter((r) => r.permission !== 'public' && !(PERMISSIONS as readonly string[]).includes(r.permission ?? ''));
    expect(undeclared).toEqual([]);
  });

  it('answers 403 exactly when the role lacks the route permission, for every route and every role', async () => {
    // Destructive self-service last, so the member behind the token exists for every other call.
    const routes = [...registeredApiRoutes(sluice.app)]
      .filter((r) => r.permission !== 'public')
      .sort((a, b) => Number(a.method === 'DELETE' && a.url.endsWith('/me')) - Number(b.method === 'DELETE' && b.url.endsWith('/me')));
    const mismatches: string[] = [];
    for (const route of routes) {
      const path = route.url.replace(/:[A-Za-z]+/g, 'nope');
      for (const role of ROLE_NAMES) {
        const response = await fetch(`${sluice.url}${path}`, { method: route.method, headers: { authorization: `Bearer ${tokens.get(role)}` } });
        await response.arrayBuffer();
        const allowed = roleHas(role, route.permission as Permission);
        if ((response.status === 403) === allowed || response.status === 401 || response.status >= 500) {
          mismatches.push(`${route.method} ${route.url} as ${role}: ${response.status} (permission ${route.permission}, allowed=${allowed})`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses callers without credentials on every non-public route', async () => {
    const routes = registeredApiRoutes(sluice.app).filter((r) => r.permission !== 'public');
    for (const route of routes) {
      const response = await fetch(`${sluice.url}${route.url.replace(/:[A-Za-z]+/g, 'nope')}`, { method: route.method });
      await response.arrayBuffer();
      expect(response.status, `${route.method} ${route.url}`).toBe(401);
    }
  });
});
