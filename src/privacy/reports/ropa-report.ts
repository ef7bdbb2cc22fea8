import { CCPA_LABELS } from '../../core/privacy/ccpa-categories.js';
import { LEGAL_BASES, PURPOSES, PURPOSE_LABELS, RECIPIENT_LABELS, type LegalBasis, type Purpose } from '../../core/privacy/disclosure-profile.js';
import { categorize } from './data-map-report.js';
import { classifiedFields, configVersion, controllerProfile, recipientProfile, sourceProfile, sourcesOf, type ReportInputs } from './report-inputs.js';

/** EU/EEA member states: a transfer between two of them is not a third-country transfer. */
const EEA = new Set('AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO'.split(' '));

/** What Sluice itself does to protect the data it processes (Art. 32), listed in every record. */
const BUILT_IN_MEASURES = [
  'Secrets at rest encrypted (AES-256-GCM, keys derived from the installation secret)',
  'Role-based access with per-route permissions; personal data masked for roles without pii_access',
  'Tamper-evident, hash-chained audit log of every change',
  'Consent, Global Privacy Control, suppression and PII policy enforced before data leaves Sluice',
];

export interface RopaActivity {
  purpose: string;
  legalBases: string[];
  dataSubjects: string[];
  personalDataCategories: string[];
  specialCategories: boolean;
  recipients: { name: string; category: string; country: string }[];
  thirdCountryTransfers: { recipient: string; country: string; safeguards: string }[];
  retention: string[];
}

export interface RopaReport {
  report: 'ropa';
  workspace: { id: string; name: string };
  generatedAt: string;
  configVersion: string;
  controller: { name: string; contact: string; dpo: string | null; country: string | null };
  activities: RopaActivity[];
  securityMeasures: string[];
  /** What the record cannot state yet, to be completed in the configuration. */
  missing: string[];
}

function crossesBorder(controllerCountry: string | undefined, recipientCountry: string): boolean {
  if (!controllerCountry) return false;
  const a = controllerCountry.toUpperCase();
  const b = recipientCountry.toUpperCase();
  return a !== b && !(EEA.has(a) && EEA.has(b));
}

/**
 * What Sluice itself keeps, and until when (Art. 30(1)(f): the time limits for erasure of each category): not only
 * events, which retention prunes, but the profile and identifiers, which no retention removes, the consent records
 * and the request records.
 */
function sluiceRetention(inputs: ReportInputs): string[] {
  return [
    inputs.eventRetentionDays === null ? 'Events kept in Sluice until deleted' : `Events kept in Sluice ${inputs.eventRetentionDays} days`,
    inputs.ipRetentionDays === null ? 'IP addresses in stored events kept as received' : `IP addresses in stored events truncated after ${inputs.ipRetentionDays} days`,
    'Profiles (traits) and linked identifiers kept in Sluice until the person is erased (a deletion request): no time limit',
    "Consent records kept in Sluice as proof of consent (Art. 7(1)); on erasure they no longer name the person",
    'Privacy request records kept 24 months after the answer',
  ];
}

/** The GDPR Art. 30(1) record of processing activities, one activity per purpose in use. */
export function buildRopa(inputs: ReportInputs): RopaReport {
  const controller = controllerProfile(inputs);
  const missing: string[] = [];
  if (!controller) missing.push('controller name, contact details and country (PUT /api/v1/disclosures/controller)');
  const fields = classifiedFields(inputs.inventory);
  const activities: RopaActivity[] = [];
  const retentionOwn = sluiceRetention(inputs);
  const destinationsByPurpose = new Map<Purpose, typeof inputs.destinations[number][]>();
  for (const destination of inputs.destinations) {
    const profile = recipientProfile(inputs, destination.id);
    if (!profile) {
      missing.push(`purpose and legal basis of destination "${destination.name}"`);
      continue;
    }
    for (const purpose of profile.purposes) destinationsByPurpose.set(purpose, [...(destinationsByPurpose.get(purpose) ?? []), destination]);
  }
  for (const purpose of PURPOSES) {
    const destinations = destinationsByPurpose.get(purpose) ?? [];
    if (destinations.length === 0 && purpose !== 'essential_service') continue;
    const sources = purpose === 'essential_service' ? [...inputs.sources] : [...new Map(destinations.flatMap((d) => sourcesOf(inputs, d)).map((s) => [s.id, s])).values()];
    const categories = categorize(fields.filter((f) => sources.some((s) => s.id === f.sourceId)));
    const legalBases = new Set<LegalBasis>(destinations.map((d) => recipientProfile(inputs, d.id)!.legalBasis));
    if (purpose === 'essential_service' && legalBases.size === 0) legalBases.add('contract');
    activities.push({
      purpose: PURPOSE_LABELS[purpose],
      legalBases: LEGAL_BASES.filter((b) => legalBases.has(b)),
      dataSubjects: [...new Set(sources.map((s) => sourceProfile(inputs, s.id)?.subjects ?? `people tracked by source "${s.name}"`))].sort(),
      personalDataCategories: categories.map((c) => CCPA_LABELS[c.category]),
      specialCategories: categories.some((c) => c.category === 'sensitive_personal_information'),
      recipients: destinations.map((d) => {
        const p = recipientProfile(inputs, d.id)!;
        return { name: d.name, category: RECIPIENT_LABELS[p.recipientCategory], country: p.country };
      }),
      thirdCountryTransfers: destinations
        .map((d) => ({ d, p: recipientProfile(inputs, d.id)! }))
        .filter(({ p }) => crossesBorder(controller?.country, p.country))
        .map(({ d, p }) => ({ recipient: d.name, country: p.country, safeguards: p.transferSafeguards ?? 'NOT STATED: add transferSafeguards to this destination' })),
      retention: [...retentionOwn, ...destinations.map((d) => `${d.name}: ${recipientProfile(inputs, d.id)!.retention}`)],
    });
  }
  return {
    report: 'ropa',
    workspace: inputs.workspace,
    generatedAt: inputs.generatedAt.toISOString(),
    configVersion: configVersion(inputs),
    controller: {
      name: controller?.controllerName ?? 'NOT STATED',
      contact: controller?.controllerContact ?? 'NOT STATED',
      dpo: controller?.dpoName ? `${controller.dpoName}${controller.dpoContact ? `, ${controller.dpoContact}` : ''}` : null,
      country: controller?.country ?? null,
    },
    activities,
    securityMeasures: [...BUILT_IN_MEASURES, ...(controller?.securityMeasures ?? [])],
    missing,
  };
}
