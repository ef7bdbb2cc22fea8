import type { ApiToken, RoleName } from '../core/api-token.js';
import type { Source } from '../core/source.js';
import type { EventQuery, StoredEvent } from '../core/stored-event.js';
import type { Workspace } from '../core/workspace.js';
import type { SegmentEvent } from '../protocol/segment-event.js';

/**
 * The store: every durable fact Sluice keeps, behind small repositories. Two implementations share one
 * Kysely query layer (`store/sql`): SQLite (`store/sqlite`, embedded default) and PostgreSQL
 * (`store/postgres`). The pipeline never knows which one runs it.
 *
 * @example
 *   const store = await openSqliteStore({ file: 'data/sluice.db' });
 *   const source = await store.sources.create({ workspaceId, name: 'Website' });
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly installation: InstallationRepository;
  readonly workspaces: WorkspaceRepository;
  readonly tokens: TokenRepository;
  readonly sources: SourceRepository;
  readonly events: EventRepository;
  close(): Promise<void>;
}

export interface InstallationRepository {
  get(key: string): Promise<string | undefined>;
  /** Sets the key only if it is not set yet; returns the value now stored. */
  setIfAbsent(key: string, value: string): Promise<string>;
}

export interface WorkspaceRepository {
  create(input: { id?: string; name: string }): Promise<Workspace>;
  get(id: string): Promise<Workspace | undefined>;
  list(): Promise<Workspace[]>;
  updateSettings(id: string, settings: Record<string, unknown>): Promise<void>;
}

export interface TokenRepository {
  /** Stores a token by the SHA-256 of its secret. */
  create(input: { workspaceId: string; name: string; secret: string; role: RoleName; memberId?: string | null; expiresAt?: number | null }): Promise<ApiToken>;
  /** The live (unrevoked, unexpired) token for a secret, touching last-used at most once a minute. */
  authenticate(secret: string, now: number): Promise<ApiToken | undefined>;
  list(workspaceId: string): Promise<ApiToken[]>;
  revoke(workspaceId: string, id: string, now: number): Promise<boolean>;
}

export interface SourceRepository {
  create(input: { workspaceId: string; name: string; writeKey?: string }): Promise<Source>;
  get(workspaceId: string, id: string): Promise<Source | undefined>;
  list(workspaceId: string): Promise<Source[]>;
  byWriteKey(writeKey: string): Promise<Source | undefined>;
  update(workspaceId: string, id: string, patch: { name?: string; enabled?: boolean; writeKey?: string }): Promise<Source | undefined>;
}

export interface NewEvent {
  workspaceId: string;
  sourceId: string;
  event: SegmentEvent;
  /** The serialized event, when the caller has it already. */
  json?: string;
}

export interface EventRepository {
  /**
   * Inserts events, skipping any whose (sourceId, messageId) is already stored; returns the ones inserted,
   * in input order, with their sequence numbers.
   */
  insertMany(events: readonly NewEvent[]): Promise<StoredEvent[]>;
  query(query: EventQuery): Promise<StoredEvent[]>;
  count(workspaceId: string): Promise<number>;
}
