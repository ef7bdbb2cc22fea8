import { PURPOSE_LABELS, RECIPIENT_LABELS, type RecipientProfile } from '../../core/privacy/disclosure-profile.js';
import type { DisclosureRecord, Store } from '../../store/store.js';
import { consentCategoriesOf } from '../privacy-config.js';
import type { ExecutorPorts } from './ports.js';
import type { PrivacyRequest } from './request.js';
import { FIRST_PAGE, type EventPageCursor } from './subject-data.js';
import { profilesOf, resolveSubject, type ResolvedSubject } from './subject.js';

/** The CCPA 1798.140 categories of personal information the know report names (the readable page translates them). */
export const KNOW_CATEGORIES = [
  'identifiers',
  'sensitive personal information',
  'protected classifications',
  'commercial information',
  'geolocation data',
  'internet or other electronic network activity',
  'professional or employment-related information',
  'education information',
] as const;
export type KnowCategory = (typeof KNOW_CATEGORIES)[number];

/** How the know report says its sources collected the data, and the basis of its purposes (the readable page translates them). */
export const KNOW_SOURCE_METHOD = 'collected directly from the consumer through the Tracking API';
export const KNOW_PURPOSE_BASIS = 'consent category of the workspace';

/** CCPA 1798.140 categories, matched from field paths (the last segment, lower-cased, without separators). */
const CATEGORY_RULES: readonly { readonly category: KnowCategory; readonly pattern: RegExp }[] = [
  { category: 'identifiers', pattern: /^(userid|anonymousid|email|phone|mobile|name|firstname|lastname|username|ip|deviceid|advertisingid|idfa|gaid|address|street|zip|postalcode)$/ },
  { category: 'sensitive personal information', pattern: /^(ssn|socialsecuritynumber|passport|driverslicense|health|diagnosis|religion|ethnicity|race|sexualorientation|precisegeolocation|creditcard|cardnumber|accountnumber|password)$/ },
  { category: 'protected classifications', pattern: /^(age|birthday|dateofbirth|dob|gender|sex|maritalstatus|nationality|citizenship)$/ },
  { category: 'commercial information', pattern: /^(revenue|total|price|currency|orderid|products|productid|sku|quantity|plan|subscription|coupon|discount)$/ },
  { category: 'geolocation data', pattern: /^(latitude|longitude|location|city|country|region|timezone)$/ },
  { category: 'internet or other electronic network activity', pattern: /^(url|path|referrer|search|title|useragent|page|screen|campaign|locale|library)$/ },
  { category: 'professional or employment-related information', pattern: /^(company|employer|jobtitle|title_job|industry|employees)$/ },
  { category: 'education information', pattern: /^(school|university|degree|education)$/ },
];

function categoriesOf(value: unknown, prefix: string, out: Map<string, Set<string>>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const normalized = key.toLowerCase().replace(/[^a-z]/g, '');
    for (const rule of CATEGORY_RULES) {
      if (rule.pattern.test(normalized)) {
        const fields = out.get(rule.category) ?? new Set<string>();
        fields.add(path);
        out.set(rule.category, fields);
      }
    }
    if (!Array.isArray(inner)) categoriesOf(inner, path, out, depth + 1);
  }
}

export const LOOKBACK_MS = 365 * 86_400_000;

/** A recipient as the report names it to the consumer. */
interface KnowRecipient {
  readonly name: string;
  readonly type: string;
  readonly lastDeliveredAt: string;
  readonly deletedAt?: string;
  readonly described: boolean;
  readonly recipientCategory?: string;
  readonly purposes?: readonly string[];
  readonly ccpaFlow?: RecipientProfile['ccpaFlow'];
}

/**
 * The destinations that received the subject's data since `since` (the delivery log joined to the subject's
 * events), configured or deleted since (with when): not every destination of the workspace, since one gated by
 * a category the subject never granted received nothing of theirs. Each carries what its disclosure profile
 * says (`PUT /disclosures/destinations/:id`): the kind of recipient, the purposes, and whether the flow is a
 * sale or a sharing under the CCPA; one never described says `described: false`.
 */
async function recipientsSince(ports: ExecutorPorts, workspaceId: string, subject: ResolvedSubject, since: number, disclosures: readonly DisclosureRecord[]): Promise<KnowRecipient[]> {
  const targets = (await ports.deletionTargets?.list(workspaceId, subject)) ?? [];
  return targets.flatMap(({ destinationId, name, type, lastDeliveredAt, deletedAt }): KnowRecipient[] => {
    if (lastDeliveredAt === undefined || lastDeliveredAt < since) return [];
    const profile = disclosures.find((d) => d.resourceType === 'destination' && d.resourceId === destinationId)?.profile as RecipientProfile | undefined;
    return [
      {
        name,
        type,
        lastDeliveredAt: new Date(lastDeliveredAt).toISOString(),
        ...(deletedAt !== undefined && { deletedAt: new Date(deletedAt).toISOString() }),
        ...(profile
          ? { described: true, recipientCategory: RECIPIENT_LABELS[profile.recipientCategory], purposes: profile.purposes.map((p) => PURPOSE_LABELS[p]), ccpaFlow: profile.ccpaFlow }
          : { described: false }),
      },
    ];
  });
}

/**
 * The CCPA right-to-know report for the subject over the past 12 months: categories of personal information
 * (with the fields that put each one there), the sources they came from, the purposes (the consent
 * categories they are collected under), and the recipients (destinations that received the subject's data in
 * those 12 months, deleted ones included with their deletion date). Whether the data was sold or shared (CCPA
 * 1798.115) comes from those recipients' disclosure profiles, as in the workspace's CCPA chart (ccpa-report.ts);
 * a recipient nobody described is named in `notes`, since for it the report cannot say.
 */
export async function knowReport(deps: { store: Store; ports: ExecutorPorts }, request: PrivacyRequest, now: number) {
  const ws = request.workspaceId;
  const since = now - LOOKBACK_MS;
  const subject = await resolveSubject(deps.store.identities, ws, request.subject);
  const categories = new Map<string, Set<string>>();
  const sourceCounts = new Map<string, number>();
  const eventTypes = new Map<string, number>();
  let events = 0;
  let cursor: EventPageCursor | undefined = FIRST_PAGE;
  while (cursor) {
    const page = await deps.store.subjectData.eventPage(ws, subject, cursor, 1_000);
    for (const stored of page.events) {
      if (Date.parse(stored.event.receivedAt) < since) continue;
      events += 1;
      sourceCounts.set(stored.sourceId, (sourceCounts.get(stored.sourceId) ?? 0) + 1);
      eventTypes.set(stored.event.type, (eventTypes.get(stored.event.type) ?? 0) + 1);
      categoriesOf({ userId: stored.event.userId, anonymousId: stored.event.anonymousId, traits: stored.event.traits, properties: stored.event.properties, context: stored.event.context }, '', categories);
    }
    cursor = page.next;
  }
  const sources = await deps.store.sources.list(ws);
  for (const profile of await profilesOf(deps.store.identities, ws, request.subject)) categoriesOf({ traits: profile.traits }, 'profile', categories);
  const workspace = await deps.store.workspaces.get(ws);
  const consentCategories = consentCategoriesOf(workspace?.settings ?? {}).map((c) => c.name);
  const recipients = await recipientsSince(deps.ports, ws, subject, since, await deps.store.disclosures.list(ws));
  const undescribed = recipients.filter((r) => !r.described).map((r) => r.name);
  return {
    kind: 'know',
    period: { from: new Date(since).toISOString(), to: new Date(now).toISOString() },
    eventsConsidered: events,
    eventTypes: Object.fromEntries(eventTypes),
    categories: [...categories.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([category, fields]) => ({ category, fields: [...fields].sort() })),
    sources: [...sourceCounts.entries()].map(([sourceId, count]) => ({ sourceId, name: sources.find((s) => s.id === sourceId)?.name ?? sourceId, events: count, method: KNOW_SOURCE_METHOD })),
    purposes: consentCategories.map((name) => ({ purpose: name, basis: KNOW_PURPOSE_BASIS })),
    recipients,
    sold: recipients.some((r) => r.ccpaFlow === 'sale'),
    shared: recipients.some((r) => r.ccpaFlow === 'sharing'),
    notes:
      undescribed.length > 0
        ? [`Not yet described (no disclosure profile, so whether the data was sold or shared to them is not known): ${undescribed.join(', ')}. Describe them with PUT /api/v1/disclosures/destinations/:id.`]
        : [],
  };
}
