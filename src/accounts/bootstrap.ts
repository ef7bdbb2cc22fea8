import { randomUUID } from 'node:crypto';
import { randomToken } from '../core/ids.js';
import { DEFAULT_WORKSPACE_ID } from '../core/workspace.js';
import type { Store } from '../store/store.js';

/** The name of the owner's token the first start creates. */
const OWNER_TOKEN_NAME = 'Owner bootstrap token';

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

export interface BootstrapOptions {
  /**
   * How long a process that finds the first start claimed but not finished waits for it before finishing it
   * itself. 0 on the embedded store, where one process holds the data directory: a claim left unfinished is a
   * first start that stopped half way (killed, or the disk filled). On PostgreSQL another process may be
   * starting at the same moment, and its first start takes milliseconds.
   */
  takeOverAfterMs: number;
  /** Told when this process finishes a first start another one left half way. */
  onResumed?: (claim: string) => void;
}

const POLL_MS = 100;

/**
 * First start of an installation: the default workspace, the owner's API token (SLUICE_ADMIN_TOKEN, or a
 * generated one shown once) and a default source. Exactly one process does it, even when several start at
 * once against the same database. A first start that stopped half way (after claiming it, before
 * `bootstrapped_at`) is finished by the next process that starts, after `takeOverAfterMs`: without that the
 * installation would have no owner token, and nobody a way in. One process takes over each unfinished claim
 * (`bootstrap_resumed:<claim>`), so two that start together do not both finish it.
 */
export async function bootstrap(store: Store, adminToken: string | undefined, options: BootstrapOptions = { takeOverAfterMs: 0 }): Promise<BootstrapResult> {
  const claim = randomUUID();
  let holder = await store.installation.setIfAbsent('bootstrap_claim', claim);
  while (holder !== claim) {
    if (await finishedWithin(store, options.takeOverAfterMs)) {
      const sources = await store.sources.list(DEFAULT_WORKSPACE_ID);
      return { firstStart: false, workspaceId: DEFAULT_WORKSPACE_ID, generatedToken: undefined, defaultWriteKey: sources[0]?.writeKey };
    }
    const abandoned = holder;
    holder = await store.installation.setIfAbsent(`bootstrap_resumed:${abandoned}`, claim);
    if (holder === claim) options.onResumed?.(abandoned);
  }
  return firstStart(store, adminToken);
}

/** Whether the first start is finished now, or within `ms` (polled). */
async function finishedWithin(store: Store, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await store.installation.get('bootstrapped_at')) !== undefined) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The first start's steps, each skipped when an earlier attempt did it: the workspace, the owner's token (a
 * generated one again: the earlier one was never shown; the given one once), the default source, a setup link.
 */
async function firstStart(store: Store, adminToken: string | undefined): Promise<BootstrapResult> {
  if ((await store.workspaces.get(DEFAULT_WORKSPACE_ID)) === undefined) await store.workspaces.create({ id: DEFAULT_WORKSPACE_ID, name: 'Default workspace' });
  const secret = adminToken ?? `sl_${randomToken(40)}`;
  if (adminToken === undefined) {
    // A token an abandoned first start generated was never shown to anyone: revoked, so it is no way in.
    for (const token of await store.tokens.list(DEFAULT_WORKSPACE_ID)) {
      if (token.name === OWNER_TOKEN_NAME && token.revokedAt === null) await store.tokens.revoke(DEFAULT_WORKSPACE_ID, token.id, Date.now());
    }
  }
  if (adminToken === undefined || (await store.tokens.authenticate(adminToken, Date.now())) === undefined) {
    await store.tokens.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: OWNER_TOKEN_NAME, secret, role: 'owner' });
  }
  const source = (await store.sources.list(DEFAULT_WORKSPACE_ID))[0] ?? (await store.sources.create({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Default source' }));
  const setupToken = randomToken(40);
  await store.sessions.createLink({ secret: setupToken, workspaceId: DEFAULT_WORKSPACE_ID, memberId: null, purpose: 'setup', expiresAt: Date.now() + SETUP_LINK_TTL_MS });
  await store.installation.setIfAbsent('bootstrapped_at', new Date().toISOString());
  return { firstStart: true, workspaceId: DEFAULT_WORKSPACE_ID, generatedToken: adminToken ? undefined : secret, defaultWriteKey: source.writeKey, setupToken };
}
