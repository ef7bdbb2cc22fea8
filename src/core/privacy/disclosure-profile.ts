/**
 * What a privacy policy must say about each recipient and each source, described once per destination and
 * source, from fixed vocabularies (in the spirit of fideslang's data uses), so disclosures can be generated.
 */
export const RECIPIENT_CATEGORIES = ['service_provider', 'contractor', 'analytics_provider', 'advertising_partner', 'data_broker', 'internal', 'other_third_party'] as const;
export type RecipientCategory = (typeof RECIPIENT_CATEGORIES)[number];

export const PURPOSES = ['essential_service', 'analytics', 'personalization', 'marketing', 'advertising', 'research_and_development', 'security_and_compliance'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** GDPR Art. 6(1) legal bases. */
export const LEGAL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** Under the CCPA a flow is a "sale", a "sharing" (cross-context behavioural advertising), or neither. */
export const CCPA_FLOWS = ['none', 'sale', 'sharing'] as const;
export type CcpaFlow = (typeof CCPA_FLOWS)[number];

export const COLLECTION_CHANNELS = ['website', 'app', 'server', 'import'] as const;
export type CollectionChannel = (typeof COLLECTION_CHANNELS)[number];

export interface RecipientProfile {
  recipientCategory: RecipientCategory;
  purposes: Purpose[];
  legalBasis: LegalBasis;
  /** ISO 3166-1 alpha-2 country where the recipient processes the data. */
  country: string;
  ccpaFlow: CcpaFlow;
  /** How long the recipient keeps the data, in words ("13 months", "until account deletion"). */
  retention: string;
  /** Safeguards for a transfer outside the controller's country (e.g. "EU SCCs 2021/914"). */
  transferSafeguards?: string;
}

export interface SourceProfile {
  channel: CollectionChannel;
  /** Who the data is about, in words ("website visitors", "customers"). */
  subjects: string;
}

export interface ControllerProfile {
  controllerName: string;
  controllerContact: string;
  dpoName?: string;
  dpoContact?: string;
  /** ISO 3166-1 alpha-2 country of the controller (transfers elsewhere are listed as third-country). */
  country: string;
  securityMeasures: string[];
}

export const PURPOSE_LABELS: Readonly<Record<Purpose, string>> = {
  essential_service: 'Providing the service',
  analytics: 'Analytics',
  personalization: 'Personalization',
  marketing: 'Marketing communications',
  advertising: 'Advertising',
  research_and_development: 'Research and development',
  security_and_compliance: 'Security and compliance',
};

export const RECIPIENT_LABELS: Readonly<Record<RecipientCategory, string>> = {
  service_provider: 'Service providers',
  contractor: 'Contractors',
  analytics_provider: 'Analytics providers',
  advertising_partner: 'Advertising partners',
  data_broker: 'Data brokers',
  internal: 'Internal systems',
  other_third_party: 'Other third parties',
};

/** Each legal basis as the person is told it ("on the basis of your consent"). */
export const LEGAL_BASIS_LABELS: Readonly<Record<LegalBasis, string>> = {
  consent: 'your consent',
  contract: 'a contract with you',
  legal_obligation: 'a legal obligation',
  vital_interests: 'vital interests',
  public_task: 'a task in the public interest',
  legitimate_interests: 'our legitimate interests',
};

/** The controller's profile among a workspace's disclosure records (`PUT /disclosures/controller`), if described. */
export function controllerProfileOf(records: readonly { resourceType: string; profile: unknown }[]): ControllerProfile | undefined {
  return records.find((r) => r.resourceType === 'controller')?.profile as ControllerProfile | undefined;
}
