import type { Store } from '../../store/store.js';

/**
 * Whether two actors (`api-auth.ts`'s strings) are one person: the same actor, or the same member behind a token or
 * a console session. Approval needs someone other than who verified the request.
 */
export async function samePerson(store: Store, workspaceId: string, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  const [x, y] = await Promise.all([personOf(store, workspaceId, a), personOf(store, workspaceId, b)]);
  return x !== undefined && x === y;
}

/**
 * The member an actor string stands for: `member:<id> (...)` is that member, `token:<id> (...)` the member who owns
 * the token (tokens a member created carry their id); undefined for a token of no member (the bootstrap token,
 * tokens an earlier version created) and for `system` or the subject.
 */
async function personOf(store: Store, workspaceId: string, actor: string): Promise<string | undefined> {
  const member = /^member:(\S+)/.exec(actor)?.[1];
  if (member !== undefined) return member;
  const tokenId = /^token:(\S+)/.exec(actor)?.[1];
  if (tokenId === undefined) return undefined;
  const token = (await store.tokens.list(workspaceId)).find((t) => t.id === tokenId);
  return token?.memberId ?? undefined;
}
