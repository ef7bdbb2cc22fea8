/**
 * PII classification levels: Segment's Privacy Portal Red and Yellow, plus `sensitive` (GDPR Art. 9 /
 * CPRA sensitive categories) and `none`.
 */
export type PiiLevel = 'red' | 'yellow' | 'sensitive' | 'none';
export const PII_LEVELS: readonly PiiLevel[] = ['red', 'yellow', 'sensitive', 'none'];

/** One field of the inventory: a path seen in a source's events and how it is classified. */
export interface PiiInventoryField {
  workspaceId: string;
  sourceId: string;
  /** Dotted path with array indexes collapsed: `properties.items[].email`. */
  path: string;
  level: PiiLevel;
  /** What was detected: `email`, `ssn`, `health`, ... (null for `none`). */
  label: string | null;
  /** `key`, `value`, `custom` or `none`. */
  detectedBy: string;
  /** A reviewer's classification, which overrides the detected one. */
  reviewedLevel: PiiLevel | null;
  reviewedLabel: string | null;
  reviewedBy: string | null;
  reviewedAt: number | null;
  firstSeen: number;
  lastSeen: number;
}

/** A field observed by the processor (batched into the inventory). */
export interface PiiObservation {
  workspaceId: string;
  sourceId: string;
  path: string;
  level: PiiLevel;
  label: string | null;
  detectedBy: string;
  seenAt: number;
}
