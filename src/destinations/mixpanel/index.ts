import { createHash } from 'node:crypto';
import type { JsonObject } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryItem, DeliveryResult, DestinationType } from '../destination.js';
import { classifyHttpStatus, deletionFailure } from '../http-status.js';
import { companionBase } from '../http/companion-base.js';
import { basicAuth, chunks, deliverHttp, emptyPlan, joinUrl, previewHttp, type HttpMapping } from '../http/http-mapping.js';
import { contextString, epochMs, eventNameOf, pagePropertiesOf, propertiesOf, traitsOf } from '../segment-fields.js';
import { MixpanelConfigSchema, type MixpanelConfig } from './mixpanel-config.js';

/** /import and /engage accept up to 2,000 records per request. */
const MAX_RECORDS = 2000;

/**
 * Mixpanel's $insert_id must be at most 36 characters of [A-Za-z0-9-]; Segment messageIds are often longer,
 * so it is a stable hash of the messageId (the same on every retry, so Mixpanel deduplicates).
 */
export function insertId(messageId: string): string {
  return createHash('sha256').update(messageId).digest('hex').slice(0, 32);
}

function importEvent(item: DeliveryItem): JsonObject {
  const e = item.event;
  const properties: JsonObject = {
    ...(e.type === 'track' ? propertiesOf(e) : pagePropertiesOf(e)),
    time: epochMs(e),
    distinct_id: e.userId ?? `$device:${e.anonymousId ?? ''}`,
    $insert_id: insertId(item.messageId),
  };
  if (e.userId) properties.$user_id = e.userId;
  if (e.anonymousId) properties.$device_id = e.anonymousId;
  const ip = contextString(e, 'ip');
  if (ip) properties.ip = ip;
  return { event: eventNameOf(e), properties };
}

function importAuth(config: MixpanelConfig): { authorization: string; query: string } {
  if (config.serviceAccountUsername && config.serviceAccountSecret) {
    return { authorization: basicAuth(config.serviceAccountUsername, config.serviceAccountSecret), query: `strict=1&project_id=${encodeURIComponent(config.projectId ?? '')}` };
  }
  return { authorization: basicAuth(config.projectToken, ''), query: 'strict=1' };
}

/** The GDPR API host for an ingestion host: mixpanel.com, eu.mixpanel.com, in.mixpanel.com by data residency. */
const GDPR_HOSTS: Readonly<Record<string, string>> = { 'api.mixpanel.com': 'mixpanel.com', 'api-eu.mixpanel.com': 'eu.mixpanel.com', 'api-in.mixpanel.com': 'in.mixpanel.com' };

function gdprBase(config: MixpanelConfig): string {
  return config.deletionBaseUrl ?? companionBase(config.baseUrl, GDPR_HOSTS, 'https://mixpanel.com');
}

export const mixpanelMapping: HttpMapping<MixpanelConfig> = {
  plan(items, config) {
    const plan = emptyPlan();
    const base = config.baseUrl ?? 'https://api.mixpanel.com';
    const events: number[] = [];
    const profiles: number[] = [];
    items.forEach((item, index) => {
      const type = item.event.type;
      if (type === 'identify') {
        if (item.event.userId || item.event.anonymousId) profiles.push(index);
      } else if (type === 'alias' || type === 'group') {
        plan.refused.set(index, { reason: `unsupported:${type}`, error: `Mixpanel's simplified identity merge has no ${type} call; ${type} events are not sent.` });
      } else {
        events.push(index);
      }
    });
    const auth = importAuth(config);
    for (const chunk of chunks(events, MAX_RECORDS)) {
      plan.requests.push({
        request: {
          method: 'POST',
          url: joinUrl(base, `/import?${auth.query}`),
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: auth.authorization },
          body: JSON.stringify(chunk.items.map((i) => importEvent(items[i]!))),
        },
        itemIndexes: chunk.items,
      });
    }
    for (const chunk of chunks(profiles, MAX_RECORDS)) {
      const updates = chunk.items.map((i) => {
        const e = items[i]!.event;
        return { $token: config.projectToken, $distinct_id: e.userId ?? `$device:${e.anonymousId ?? ''}`, $set: traitsOf(e) };
      });
      plan.requests.push({
        request: { method: 'POST', url: joinUrl(base, '/engage?verbose=1#profile-set'), headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(updates) },
        itemIndexes: chunk.items,
      });
    }
    return plan;
  },

  interpret(response, planned): DeliveryResult | DeliveryResult[] {
    if (response.status === 400 && planned.request.url.includes('/import')) {
      // Strict mode: a 400 is a partial success; failed_records names the rejected events by index.
      let failed: { index?: number; message?: string }[] = [];
      try {
        failed = ((JSON.parse(response.body) as { failed_records?: typeof failed }).failed_records ?? []).filter((f) => typeof f.index === 'number');
      } catch {
        failed = [];
      }
      if (failed.length === 0) return classifyHttpStatus(response.status, response.headers, response.body);
      const byIndex = new Map(failed.map((f) => [f.index!, f.message ?? 'failed validation']));
      return planned.itemIndexes.map((_, position) => {
        const message = byIndex.get(position);
        return message === undefined ? { kind: 'ok' } : { kind: 'abort', reason: 'invalid_event', error: `Mixpanel refused the event: ${message}` };
      });
    }
    if (response.status === 200 && planned.request.url.includes('/engage')) {
      try {
        const body = JSON.parse(response.body) as { status?: number; error?: string | null };
        if (body.status === 0) return { kind: 'abort', reason: 'invalid_profile', error: `Mixpanel refused the profile update: ${body.error ?? 'unknown error'}` };
      } catch {
        // "1" (non-verbose) or not JSON: the status code decides
      }
    }
    return classifyHttpStatus(response.status, response.headers, response.body);
  },

  secrets: (config) => [config.projectToken, config.serviceAccountSecret ?? '', config.gdprToken ?? ''],
};

/** Mixpanel: events through /import (strict), profiles through /engage, deletion through the GDPR API v3. */
export const mixpanel: DestinationType<MixpanelConfig> = {
  type: 'mixpanel',
  displayName: 'Mixpanel',
  configSchema: MixpanelConfigSchema,
  secretFields: ['projectToken', 'serviceAccountSecret', 'gdprToken'],
  urlFields: ['baseUrl', 'deletionBaseUrl'],
  maxBatchSize: 500,
  validateConfig(config) {
    const problems: string[] = [];
    const toUseBoth = 'set both to import with a service account, or neither to import with the project token';
    if (config.serviceAccountUsername && !config.serviceAccountSecret) problems.push(`serviceAccountSecret is needed with serviceAccountUsername (${toUseBoth}).`);
    if (config.serviceAccountSecret && !config.serviceAccountUsername) problems.push(`serviceAccountUsername is needed with serviceAccountSecret (${toUseBoth}).`);
    if (config.serviceAccountUsername && !config.projectId) problems.push("projectId is needed with a service account (the project's id, in Mixpanel's project settings).");
    return problems;
  },
  deliver: (items, config, context) => deliverHttp(mixpanelMapping, items, config, context),
  preview: async (items, config) => previewHttp(mixpanelMapping, items, config),

  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    if (!config.gdprToken) return { kind: 'not_supported', reason: 'Mixpanel deletion needs a GDPR API OAuth token (config.gdprToken).' };
    const distinctIds = [...subject.userIds, ...subject.anonymousIds.map((a) => `$device:${a}`)];
    if (distinctIds.length === 0) return { kind: 'deleted', detail: 'no identifiers to delete', count: 0 };
    const base = gdprBase(config);
    const response = await context.http.send({
      method: 'POST',
      url: joinUrl(base, `/api/app/data-deletions/v3.0/?token=${encodeURIComponent(config.projectToken)}`),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.gdprToken}` },
      body: JSON.stringify({ distinct_ids: distinctIds, compliance_type: 'GDPR' }),
    });
    const failure = deletionFailure(response.status, response.headers, response.body);
    if (failure) return failure;
    const body = JSON.parse(response.body || '{}') as { results?: { task_id?: string } };
    const taskId = body.results?.task_id;
    if (!taskId) return { kind: 'failed', error: `Mixpanel answered without a task_id: ${response.body.slice(0, 200)}` };
    return { kind: 'submitted', jobId: taskId, status: 'PENDING' };
  },

  async deletionStatus(jobId, config, context): Promise<DeletionResult> {
    if (!config.gdprToken) return { kind: 'not_supported', reason: 'Mixpanel deletion status needs config.gdprToken.' };
    const base = gdprBase(config);
    const response = await context.http.send({
      method: 'GET',
      url: joinUrl(base, `/api/app/data-deletions/v3.0/${encodeURIComponent(jobId)}?token=${encodeURIComponent(config.projectToken)}`),
      headers: { authorization: `Bearer ${config.gdprToken}` },
    });
    const failure = deletionFailure(response.status, response.headers, response.body);
    if (failure) return failure;
    // {"status":"ok","results":{"status":"PENDING"|"STAGING"|"STARTED"|"SUCCESS"|"FAILURE"|"REVOKED"|"NOT_FOUND"|"UNKNOWN", ...}}
    const status = String((JSON.parse(response.body || '{}') as { results?: { status?: string } }).results?.status ?? 'UNKNOWN');
    if (status === 'SUCCESS') return { kind: 'deleted', detail: `Mixpanel task ${jobId} succeeded` };
    if (status === 'FAILURE' || status === 'REVOKED' || status === 'NOT_FOUND') return { kind: 'failed', error: `Mixpanel task ${jobId}: ${status}` };
    return { kind: 'submitted', jobId, status };
  },
};
