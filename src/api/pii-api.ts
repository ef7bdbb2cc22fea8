import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { changedFields } from '../accounts/audit-changes.js';
import { AuditLog } from '../accounts/audit-log.js';
import { appliedPiiPolicy, validatePiiPolicy, type PiiPolicy, type PiiRules } from '../core/pii/pii-policy.js';
import { SluiceError } from '../core/errors.js';
import type { PrivacyServices } from '../privacy/privacy-services.js';
import type { Store } from '../store/store.js';
import { auditContext } from './audit-context.js';
import { principalOf } from './principal.js';

const Level = Type.Union([Type.Literal('red'), Type.Literal('yellow'), Type.Literal('sensitive'), Type.Literal('none')]);
const FieldSchema = Type.Object({
  sourceId: Type.String(),
  path: Type.String(),
  classification: Level,
  label: Type.Union([Type.String(), Type.Null()]),
  detected: Type.Object({ level: Level, label: Type.Union([Type.String(), Type.Null()]), by: Type.String() }),
  reviewed: Type.Union([Type.Object({ level: Level, label: Type.Union([Type.String(), Type.Null()]), by: Type.String(), at: Type.String({ format: 'date-time' }) }), Type.Null()]),
  firstSeen: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
});
const Action = Type.Union([Type.Literal('allow'), Type.Literal('hash'), Type.Literal('redact'), Type.Literal('drop_field'), Type.Literal('drop_event')]);
const PolicySchema = Type.Object({
  workspace: Type.Record(Type.String(), Action),
  destinations: Type.Record(Type.String(), Type.Record(Type.String(), Action)),
  matchers: Type.Array(Type.Object({ target: Type.Union([Type.Literal('key'), Type.Literal('value')]), pattern: Type.String(), regex: Type.Optional(Type.Boolean()), level: Level, label: Type.String() })),
});

/**
 * Rules as `selector: action` lines for the audit log (kept as an object, a selector such as
 * `field:traits.password` would read as a credential name and its action be redacted).
 */
const ruleLines = (rules: PiiRules) => Object.entries(rules).map(([selector, action]) => `${selector}: ${action}`).sort();

/**
 * What the audit log keeps of a PII policy. A value matcher's pattern is left out: it may be a person's
 * actual value (an exact email address to classify), which has no place in the audit log.
 */
function policySummary(policy: PiiPolicy) {
  return {
    workspace: ruleLines(policy.workspace),
    destinations: Object.fromEntries(Object.entries(policy.destinations).map(([id, rules]) => [id, ruleLines(rules)])),
    matchers: policy.matchers.map((m) => ({ target: m.target, ...(m.target === 'key' && { pattern: m.pattern }), ...(m.regex === true && { regex: true }), level: m.level, label: m.label })),
  };
}

/**
 * PII: the inventory of every field seen per source with its classification (`GET /pii/inventory`; a
 * reviewer re-classifies with `PATCH /pii/inventory`), and the policy (`GET/PUT /pii/policy`). Both changes
 * are audited (`pii_field.review`, `pii_policy.update`).
 */
export const piiApi: FastifyPluginAsyncTypebox<{ store: Store; privacy: PrivacyServices }> = async (app, { store, privacy }) => {
  const audit = new AuditLog(store.audit);
  app.get('/pii/inventory', {
    config: { permission: 'privacy:read' },
    schema: {
      tags: ['pii'],
      summary: 'Every field seen per source, with its classification and first/last seen',
      querystring: Type.Object({ sourceId: Type.Optional(Type.String()), level: Type.Optional(Level) }),
      response: { 200: Type.Object({ fields: Type.Array(FieldSchema) }) },
    },
  }, async (request) => {
    const fields = await store.piiInventory.list(principalOf(request).workspaceId, { ...(request.query.sourceId !== undefined && { sourceId: request.query.sourceId }), ...(request.query.level !== undefined && { level: request.query.level }) });
    return {
      fields: fields.map((f) => ({
        sourceId: f.sourceId,
        path: f.path,
        classification: f.reviewedLevel ?? f.level,
        label: f.reviewedLevel ? f.reviewedLabel : f.label,
        detected: { level: f.level, label: f.label, by: f.detectedBy },
        reviewed: f.reviewedLevel ? { level: f.reviewedLevel, label: f.reviewedLabel, by: f.reviewedBy ?? '', at: new Date(f.reviewedAt ?? 0).toISOString() } : null,
        firstSeen: new Date(f.firstSeen).toISOString(),
        lastSeen: new Date(f.lastSeen).toISOString(),
      })),
    };
  });

  app.patch('/pii/inventory', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['pii'],
      summary: "Re-classify a field (a reviewer's decision overrides detection)",
      body: Type.Object({ sourceId: Type.String(), path: Type.String(), level: Level, label: Type.Optional(Type.Union([Type.String({ pattern: '^[a-z0-9_]{1,64}$' }), Type.Null()])) }, { additionalProperties: false }),
      response: { 200: Type.Object({ sourceId: Type.String(), path: Type.String(), classification: Level, label: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const { sourceId, path, level } = request.body;
    const existing = (await store.piiInventory.list(principal.workspaceId, { sourceId })).find((f) => f.path === path);
    const updated = existing && (await store.piiInventory.review(principal.workspaceId, sourceId, path, { level, label: request.body.label ?? null, by: principal.actor, at: Date.now() }));
    if (!existing || !updated) throw new SluiceError('not_found', `No field ${path} seen in source ${sourceId}; list them with GET /api/v1/pii/inventory.`);
    const before = { classification: existing.reviewedLevel ?? existing.level, label: existing.reviewedLevel ? existing.reviewedLabel : existing.label };
    const after = { classification: level, label: updated.reviewedLabel };
    await audit.record({ ...auditContext(request), action: 'pii_field.review', resourceType: 'pii_field', resourceId: `${sourceId}:${path}`, resourceName: path, before, after });
    return { sourceId, path, ...after };
  });

  app.get('/pii/policy', {
    config: { permission: 'privacy:read' },
    schema: { tags: ['pii'], summary: 'The PII policy: workspace rules, per-destination rules, custom matchers', response: { 200: PolicySchema } },
  }, async (request) => validatePiiPolicy((await privacy.config.get(principalOf(request).workspaceId)).piiPolicy));

  app.put('/pii/policy', {
    config: { permission: 'privacy:write' },
    schema: {
      tags: ['pii'],
      summary: 'Replace the PII policy. Selectors: red|yellow|sensitive, a label (email, ssn, health...), or field:<path>. Actions: allow, hash, redact, drop_field, drop_event.',
      body: Type.Unknown(),
      response: { 200: PolicySchema },
    },
  }, async (request) => {
    const policy = validatePiiPolicy(request.body);
    const { workspaceId } = principalOf(request);
    const before = appliedPiiPolicy((await privacy.config.get(workspaceId)).piiPolicy);
    await privacy.config.setPiiPolicy(workspaceId, policy);
    await audit.record({ ...auditContext(request), action: 'pii_policy.update', resourceType: 'pii_policy', resourceId: workspaceId, ...changedFields(policySummary(before), policySummary(policy)) });
    return policy;
  });
};
