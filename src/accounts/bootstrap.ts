import { randomUUID } from 'node:crypto';
import { randomToken } from '../core/ids.js';
import { DEFAULT_WORKSPACE_ID } from '../core/workspace.js';
import type { Store } from '../store/store.js';

/** How long the first-start console setup link works. */
export const SETUP_LINK_TTL_MS = 7 * 86_400_000;

export interface BootstrapResult {
  /** True only for the process that initialised this data dir or database. */
  firstStart: boolean;
  workspaceId: string;
  /** The owner's token when it was generated now (shown once); undefined otherwise. */
  generatedToken: string | undefined;
  defaultWriteKey: string | undefined;
  /** First start only: the one-time secret of the owner's console setup link (`/setup?token=...`). */
  setupToken?: string;
}

/**
 * First start of an installation: the default workspace, the owner's API token (SLUICE_ADMIN_TOKEN, or a
 * generated one shown once) and a default source. Exactly one process does it, even when several start at
 * once against the same database.
 */
export async function bootstrap(store: Store, adminToken: string | undefined): Promise<BootstrapResult> {
  const claim = randomUUID();
  const owner = await store.installation.setIfAbsent('bootstrap_claim', claim);
  if (owner !== claim) {
    const sources = await store.sources.list(DEFAULT_WORKSPACE_ID);
    return { firstStart: false, workspaceId: DEFAULT_WORKSPACE_ID, generatedToken: undefined, defaultWriteKey: sources[0]?.writeKey };
  }
  await store.workspaces.create({ id: DEFAULT_WORKSPACE_ID, name: 'Default workspace' });
  const secret = adminToken ?? `sl_${randomToken(40)}`;
  await store.tokens.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Owner bootstrap token', secret, role: 'owner' });
  const source = await store.sources.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Default source' });
  const setupToken = randomToken(40);
  await store.sessions.createLink({ secret: setupToken, workspaceId: DEFAULT_WORKSPACE_ID, memberId: null, purpose: 'setup', expiresAt: Date.now() + SETUP_LINK_TTL_MS });
  await store.installation.setIfAbsent('bootstrapped_at', new Date().toISOString());
  return { firstStart: true, workspaceId: DEFAULT_WORKSPACE_ID, generatedToken: adminToken ? undefined : secret, defaultWriteKey: source.writeKey, setupToken };
}
