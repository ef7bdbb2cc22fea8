import { createHash } from 'node:crypto';
import { controllerProfileOf, type ControllerProfile, type RecipientProfile, type SourceProfile } from '../../core/privacy/disclosure-profile.js';
import type { PiiInventoryField, PiiLevel } from '../../core/privacy/pii-field.js';
import type { Source } from '../../core/source.js';
import type { DisclosureRecord } from '../../store/store.js';

/** A destination as the reports need it (whatever store holds it). */
export interface RecipientInput {
  id: string;
  name: string;
  type: string;
  /** null = every source of the workspace. */
  sourceIds: readonly string[] | null;
  consentCategories: readonly string[] | null;
  enabled: boolean;
}

/** Everything a report is generated from: the live configuration and what was actually observed. */
export interface ReportInputs {
  workspace: { id: string; name: string };
  generatedAt: Date;
  sources: readonly Source[];
  destinations: readonly RecipientInput[];
  inventory: readonly PiiInventoryField[];
  profiles: readonly DisclosureRecord[];
  /** Sluice's own event retention, in days (null = kept until deleted). */
  eventRetentionDays: number | null;
  /** After how many days raw IP addresses in stored events are truncated (null = never). */
  ipRetentionDays: number | null;
  /** Destinations deleted (tombstones), described or not, with when they were deleted. */
  removedDestinations: readonly { id: string; name: string; removedAt: number }[];
}

/** An inventory field with the reviewer's classification applied over the detected one. */
export interface ClassifiedField {
  sourceId: string;
  path: string;
  level: PiiLevel;
  label: string | null;
  lastSeen: number;
}

export function classifiedFields(inventory: readonly PiiInventoryField[]): ClassifiedField[] {
  return inventory
    .map((f) => ({ sourceId: f.sourceId, path: f.path, level: f.reviewedLevel ?? f.level, label: f.reviewedLevel ? f.reviewedLabel : f.label, lastSeen: f.lastSeen }))
    .filter((f) => f.level !== 'none');
}

export function recipientProfile(inputs: ReportInputs, destinationId: string): RecipientProfile | undefined {
  const record = inputs.profiles.find((p) => p.resourceType === 'destination' && p.resourceId === destinationId);
  return record?.profile as RecipientProfile | undefined;
}

export function sourceProfile(inputs: ReportInputs, sourceId: string): SourceProfile | undefined {
  const record = inputs.profiles.find((p) => p.resourceType === 'source' && p.resourceId === sourceId);
  return record?.profile as SourceProfile | undefined;
}

export function controllerProfile(inputs: ReportInputs): ControllerProfile | undefined {
  return controllerProfileOf(inputs.profiles);
}

/** The sources a destination receives from. */
export function sourcesOf(inputs: ReportInputs, destination: RecipientInput): Source[] {
  return inputs.sources.filter((s) => destination.sourceIds === null || destination.sourceIds.includes(s.id));
}

/**
 * A short fingerprint of the configuration and inventory a report reflects: two reports with the same
 * version were generated from the same facts.
 */
export function configVersion(inputs: ReportInputs): string {
  const facts = {
    sources: inputs.sources.map((s) => [s.id, s.name, s.enabled]),
    destinations: inputs.destinations.map((d) => [d.id, d.name, d.type, d.sourceIds, d.consentCategories, d.enabled]),
    profiles: inputs.profiles.map((p) => [p.resourceType, p.resourceId, p.profile, p.removedAt]),
    inventory: classifiedFields(inputs.inventory).map((f) => [f.sourceId, f.path, f.level, f.label]),
    retention: inputs.eventRetentionDays,
    ipRetention: inputs.ipRetentionDays,
    removed: inputs.removedDestinations.map((d) => [d.id, d.removedAt]),
  };
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 12);
}
