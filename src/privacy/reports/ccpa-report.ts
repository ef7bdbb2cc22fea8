import { ccpaCategoriesOf, CCPA_CATEGORIES, CCPA_LABELS, type CcpaCategory } from '../../core/privacy/ccpa-categories.js';
import { PURPOSE_LABELS, RECIPIENT_LABELS, type Purpose, type RecipientProfile } from '../../core/privacy/disclosure-profile.js';
import { classifiedFields, configVersion, recipientProfile, sourceProfile, sourcesOf, type ReportInputs } from './report-inputs.js';

const LOOKBACK_MS = 365 * 24 * 60 * 60 * 1000;

export interface CcpaRow {
  category: CcpaCategory;
  label: string;
  /** Examples of the personal information collected (field names). */
  collected: string[];
  sources: string[];
  businessPurposes: string[];
  disclosedTo: { recipientCategory: string; recipients: string[] }[];
  sold: boolean;
  shared: boolean;
}

export interface CcpaReport {
  report: 'ccpa';
  workspace: { id: string; name: string };
  generatedAt: string;
  configVersion: string;
  lookback: { from: string; to: string };
  rows: CcpaRow[];
  /** Recipients removed within the lookback, still listed as the law asks. */
  removedRecipients: { name: string; removedAt: string }[];
  notes: string[];
}

interface Recipient {
  name: string;
  profile: RecipientProfile | undefined;
  categories: Set<CcpaCategory>;
  removedAt: number | null;
}

/**
 * The chart a privacy policy needs under the CCPA: for each statutory category observed in the preceding
 * 12 months, what was collected, from which sources, for which business purposes, disclosed to whom, and
 * whether it was sold or shared. A recipient removed within the 12 months stays, marked removed.
 */
export function buildCcpaReport(inputs: ReportInputs): CcpaReport {
  const now = inputs.generatedAt.getTime();
  const since = now - LOOKBACK_MS;
  const fields = classifiedFields(inputs.inventory).filter((f) => f.lastSeen >= since);
  const sourceName = new Map(inputs.sources.map((s) => [s.id, s.name]));
  const notes: string[] = [];

  const recipients: Recipient[] = inputs.destinations.map((destination) => {
    const from = new Set(sourcesOf(inputs, destination).map((s) => s.id));
    const categories = new Set(fields.filter((f) => from.has(f.sourceId) && f.level === 'yellow').flatMap((f) => ccpaCategoriesOf(f)));
    return { name: destination.name, profile: recipientProfile(inputs, destination.id), categories, removedAt: null };
  });
  const allObserved = new Set(fields.flatMap((f) => ccpaCategoriesOf(f)));
  // Every destination deleted within the 12 months, described or not (its tombstone dates the deletion), and
  // described ones deleted before tombstones existed (dated by the first report that noticed).
  const removed: { name: string; profile: RecipientProfile | undefined; removedAt: number }[] = [];
  for (const tombstone of inputs.removedDestinations) {
    if (tombstone.removedAt >= since && tombstone.removedAt <= now) removed.push({ name: tombstone.name, profile: recipientProfile(inputs, tombstone.id), removedAt: tombstone.removedAt });
  }
  const tombstoned = new Set(inputs.removedDestinations.map((t) => t.id));
  for (const record of inputs.profiles) {
    if (record.resourceType === 'destination' && record.removedAt !== null && record.removedAt >= since && !tombstoned.has(record.resourceId)) {
      removed.push({ name: record.resourceName, profile: record.profile as unknown as RecipientProfile, removedAt: record.removedAt });
    }
  }
  removed.sort((a, b) => a.removedAt - b.removedAt || a.name.localeCompare(b.name));
  for (const r of removed) recipients.push({ name: r.name, profile: r.profile, categories: new Set(allObserved), removedAt: r.removedAt });
  if (removed.length > 0) notes.push('Recipients removed in the last 12 months are listed against every category observed in that period, as what they received before removal is not tracked per category.');
  const undescribed = recipients.filter((r) => !r.profile).map((r) => r.name);
  if (undescribed.length > 0) notes.push(`Not yet described (no recipient category or purpose): ${undescribed.join(', ')}. They are listed as "Undescribed recipients" until described.`);

  const rows: CcpaRow[] = [];
  for (const category of CCPA_CATEGORIES) {
    const categoryFields = fields.filter((f) => ccpaCategoriesOf(f).includes(category));
    if (categoryFields.length === 0) continue;
    const receiving = recipients.filter((r) => r.categories.has(category));
    const byRecipientCategory = new Map<string, string[]>();
    for (const r of receiving) {
      const label = r.profile ? RECIPIENT_LABELS[r.profile.recipientCategory] : 'Undescribed recipients';
      const name = r.removedAt !== null ? `${r.name} (removed ${new Date(r.removedAt).toISOString().slice(0, 10)})` : r.name;
      byRecipientCategory.set(label, [...(byRecipientCategory.get(label) ?? []), name]);
    }
    const purposes = new Set<Purpose>(receiving.flatMap((r) => r.profile?.purposes ?? []));
    purposes.add('essential_service');
    const sources = [...new Set(categoryFields.map((f) => {
      const channel = sourceProfile(inputs, f.sourceId)?.channel;
      return `${sourceName.get(f.sourceId) ?? f.sourceId}${channel ? ` (${channel})` : ''}`;
    }))].sort();
    rows.push({
      category,
      label: CCPA_LABELS[category],
      collected: [...new Set(categoryFields.map((f) => f.path.split('.').pop() ?? f.path))].sort().slice(0, 12),
      sources,
      businessPurposes: [...purposes].map((p) => PURPOSE_LABELS[p]).sort(),
      disclosedTo: [...byRecipientCategory.entries()].map(([recipientCategory, names]) => ({ recipientCategory, recipients: names.sort() })).sort((a, b) => a.recipientCategory.localeCompare(b.recipientCategory)),
      sold: receiving.some((r) => r.profile?.ccpaFlow === 'sale'),
      shared: receiving.some((r) => r.profile?.ccpaFlow === 'sharing'),
    });
  }
  return {
    report: 'ccpa',
    workspace: inputs.workspace,
    generatedAt: inputs.generatedAt.toISOString(),
    configVersion: configVersion(inputs),
    lookback: { from: new Date(since).toISOString(), to: inputs.generatedAt.toISOString() },
    rows,
    removedRecipients: removed.map((r) => ({ name: r.name, removedAt: new Date(r.removedAt).toISOString() })),
    notes,
  };
}
