import type { Keys } from '../../core/crypto/keys.js';

/** What one internal store held of the subject, and what a re-scan found after the deletion. */
export interface SystemDeletion {
  readonly system: string;
  readonly found: number;
  readonly deleted: number;
  readonly deletedAt: string;
  /** Rows of the subject found by a fresh scan after the deletion: 0 means verified gone. */
  readonly residual: number;
  readonly verifiedAt: string;
  /** What `deleted` means where it is not plain deletion (records kept under a pseudonym, and why). */
  readonly note?: string;
}

/** A destination's answer to the forwarded deletion. */
export interface DestinationDeletion {
  readonly destinationId: string;
  readonly name: string;
  readonly type: string;
  /** `not_recipient`: never received the subject's data, so not told (see `DeletionState.recipientsOnly`). */
  readonly outcome: 'deleted' | 'submitted' | 'not_supported' | 'not_recipient' | 'failed';
  readonly detail: string;
  readonly attempts: number;
  /** When the destination answered the forwarded deletion. */
  readonly at: string;
  /** The tool's id of the asynchronous deletion job it took (Mixpanel's task, Amplitude's day of jobs). */
  readonly jobId?: string;
  /** When Sluice last asked the tool for the job's status (it asks until the job ends: deletion-status-checks.ts). */
  readonly checkedAt?: string;
  /** When Sluice stopped asking about a job that had not ended (not confirmed in time, or its destination deleted). */
  readonly stoppedAskingAt?: string;
  /** Who declared the deletion done by hand after Sluice could not confirm it (deletion-follow-up.ts), and when. */
  readonly confirmedBy?: string;
  readonly confirmedAt?: string;
  /** The entry as it was before that confirmation (what the tool had answered): put back if the confirmation is withdrawn. */
  readonly confirmedOver?: PriorDestinationDeletion;
}

/** A destination's entry as it stood before a person confirmed the deletion by hand. */
export type PriorDestinationDeletion = Omit<DestinationDeletion, 'confirmedBy' | 'confirmedAt' | 'confirmedOver'>;

/**
 * Proof of an erasure: per system what was deleted and the verification scan, per destination its answer,
 * the suppression kept, all signed with the installation's HMAC key over the canonical JSON of the rest.
 */
export interface DeletionCertificate {
  readonly kind: 'sluice.deletion-certificate/v1';
  readonly requestId: string;
  readonly workspaceId: string;
  readonly regulation: string;
  readonly receivedAt: string;
  readonly issuedAt: string;
  /** Keyed hashes of every identifier deleted (never the identifiers themselves). */
  readonly subjectHashes: readonly string[];
  readonly systems: readonly SystemDeletion[];
  readonly destinations: readonly DestinationDeletion[];
  readonly suppression: { readonly kept: boolean; readonly hashedIdentifiers: number; readonly detail: string };
  /** True when every system's re-scan found zero rows and no destination failed. */
  readonly verified: boolean;
  readonly signature: { readonly algorithm: 'HMAC-SHA256'; readonly value: string };
}

/** A request's result as a deletion certificate; undefined when it is not one (another type's result, none yet). */
export function deletionCertificateOf(result: unknown): DeletionCertificate | undefined {
  const certificate = result as Partial<DeletionCertificate> | null | undefined;
  return certificate?.kind === 'sluice.deletion-certificate/v1' && Array.isArray(certificate.destinations) ? (certificate as DeletionCertificate) : undefined;
}

/** JSON with object keys sorted at every level: the bytes that are signed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function signCertificate(keys: Keys, body: Omit<DeletionCertificate, 'signature'>): DeletionCertificate {
  return { ...body, signature: { algorithm: 'HMAC-SHA256', value: keys.sign(canonicalJson(body)) } };
}

/** Whether a certificate is exactly as this installation issued it. */
export function verifyCertificate(keys: Keys, certificate: DeletionCertificate): boolean {
  const { signature, ...body } = certificate;
  if (!signature || typeof signature.value !== 'string' || !/^[0-9a-f]{64}$/.test(signature.value)) return false;
  return keys.verify(canonicalJson(body), signature.value);
}
