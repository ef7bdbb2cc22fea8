import type { DestinationFilter } from './destination-filters.js';

/**
 * A configured destination of a workspace, as the pipeline uses it (config decrypted, secrets included).
 * The API never shows `config` as is: secret fields are masked.
 */
export interface Destination {
  id: string;
  workspaceId: string;
  name: string;
  /** A type of the destination registry (`webhook`, `postgres`, ...). */
  type: string;
  config: Record<string, unknown>;
  /** Sources it receives from; null = every source of the workspace. */
  sourceIds: string[] | null;
  /** Consent categories it needs (all granted); null = only the required ones. */
  consentCategories: string[] | null;
  /** Destination filters (FQL conditions with drop / sample / drop_properties / allow_properties), in order; empty = none. */
  filters: DestinationFilter[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  /**
   * Since when it has been enabled without a break (epoch ms): the last time it was enabled, or created enabled; absent
   * for a destination that is disabled (or was read from a store that does not keep it).
   */
  enabledAt?: number;
}

/** A destination as stored: public config in clear, secret fields sealed together (Keys.encrypt). */
export interface StoredDestination extends Omit<Destination, 'config'> {
  /** The config without its secret fields. */
  publicConfig: Record<string, unknown>;
  /** `Keys.encrypt(JSON.stringify(secretFields))`, or null when the config has no secret set. */
  sealedSecrets: string | null;
}

/**
 * What is kept of a deleted destination (a tombstone), so history stays readable: the delivery log, access
 * exports, "know" reports and deletion certificates still name it. Its config (connection details and
 * secrets) is erased: the admin asked for the connection to be removed.
 */
export interface DestinationTombstone {
  id: string;
  workspaceId: string;
  name: string;
  type: string;
  createdAt: number;
  deletedAt: number;
  /** Who deleted it (the API caller's actor label, as the audit log records it). */
  deletedBy: string;
}

/** The reason of a delivery dropped because its destination was deleted while it waited (queued or retrying). */
export const DESTINATION_DELETED_REASON = 'destination_deleted';

/** What `DeliveryRepository.dropWaiting` records for the deliveries a destination deleted had waiting. */
export function destinationDeletedDrop(at: number): { reason: string; message: string; at: number } {
  return { reason: DESTINATION_DELETED_REASON, message: 'Not sent: the destination was deleted while this delivery waited.', at };
}

/** What happened to one event at one destination. */
export const DELIVERY_STATUSES = ['queued', 'delivered', 'retrying', 'failed', 'dropped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One row of the delivery log: the state of one messageId at one destination. */
export interface DeliveryRecord {
  workspaceId: string;
  destinationId: string;
  messageId: string;
  sourceId: string;
  status: DeliveryStatus;
  attempts: number;
  /** Machine-readable reason of a drop or a failure (`filter`, `consent_denied:advertising`, `http_400`, ...). */
  reason: string | null;
  lastError: string | null;
  updatedAt: number;
  /** When a `retrying` delivery is tried next (epoch ms); absent in every other state. */
  nextAttemptAt?: number;
  /** When a `retrying` delivery was first tried (epoch ms: its retry window starts there); absent otherwise. */
  firstAttemptAt?: number;
  /**
   * Set by the router on a delivery at the first attempt of a job the fan-out queued without a delivery-log row
   * (decision 0108): its stored event's seq, so the embedded log may keep it in a delivered run instead of a row of its
   * own (decision 0109). Written, never read back.
   */
  runEventSeq?: number;
}
