import { ccpaCategoriesOf, CCPA_LABELS, type CcpaCategory } from '../../core/privacy/ccpa-categories.js';
import type { RecipientProfile } from '../../core/privacy/disclosure-profile.js';
import { classifiedFields, configVersion, recipientProfile, sourceProfile, sourcesOf, type ClassifiedField, type ReportInputs } from './report-inputs.js';

export interface CategoryFields {
  category: CcpaCategory;
  label: string;
  fields: string[];
  /** Red or sensitive fields: removed before any destination unless its PII policy allows them. */
  withheldByDefault: boolean;
}

export interface DataMapReport {
  report: 'data-map';
  workspace: { id: string; name: string };
  generatedAt: string;
  configVersion: string;
  sources: { id: string; name: string; channel: string | null; subjects: string | null; categories: CategoryFields[] }[];
  destinations: ({ id: string; name: string; type: string; enabled: boolean; receivesFrom: string[]; consentCategories: string[] | null; categories: CategoryFields[] } & Partial<RecipientProfile>)[];
  flows: { sourceId: string; destinationId: string; categories: CcpaCategory[] }[];
  /** Sources and destinations whose description is missing what a disclosure needs. */
  gaps: { resourceType: 'source' | 'destination'; id: string; name: string; problem: string }[];
}

/** Groups fields by CCPA category. */
export function categorize(fields: readonly ClassifiedField[]): CategoryFields[] {
  const byCategory = new Map<CcpaCategory, { fields: Set<string>; withheld: boolean }>();
  for (const field of fields) {
    for (const category of ccpaCategoriesOf(field)) {
      const entry = byCategory.get(category) ?? { fields: new Set<string>(), withheld: true };
      entry.fields.add(field.path);
      if (field.level === 'yellow') entry.withheld = false;
      byCategory.set(category, entry);
    }
  }
  return [...byCategory.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, { fields: paths, withheld }]) => ({ category, label: CCPA_LABELS[category], fields: [...paths].sort(), withheldByDefault: withheld }));
}

/** Sources -> personal-data categories actually observed -> destinations, with purposes and legal bases (the configuration now). */
export function buildDataMap(inputs: ReportInputs): DataMapReport {
  const fields = classifiedFields(inputs.inventory);
  const gaps: DataMapReport['gaps'] = [];
  const sources = inputs.sources.map((source) => {
    const profile = sourceProfile(inputs, source.id);
    if (!profile) gaps.push({ resourceType: 'source', id: source.id, name: source.name, problem: 'no collection channel or data subjects described' });
    return { id: source.id, name: source.name, channel: profile?.channel ?? null, subjects: profile?.subjects ?? null, categories: categorize(fields.filter((f) => f.sourceId === source.id)) };
  });
  const flows: DataMapReport['flows'] = [];
  const destinations = inputs.destinations.map((destination) => {
    const profile = recipientProfile(inputs, destination.id);
    if (!profile) gaps.push({ resourceType: 'destination', id: destination.id, name: destination.name, problem: 'no purpose, legal basis or recipient category described' });
    else if (profile.purposes.length === 0) gaps.push({ resourceType: 'destination', id: destination.id, name: destination.name, problem: 'no purpose' });
    const from = sourcesOf(inputs, destination);
    for (const source of from) {
      const categories = categorize(fields.filter((f) => f.sourceId === source.id)).map((c) => c.category);
      flows.push({ sourceId: source.id, destinationId: destination.id, categories });
    }
    return {
      id: destination.id,
      name: destination.name,
      type: destination.type,
      enabled: destination.enabled,
      receivesFrom: from.map((s) => s.id),
      consentCategories: destination.consentCategories ? [...destination.consentCategories] : null,
      categories: categorize(fields.filter((f) => from.some((s) => s.id === f.sourceId))),
      ...(profile ?? {}),
    };
  });
  return {
    report: 'data-map',
    workspace: inputs.workspace,
    generatedAt: inputs.generatedAt.toISOString(),
    configVersion: configVersion(inputs),
    sources,
    destinations,
    flows,
    gaps,
  };
}
