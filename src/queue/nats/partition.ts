/**
 * Fixed number of partitions each destination's delivery jobs are split into. A user's jobs always land in
 * the same partition, and a partition is consumed by one router at a time, so per-user order holds across
 * router processes while different partitions proceed in parallel. Changing it moves users between
 * partitions (their in-flight jobs could then be delivered out of order), so it is a constant, not a setting.
 */
export const DELIVERY_PARTITIONS = 16;

/**
 * Fixed number of partitions of the inbox, for the same reason one level up: ingest puts a user's records
 * in one partition, and one processor at a time consumes a partition, so a user's events are stored and
 * fanned out in the order they were acknowledged (docs/decisions/0503). A constant, like DELIVERY_PARTITIONS.
 */
export const INBOX_PARTITIONS = 16;

/**
 * The partition of an ordering key: FNV-1a (32 bit) of workspace and key, stable across processes, versions
 * and platforms (no dependence on Node's hash seeds). Used for the inbox and for delivery jobs alike.
 */
export function partitionOf(workspaceId: string, partitionKey: string, partitions: number): number {
  let hash = 0x811c9dc5;
  const text = `${workspaceId}\u0000${partitionKey}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
