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
   * How long a process that finds the first start claimed but not finished waits without a sign of life from the
   * process doing it (its heartbeat, renewed every {@link HEARTBEAT_MS} while it works) before finishing it itself.
   * 0 on the embedded store, where one process holds the data directory: a claim left unfinished is a first start
   * that stopped half way (killed, or the disk filled). On PostgreSQL another process may be starting at the same
   * moment: it is waited for as long as it keeps beating, however slow its first start.
   */
  takeOverAfterMs: number;
  /** Told when this process finishes a first start another one left half way. */
  onResumed?: (claim: string) => void;
}

const POLL_MS = 100;
/** How often the process doing the first start shows it is alive (`bootstrap_heartbeat:<claim>`). */
export const HEARTBEAT_MS = 500;

const HEARTBEAT_PREFIX = 'bootstrap_heartbeat:';
const heartbeatKey = (claim: string) => `${HEARTBEAT_PREFIX}${claim}`;

/**
 * First start of an installation: the default workspace, the owner's API token (SLUICE_ADMIN_TOKEN, or a
 * generated one shown once) and a default source. Exactly one process does it, even when several start at
 * once against the same database. A first start that stopped half way (after claiming it, before
 * `bootstrapped_at`) is finished by the next process that starts, once the claim's heartbeat has not moved for
 * `takeOverAfterMs` (before, a fixed wait of 15 s on PostgreSQL, whatever the holder was doing): without that the
 * installation would have no owner token, and nobody a way in. One process takes over each unfinished claim
 * (`bootstrap_resumed:<claim>`), so two that start together do not both finish it; it beats under its own claim.
 */
export async function bootstrap(store: Store, adminToken: string | undefined, options: BootstrapOptions = { takeOverAfterMs: 0 }): Promise<BootstrapResult> {
  const claim = randomUUID();
  let holder = await store.installation.setIfAbsent('bootstrap_claim', claim);
  while (holder !== claim) {
    if (await finishedWhileAlive(store, holder, options.takeOverAfterMs)) {
      await pruneHeartbeats(store);
      const sources = await store.sources.list(DEFAULT_WORKSPACE_ID);
      return { firstStart: false, workspaceId: DEFAULT_WORKSPACE_ID, generatedToken: undefined, defaultWriteKey: sources[0]?.writeKey };
    }
    const abandoned = holder;
    holder = await store.installation.setIfAbsent(`bootstrap_resumed:${abandoned}`, claim);
    if (holder === claim) options.onResumed?.(abandoned);
  }
  // Ours: the others wait while it beats (only where others may be starting too).
  const beating = options.takeOverAfterMs > 0 ? new Heartbeat(store, claim) : undefined;
  let result: BootstrapResult;
  try {
    result = await firstStart(store, adminToken);
  } finally {
    await beating?.stop();
  }
  await pruneHeartbeats(store);
  return result;
}

/**
 * Removes the first starts' heartbeats once the first start is finished (`bootstrapped_at`): nobody reads them after
 * that, and each first start (every process that finished one half done, on PostgreSQL) left its row behind. Every
 * start prunes, so a row a slow holder wrote after the finish goes at the next start.
 */
async function pruneHeartbeats(store: Store): Promise<void> {
  await store.installation.deletePrefix(HEARTBEAT_PREFIX);
}

/**
 * Whether the first start is finished, waiting while its holder's heartbeat moves; false once it has stood still
 * for `leaseMs` (by this process's clock: the holder's may differ). A claim without a heartbeat yet counts from
 * when it was first read.
 */
async function finishedWhileAlive(store: Store, holder: string, leaseMs: number): Promise<boolean> {
  let beat = await store.installation.get(heartbeatKey(holder));
  let movedAt = Date.now();
  for (;;) {
    if ((await store.installation.get('bootstrapped_at')) !== undefined) return true;
    if (Date.now() - movedAt >= leaseMs) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const now = await store.installation.get(heartbeatKey(holder));
    if (now !== beat) {
      beat = now;
      movedAt = Date.now();
    }
  }
}

/** Renews `bootstrap_heartbeat:<claim>` every HEARTBEAT_MS from now until stop(); a failed write waits for the next. */
class Heartbeat {
  private beats = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly claim: string,
  ) {
    this.beat();
  }

  private beat(): void {
    this.beats += 1;
    this.writing = this.store.installation.replace(heartbeatKey(this.claim), String(this.beats)).catch(() => undefined);
    void this.writing.then(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.beat(), HEARTBEAT_MS);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.writing;
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
