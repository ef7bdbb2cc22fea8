import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { changedFields } from '../accounts/audit-changes.js';
import { AuditLog } from '../accounts/audit-log.js';
import { maskPersonalData, refuseEmailLookup } from '../accounts/mask-personal-data.js';
import { resolveConsent } from '../core/consent/resolve-consent.js';
import { DELETION_FORWARDING } from '../core/privacy/privacy-settings.js';
import { identifierKey, normalizeIdentifier, type SubjectIdentifier } from '../core/privacy/subject.js';
import { IDENTITY_KIND } from '../privacy/graph-linked-identities.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import { SluiceError } from '../core/errors.js';
import { BANNER_LANGUAGES } from '../core/consent/banner-texts.js';
import { findCategory, type ConsentCategory } from '../core/consent/consent-category.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';
import { orNull } from './schemas.js';
import { readableSchemaErrors } from './validation-messages.js';

export const ConsentCategorySchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    required: Type.Optional(Type.Boolean()),
    gpc: Type.Optional(Type.Boolean({ description: 'Denied by a Global Privacy Control signal' })),
    translations: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z]{2}$' }),
        Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        { description: `The name and description the consent banner shows in another language, by ISO 639-1 code: ${BANNER_LANGUAGES.join(', ')}` },
      ),
    ),
  },
  { additionalProperties: false },
);
const Categories = Type.Array(ConsentCategorySchema, { maxItems: 50 });

const PrivacySettingsSchema = Type.Object({
  consentModel: Type.Union([Type.Literal('opt-in'), Type.Literal('opt-out')]),
  regionModels: Type.Record(Type.String(), Type.Union([Type.Literal('opt-in'), Type.Literal('opt-out')])),
  dnt: Type.Union([Type.Literal('ignore'), Type.Literal('as-gpc')]),
  ageThreshold: Type.Integer({ minimum: 13, maximum: 16 }),
  childDeletionRequests: Type.Boolean(),
  eventRetentionDays: Type.Union([Type.Integer(), Type.Null()]),
  ipRetentionDays: Type.Union([Type.Integer(), Type.Null()]),
  policyVersion: Type.Union([Type.String(), Type.Null()]),
  deletionForwarding: Type.Union(DELETION_FORWARDING.map((choice) => Type.Literal(choice)), {
    description: 'Which destinations a deletion is forwarded to: all that can delete (default), or those that received the person’s data (decision 0402)',
  }),
});

/** A change of the settings: their fields, any of them; null (keep events, keep IPs, no policy version) only as JSON null, never coerced from "" or 0. */
const PrivacySettingsPatch = Type.Partial(
  Type.Object({
    ...PrivacySettingsSchema.properties,
    eventRetentionDays: orNull(Type.Integer()),
    ipRetentionDays: orNull(Type.Integer()),
    policyVersion: orNull(Type.String()),
  }),
  { additionalProperties: false },
);

const ConsentRecordSchema = Type.Object({
  at: Type.String({ format: 'date-time' }),
  subject: Type.Object({ type: Type.String(), value: Type.String() }),
  categories: Type.Record(Type.String(), Type.Boolean()),
  source: Type.String(),
  gpc: Type.Boolean(),
  policyVersion: Type.Union([Type.String(), Type.Null()]),
  ipHash: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  messageId: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  bannerVersion: Type.Union([Type.String({ description: 'The version of the banner wording the choice was made on: its text is in `banners`' }), Type.Null()]),
});

const BannerTextSchema = Type.Object({
  version: Type.String({ description: 'SHA-256 (hex) of `content`' }),
  firstServedAt: Type.String({ format: 'date-time' }),
  content: Type.Object({
    text: Type.Record(Type.String(), Type.String()),
    categories: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), description: Type.Union([Type.String(), Type.Null()]), required: Type.Boolean(), gpc: Type.Boolean() })),
    policyVersion: Type.Union([Type.String(), Type.Null()]),
  }),
});

const ProfileConsentSchema = Type.Object({
  identifier: Type.String(),
  identities: Type.Array(Type.Object({ type: Type.String(), value: Type.String() })),
  model: Type.String(),
  gpc: Type.Object({ recorded: Type.Boolean(), at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }),
  categories: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), granted: Type.Boolean(), rule: Type.String(), decidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) })),
  flags: Type.Array(Type.Object({ flag: Type.String(), detail: Type.Union([Type.String(), Type.Null()]), at: Type.String({ format: 'date-time' }) })),
  history: Type.Array(ConsentRecordSchema),
  banners: Type.Array(BannerTextSchema, { description: 'Each banner wording a choice of `history` was made on, once: what the person was shown' }),
});

/**
 * The identities an admin-API path identifier, given without its type, stands for: of the types it may have (a
 * userId, an anonymousId, or with an @ an email), those the identity graph or the consent ledger knows it by.
 * None when neither knows it: an anonymousId is not also claimed as a userId because it was typed bare.
 */
export async function subjectsOf(store: Store, workspaceId: string, identifier: string): Promise<SubjectIdentifier[]> {
  const candidates: SubjectIdentifier[] = [{ type: 'userId', value: identifier }, { type: 'anonymousId', value: identifier }];
  if (identifier.includes('@')) candidates.push(normalizeIdentifier({ type: 'email', value: identifier }));
  const [links, states] = await Promise.all([
    store.identities.linksOf(candidates.map((c) => ({ workspaceId, kind: IDENTITY_KIND[c.type], value: c.value }))),
    store.consent.states(workspaceId, candidates),
  ]);
  const known = new Set(states.map((s) => identifierKey(s.subject)));
  for (const c of candidates) if (links.some((l) => l.workspaceId === workspaceId && l.kind === IDENTITY_KIND[c.type] && l.value === c.value)) known.add(identifierKey(c));
  return candidates.filter((c) => known.has(identifierKey(c)));
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** "category 5 (index 4): id" for `/4/id` or `/categories/4/id`: counted from 1, as the console shows them. */
function categoryField(path: readonly string[]): string {
  const rest = path[0] === 'categories' ? path.slice(1) : path;
  if (rest.length === 0) return 'categories';
  const index = Number(rest[0]);
  const which = Number.isInteger(index) ? `category ${index + 1} (index ${index})` : rest[0]!;
  return rest.length > 1 ? `${which}: ${rest.slice(1).join('.')}` : which;
}
const CATEGORY_HINTS = { id: '1-64 letters, digits, "_" or "-", e.g. marketing', name: 'what the banner shows' };
const SETTINGS_HINTS = { ageThreshold: 'children are people under this age: 13 to 16, GDPR Art. 8', eventRetentionDays: 'days, or null to keep events' };

/**
 * Consent administration: the workspace's categories (`GET/PUT /consent/categories`), its privacy settings
 * (`GET/PATCH /privacy/settings`) and a profile's consent with its proof (`GET /profiles/:identifier/consent`).
 * Changes are audited (`consent_categories.update`, `privacy_settings.update`) with the fields that changed.
 */
/**
 * Refuses categories that leave out one a destination requires: its events would all be withheld from it, even
 * those that grant the category, and the banner could no longer offer it (`consent_category_in_use`).
 */
async function refuseRemovingRequired(store: Store, workspaceId: string, categories: readonly ConsentCategory[]): Promise<void> {
  const orphaned = new Map<string, { id: string; name: string }[]>();
  for (const destination of await store.destinations.list(workspaceId)) {
    for (const category of destination.consentCategories ?? []) {
      // Matched as fan-out matches a destination's categories: by id or name, in any case.
      if (findCategory(categories, category)) continue;
      orphaned.set(category, [...(orphaned.get(category) ?? []), { id: destination.id, name: destination.name }]);
    }
  }
  const [category, destinations] = [...orphaned][0] ?? [];
  if (category === undefined || destinations === undefined) return;
  const named = destinations.map((d) => `${d.name} (${d.id})`).join(', ');
  throw new SluiceError('consent_category_in_use', `The category "${category}" is required by ${destinations.length === 1 ? 'the destination' : 'the destinations'} ${named}: without it every event would be withheld from ${destinations.length === 1 ? 'it' : 'them'}. Remove "${category}" from ${destinations.length === 1 ? "that destination's" : "those destinations'"} consent categories first, or keep the category.`, { category, destinations });
}

export const consentApi: FastifyPluginAsyncTypebox<{ store: Store; privacy: PrivacyServices }> = async (app, { store, privacy }) => {
  const audit = new AuditLog(store.audit);
  app.get('/consent/categories', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['consent'], summary: "The workspace's consent categories", response: { 200: Categories } },
  }, async (request) => [...(await privacy.config.get(principalOf(request).workspaceId)).categories]);

  app.put('/consent/categories', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['consent'],
      summary: 'Replace the consent categories (a bare array, or {categories: [...]})',
      body: Type.Union([Categories, Type.Object({ categories: Categories }, { additionalProperties: false })]),
      response: { 200: Categories },
    },
    schemaErrorFormatter: readableSchemaErrors(categoryField, CATEGORY_HINTS),
  }, async (request) => {
    const body = request.body;
    const list = Array.isArray(body) ? body : body.categories;
    const { workspaceId } = principalOf(request);
    await refuseRemovingRequired(store, workspaceId, list);
    const before = (await privacy.config.get(workspaceId)).categories;
    const after = await privacy.config.setCategories(workspaceId, list);
    await audit.record({ ...auditContext(request), action: 'consent_categories.update', resourceType: 'consent_categories', resourceId: workspaceId, ...changedFields({ categories: before }, { categories: after }) });
    return after;
  });

  app.get('/privacy/settings', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['consent'], summary: "The workspace's privacy settings (consent model, DNT, age threshold, retention)", response: { 200: PrivacySettingsSchema } },
  }, async (request) => (await privacy.config.get(principalOf(request).workspaceId)).settings);

  app.patch('/privacy/settings', {
    config: { permission: 'privacy:write' },
    schema: { tags: ['consent'], summary: 'Change privacy settings (only the fields given)', body: PrivacySettingsPatch, response: { 200: PrivacySettingsSchema } },
    schemaErrorFormatter: readableSchemaErrors((path) => path.join('.'), SETTINGS_HINTS),
  }, async (request) => {
    const { workspaceId } = principalOf(request);
    const { before, after } = await privacy.config.updateSettings(workspaceId, request.body as Record<string, unknown>);
    await audit.record({ ...auditContext(request), action: 'privacy_settings.update', resourceType: 'privacy_settings', resourceId: workspaceId, ...changedFields(before, after) });
    return after;
  });

  app.get('/profiles/:identifier/consent', {
    config: { permission: 'profiles:read' },
    schema: {
      tags: ['consent'],
      summary: "A subject's current consent per category (with the rule that decides it) and the ledger history with the banner wording each choice was made on (`banners`); `identities` lists the identifier under the types the identity graph or the ledger knows it by, and those linked to it",
      params: Type.Object({ identifier: Type.String({ minLength: 1 }) }),
      response: { 200: ProfileConsentSchema },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const { workspaceId } = principal;
    refuseEmailLookup(request.params.identifier, principal);
    const subjects = await subjectsOf(store, workspaceId, request.params.identifier);
    const [{ categories, settings }, current, history, flags] = await Promise.all([
      privacy.config.get(workspaceId),
      privacy.consent.current(workspaceId, subjects),
      privacy.consent.history(workspaceId, subjects),
      store.subjectFlags.list(workspaceId, subjects),
    ]);
    const versions = history.map((h) => h.bannerVersion).filter((v): v is string => typeof v === 'string');
    const banners = versions.length > 0 ? await store.consent.banners(workspaceId, versions) : [];
    const state = resolveConsent({ categories, model: settings.consentModel, regionModels: settings.regionModels }, { gpc: current.gpcAt !== null, ledger: current.ledger });
    // Personal data masked for a role without personal-data access, as in the profile API (the banners' wording is none).
    return { ...maskPersonalData({
      identifier: request.params.identifier,
      identities: current.identities,
      model: state.model,
      gpc: { recorded: current.gpcAt !== null, at: iso(current.gpcAt) },
      categories: categories.map((c) => ({ id: c.id, name: c.name, granted: state.categories[c.id]!.granted, rule: state.categories[c.id]!.rule, decidedAt: state.categories[c.id]!.rule === 'ledger' ? iso(current.ledger[c.id]!.at) : null })),
      flags: flags.map((f) => ({ flag: f.flag, detail: f.detail, at: new Date(f.createdAt).toISOString() })),
      history: history.map((h) => ({
        at: new Date(h.at).toISOString(),
        subject: h.subject,
        categories: h.categories,
        source: h.source,
        gpc: h.gpc,
        policyVersion: h.policyVersion ?? null,
        ipHash: h.ipHash ?? null,
        userAgent: h.userAgent ?? null,
        messageId: h.messageId ?? null,
        requestId: h.requestId ?? null,
        bannerVersion: h.bannerVersion ?? null,
      })),
    }, principal), banners: banners.map((b) => ({ version: b.version, firstServedAt: new Date(b.firstServedAt).toISOString(), content: { ...b.content, text: { ...b.content.text } } })) };
  });
};

export type ConsentCategoryBody = Static<typeof ConsentCategorySchema>;
