import type { Keys } from '../../core/crypto/keys.js';
import { SluiceError } from '../../core/errors.js';
import { identifierKey, IDENTIFIER_TYPES, normalizeIdentifier, selfOnlyResolver, type LinkedIdentityResolver, type SubjectIdentifier } from '../../core/privacy/subject.js';
import type { Suppression } from '../../core/privacy/suppression.js';
import type { ChangeFeed } from '../../runtime/change-feed.js';
import type { Store } from '../../store/store.js';

/** The Keys.pseudonym purpose of suppression hashes. */
export const SUPPRESSION_PURPOSE = 'suppression';

/** How many identifiers' suppression hashes a service keeps between batches (about 15 MB at most). */
const RECENT_HASHES = 100_000;
/** Up to this many suppressions in a workspace, a batch check reads them all instead of looking its hashes up. */
const FEW_SUPPRESSIONS = 2000;

export interface SuppressOptions {
  /** The privacy request that asked for it. */
  requestId: string | null;
  /** Keep only a keyed hash of the identifiers (after a deletion: CCPA 7022 lets a record be kept to keep the data deleted). */
  hashed: boolean;
}

/**
 * Suppression: a suppressed person's events (any linked identity) are dropped before storage.
 * Called by the privacy-requests executor (`suppress` / `unsuppress` requests, and deletions that keep a
 * hashed suppression) and by the processor's suppression stage (`suppressedKeys`).
 *
 * @example
 *   await suppressions.suppress(ws, [{ type: 'email', value: 'ada@example.com' }], { requestId, hashed: false });
 *   const hit = await suppressions.suppressedKeys(ws, [{ type: 'userId', value: 'u1' }]);
 */
export class SuppressionService {
  constructor(
    private readonly store: Store,
    private readonly keys: Keys,
    private readonly changes?: ChangeFeed,
    private linked: LinkedIdentityResolver = selfOnlyResolver,
  ) {}

  /** Wires in the identity graph, so a suppression covers every identity linked to the one named. */
  useLinkedIdentities(resolver: LinkedIdentityResolver): void {
    this.linked = resolver;
  }

  /** identifierKey -> hashOf, for the identifiers of recent batches (the same people come back batch after batch). */
  private readonly recentHashes = new Map<string, string>();

  private recentHash(key: string, identifier: SubjectIdentifier): string {
    let hash = this.recentHashes.get(key);
    if (hash === undefined) {
      if (this.recentHashes.size >= RECENT_HASHES) this.recentHashes.clear();
      hash = this.hashOf(identifier);
      this.recentHashes.set(key, hash);
    }
    return hash;
  }

  /** The keyed hash an identifier is matched by (emails normalized first). */
  hashOf(identifier: SubjectIdentifier): string {
    return this.keys.pseudonym(normalizeIdentifier(identifier).value, SUPPRESSION_PURPOSE);
  }

  async suppress(workspaceId: string, identifiers: readonly SubjectIdentifier[], options: SuppressOptions): Promise<Suppression[]> {
    const valid = validate(identifiers);
    const rows = valid.map((id) => {
      const n = normalizeIdentifier(id);
      const hash = this.hashOf(n);
      return { workspaceId, identifier: options.hashed ? hash : n.value, identifierHash: hash, hashed: options.hashed, type: n.type, requestId: options.requestId };
    });
    const stored = await this.store.suppressions.add(rows, Date.now());
    await this.changes?.publish('suppressions');
    return stored;
  }

  /**
   * Suppresses, hashed, identifiers seen alongside a suppressed one on an event the processor dropped (the userId of
   * an identify whose email is suppressed): nothing of a dropped event is stored, so the identity graph never links
   * them, and without this the person's later events naming only the userId would be collected. Each row carries
   * the request of the suppression that caused it (`causes`: hash -> requestId, from the suppressed identifiers of
   * the event), so lifting that suppress request lifts them too (`unsuppress`).
   */
  async suppressAlongside(workspaceId: string, identifiers: readonly SubjectIdentifier[], causes: readonly SubjectIdentifier[]): Promise<void> {
    if (identifiers.length === 0) return;
    // The newest suppression among the causes, as the suppressions list orders them.
    const rows = await this.store.suppressions.of(workspaceId, [...new Set(causes.map((id) => this.hashOf(id)))]);
    const [cause] = rows.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
    await this.suppress(workspaceId, identifiers, { requestId: cause?.requestId ?? null, hashed: true });
  }

  /**
   * Lifts the suppression of these identifiers (clear or hashed); returns how many were removed. Lifting a suppress
   * request's identifier (kept in clear) also lifts the hashed rows `suppressAlongside` derived from that request.
   */
  async unsuppress(workspaceId: string, identifiers: readonly SubjectIdentifier[], _options: { requestId: string | null } = { requestId: null }): Promise<number> {
    const valid = validate(identifiers);
    const hashes = new Set(valid.map((id) => this.hashOf(id)));
    const rows = await this.store.suppressions.list(workspaceId);
    const lifted = new Set(rows.filter((r) => hashes.has(r.identifierHash) && !r.hashed && r.requestId !== null).map((r) => r.requestId));
    for (const row of rows) if (row.hashed && row.requestId !== null && lifted.has(row.requestId)) hashes.add(row.identifierHash);
    const removed = await this.store.suppressions.remove(workspaceId, [...hashes]);
    await this.changes?.publish('suppressions');
    return removed;
  }

  list(workspaceId: string): Promise<Suppression[]> {
    return this.store.suppressions.list(workspaceId);
  }

  /**
   * Batch check: which of these identifiers are suppressed, directly or through an identity linked to them.
   * Returns the `identifierKey`s of the suppressed inputs. `resolveLinked` is the caller's resolution of the
   * identifiers' linked identities (the processor resolves them from the graph slice it loads anyway);
   * without it they are resolved through the identity graph here.
   */
  async suppressedKeys(workspaceId: string, identifiers: readonly SubjectIdentifier[], resolveLinked?: () => ReadonlyMap<string, readonly SubjectIdentifier[]>): Promise<Set<string>> {
    if (identifiers.length === 0) return new Set();
    // Most workspaces suppress few people: then all their hashes come in one small query (none: nothing to do).
    const few = await this.store.suppressions.hashesUpTo(workspaceId, FEW_SUPPRESSIONS);
    if (few?.size === 0) return new Set();
    // A batch names the same people many times: link and hash each identifier once.
    const unique = [...new Map(identifiers.map((id) => [identifierKey(id), id] as const)).values()];
    const linked = resolveLinked ? resolveLinked() : await this.linked(workspaceId, unique);
    const hashCache = new Map<string, string>();
    const hashOf = (id: SubjectIdentifier) => {
      const key = identifierKey(id);
      let hash = hashCache.get(key);
      if (hash === undefined) hashCache.set(key, (hash = this.recentHash(key, id)));
      return hash;
    };
    const out = new Set<string>();
    if (few) {
      // Every identifier of a person maps to the same linked list: each list is checked once.
      const listHit = new Map<readonly SubjectIdentifier[], boolean>();
      for (const id of unique) {
        const key = identifierKey(id);
        const list = linked.get(key);
        let viaList = false;
        if (list) {
          const known = listHit.get(list);
          viaList = known ?? list.some((member) => few.has(hashOf(member)));
          if (known === undefined) listHit.set(list, viaList);
        }
        if (viaList || few.has(hashOf(id))) out.add(key);
      }
      return out;
    }
    const hashesOf = new Map<string, string[]>();
    for (const id of unique) hashesOf.set(identifierKey(id), [...(linked.get(identifierKey(id)) ?? []), id].map(hashOf));
    const hit = await this.store.suppressions.matching(workspaceId, [...new Set(hashCache.values())]);
    if (hit.size === 0) return out;
    for (const [key, hashes] of hashesOf) if (hashes.some((h) => hit.has(h))) out.add(key);
    return out;
  }
}

function validate(identifiers: readonly SubjectIdentifier[]): SubjectIdentifier[] {
  if (identifiers.length === 0) throw new SluiceError('validation_failed', 'Name at least one identifier (userId, anonymousId or email).');
  for (const id of identifiers) {
    if (!IDENTIFIER_TYPES.includes(id.type)) throw new SluiceError('validation_failed', `Identifier type "${id.type}" is not one of ${IDENTIFIER_TYPES.join(', ')}.`);
    if (typeof id.value !== 'string' || id.value.trim() === '' || id.value.length > 1000) throw new SluiceError('validation_failed', `The ${id.type} must be a non-empty string of at most 1000 characters.`);
  }
  return identifiers.map(normalizeIdentifier);
}
