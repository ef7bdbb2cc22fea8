import type { PiiLevel } from './pii-field.js';

/** The statutory categories of personal information (Cal. Civ. Code 1798.140(v), (ae)). */
export const CCPA_CATEGORIES = [
  'identifiers',
  'customer_records',
  'protected_classifications',
  'commercial_information',
  'biometric_information',
  'internet_activity',
  'geolocation',
  'sensory_data',
  'professional_information',
  'education_information',
  'inferences',
  'sensitive_personal_information',
] as const;
export type CcpaCategory = (typeof CCPA_CATEGORIES)[number];

export const CCPA_LABELS: Readonly<Record<CcpaCategory, string>> = {
  identifiers: 'Identifiers',
  customer_records: 'Customer records (Cal. Civ. Code 1798.80(e))',
  protected_classifications: 'Characteristics of protected classifications',
  commercial_information: 'Commercial information',
  biometric_information: 'Biometric information',
  internet_activity: 'Internet or other electronic network activity',
  geolocation: 'Geolocation data',
  sensory_data: 'Audio, electronic, visual or similar information',
  professional_information: 'Professional or employment-related information',
  education_information: 'Education information',
  inferences: 'Inferences drawn to create a profile',
  sensitive_personal_information: 'Sensitive personal information',
};

/** Words in a classifier label or a field path, and the categories they put a field in (first match wins). */
const RULES: readonly { words: RegExp; categories: readonly CcpaCategory[] }[] = [
  { words: /ssn|social.?security|passport|driver.?licen[cs]e|password|credit.?card|card.?number|iban|bank.?account|account.?number|token|api.?key|jwt/, categories: ['sensitive_personal_information', 'identifiers'] },
  { words: /health|medic|diagnos|allerg|condition|procedure|disabilit|genetic|sex.?life|sexual|orientation|religio|belief|union|political|criminal|ethnic|race|racial/, categories: ['sensitive_personal_information', 'protected_classifications'] },
  { words: /biometric|fingerprint|face.?id|voice.?print/, categories: ['biometric_information', 'sensitive_personal_information'] },
  { words: /precise.?location|latitude|longitude|\blat\b|\blng\b|\blon\b/, categories: ['geolocation', 'sensitive_personal_information'] },
  { words: /gender|\bsex\b|birth|\bage\b|\bdob\b|citizenship|nationality|veteran|marital/, categories: ['protected_classifications'] },
  { words: /photo|image|avatar|audio|video|recording/, categories: ['sensory_data'] },
  { words: /salary|job|title|employer|company|occupation|profession/, categories: ['professional_information'] },
  { words: /school|degree|education|grade|student/, categories: ['education_information'] },
  { words: /address|street|zip|postal|city|country|region|location/, categories: ['customer_records', 'geolocation'] },
  { words: /phone|mobile|telephone/, categories: ['identifiers', 'customer_records'] },
  { words: /email|e.?mail/, categories: ['identifiers'] },
  { words: /\bname\b|first.?name|last.?name|full.?name|username/, categories: ['identifiers', 'customer_records'] },
  { words: /\bip\b|ipv4|ipv6|ip.?address|mac|device.?id|advertising.?id|idfa|gaid|user.?id|anonymous.?id|serial|identification|license|certificate/, categories: ['identifiers'] },
  { words: /order|purchase|revenue|price|total|product|cart|checkout|subscription|plan/, categories: ['commercial_information'] },
  { words: /user.?agent|url|referrer|page|screen|search|campaign|utm/, categories: ['internet_activity'] },
  { words: /segment|score|propensity|interest|preference|persona|churn/, categories: ['inferences'] },
];

/**
 * The CCPA categories of one inventory field, from the classifier's label (preferred) and its path.
 * A Red or sensitive field is always sensitive personal information as well.
 */
export function ccpaCategoriesOf(field: { path: string; label: string | null; level: PiiLevel }): CcpaCategory[] {
  const text = `${field.label ?? ''} ${field.path.split('.').pop() ?? ''}`.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const found = new Set<CcpaCategory>();
  const rule = RULES.find((r) => r.words.test(text));
  for (const category of rule?.categories ?? []) found.add(category);
  if (field.level === 'red' || field.level === 'sensitive') found.add('sensitive_personal_information');
  if (found.size === 0 && field.level === 'yellow') found.add('identifiers');
  return [...found];
}
