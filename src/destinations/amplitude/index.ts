import type { JsonObject } from '../../protocol/segment-event.js';
import { HELD_REASONS, type DeletionResult, type DeliveryItem, type DeliveryResult, type DestinationType } from '../destination.js';
import { classifyHttpStatus, deletionFailure } from '../http-status.js';
import { companionBase } from '../http/companion-base.js';
import { basicAuth, deliverHttp, emptyPlan, joinUrl, previewHttp, type HttpMapping, type PlannedRequest } from '../http/http-mapping.js';
import { contextObject, contextString, epochMs, eventNameOf, pagePropertiesOf, propertiesOf, traitsOf } from '../segment-fields.js';
import { AmplitudeConfigSchema, type AmplitudeConfig } from './amplitude-config.js';
import { lookUpDevices } from './amplitude-device-lookup.js';

/** HTTP V2 API limits: 2,000 events and 1 MB per request (counted after decompression). */
const MAX_EVENTS = 2000;
const MAX_BYTES = 1_000_000;
/** Amplitude asks to pause a throttled user or device for 30 seconds. */
const THROTTLE_PAUSE_MS = 30_000;

function ingestBase(config: AmplitudeConfig): string {
  return config.baseUrl ?? 'https://api2.amplitude.com';
}

/** The User Privacy API host for an ingestion host (docs: amplitude.com, or analytics.eu.amplitude.com for EU residency). */
const PRIVACY_HOSTS: Readonly<Record<string, string>> = { 'api2.amplitude.com': 'amplitude.com', 'api.amplitude.com': 'amplitude.com', 'api.eu.amplitude.com': 'analytics.eu.amplitude.com' };

function privacyBase(config: AmplitudeConfig): string {
  return config.deletionBaseUrl ?? companionBase(config.baseUrl, PRIVACY_HOSTS, 'https://amplitude.com');
}

/** Maps one Segment event to an Amplitude HTTP V2 event, or says why it cannot be sent. */
export function toAmplitudeEvent(item: DeliveryItem): JsonObject | { refused: string } {
  const e = item.event;
  if (e.type === 'alias' || e.type === 'group') return { refused: `Amplitude has no ${e.type} call in the HTTP V2 API; ${e.type} events are not sent.` };
  const device = contextObject(e, 'device');
  const os = contextObject(e, 'os');
  const location = contextObject(e, 'location');
  const out: JsonObject = {
    event_type: e.type === 'identify' ? '$identify' : eventNameOf(e),
    time: epochMs(e),
    insert_id: item.messageId,
    library: 'sluice',
  };
  if (e.userId) out.user_id = e.userId;
  if (e.anonymousId) out.device_id = e.anonymousId;
  if (e.type === 'identify') out.user_properties = { $set: traitsOf(e) };
  else out.event_properties = e.type === 'track' ? propertiesOf(e) : pagePropertiesOf(e);
  const ip = contextString(e, 'ip');
  if (ip) out.ip = ip;
  const locale = contextString(e, 'locale');
  if (locale) out.language = locale;
  if (typeof os.name === 'string') out.os_name = os.name;
  if (typeof os.version === 'string') out.os_version = os.version;
  if (typeof device.model === 'string') out.device_model = device.model;
  if (typeof device.manufacturer === 'string') out.device_manufacturer = device.manufacturer;
  if (typeof location.country === 'string') out.country = location.country;
  if (typeof location.city === 'string') out.city = location.city;
  return out;
}

function isRefusal(value: JsonObject | { refused: string }): value is { refused: string } {
  return typeof (value as { refused?: unknown }).refused === 'string';
}

function indexesIn(value: unknown): number[] {
  if (!value || typeof value !== 'object') return [];
  return Object.values(value as Record<string, unknown>).flatMap((list) => (Array.isArray(list) ? list.filter((n): n is number => typeof n === 'number') : []));
}

export const amplitudeMapping: HttpMapping<AmplitudeConfig> = {
  plan(items, config) {
    const plan = emptyPlan();
    const url = joinUrl(ingestBase(config), '/2/httpapi');
    const options = config.minIdLength ? { min_id_length: config.minIdLength } : undefined;
    let batch: JsonObject[] = [];
    let indexes: number[] = [];
    let bytes = 0;
    const flush = () => {
      if (batch.length === 0) return;
      const body = JSON.stringify({ api_key: config.apiKey, events: batch, ...(options ? { options } : {}) });
      plan.requests.push({ request: { method: 'POST', url, headers: { 'content-type': 'application/json', accept: '*/*' }, body }, itemIndexes: indexes });
      batch = [];
      indexes = [];
      bytes = 0;
    };
    items.forEach((item, index) => {
      const mapped = toAmplitudeEvent(item);
      if (isRefusal(mapped)) {
        plan.refused.set(index, { reason: `unsupported:${item.event.type}`, error: mapped.refused });
        return;
      }
      const size = Buffer.byteLength(JSON.stringify(mapped)) + 1;
      if (batch.length >= MAX_EVENTS || bytes + size > MAX_BYTES - 200) flush();
      batch.push(mapped);
      indexes.push(index);
      bytes += size;
    });
    flush();
    return plan;
  },

  interpret(response, planned: PlannedRequest): DeliveryResult | DeliveryResult[] {
    const count = planned.itemIndexes.length;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(response.body) as Record<string, unknown>;
    } catch {
      // not JSON: fall back on the status
    }
    if (response.status === 400) {
      // Events listed as invalid are refused for good; Amplitude ingested none of the request, so resend the rest.
      const bad = new Set([...indexesIn(body.events_with_invalid_fields), ...indexesIn(body.events_with_missing_fields), ...indexesIn(body.silenced_events)]);
      const error = `Amplitude 400: ${String(body.error ?? response.body).slice(0, 300)}`;
      if (bad.size === 0) return { kind: 'abort', reason: 'http_400', error };
      return Array.from({ length: count }, (_, i) => (bad.has(i) ? { kind: 'abort', reason: 'invalid_event', error } : { kind: 'retry', reason: HELD_REASONS.batch, error: 'resent after Amplitude refused other events of the batch', afterMs: 0 }));
    }
    if (response.status === 429) {
      const throttled = Array.isArray(body.throttled_events) ? new Set((body.throttled_events as unknown[]).filter((n): n is number => typeof n === 'number')) : undefined;
      const error = `Amplitude 429: ${String(body.error ?? 'too many requests')}`;
      if (!throttled) return { kind: 'retry', reason: 'http_429', error, afterMs: THROTTLE_PAUSE_MS };
      return Array.from({ length: count }, (_, i) => (throttled.has(i) ? { kind: 'retry', reason: 'http_429', error, afterMs: THROTTLE_PAUSE_MS } : { kind: 'ok' }));
    }
    if (response.status === 413) return { kind: 'abort', reason: 'payload_too_large', error: 'Amplitude 413: the request was over its size limit.' };
    return classifyHttpStatus(response.status, response.headers, response.body);
  },

  secrets: (config) => [config.apiKey, ...(config.secretKey ? [config.secretKey] : [])],
};

/** Most ids one User Privacy API request takes (amplitude_ids and user_ids). */
const DELETION_IDS_PER_REQUEST = 100;

function chunks<T>(ids: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < ids.length; start += DELETION_IDS_PER_REQUEST) out.push(ids.slice(start, start + DELETION_IDS_PER_REQUEST));
  return out;
}

/** Amplitude: product analytics, HTTP V2 API; deletion through the User Privacy API (asynchronous job). */
export const amplitude: DestinationType<AmplitudeConfig> = {
  type: 'amplitude',
  displayName: 'Amplitude',
  configSchema: AmplitudeConfigSchema,
  secretFields: ['apiKey', 'secretKey'],
  urlFields: ['baseUrl', 'deletionBaseUrl'],
  maxBatchSize: 500,
  deliver: (items, config, context) => deliverHttp(amplitudeMapping, items, config, context),
  preview: async (items, config) => previewHttp(amplitudeMapping, items, config),

  async deleteSubject(subject, config, context): Promise<DeletionResult> {
    if (!config.secretKey) return { kind: 'not_supported', reason: 'Amplitude deletion needs the project secret key (config.secretKey).' };
    const base = privacyBase(config);
    const authorization = basicAuth(config.apiKey, config.secretKey);
    // Devices Amplitude knows only anonymously are deleted by the Amplitude id its user search finds for them.
    const devices = await lookUpDevices(subject.anonymousIds, subject.userIds, base, authorization, context);
    if ('kind' in devices) return devices;
    const batches = [
      ...chunks(subject.userIds).map((ids) => ({ user_ids: ids })),
      ...chunks(devices.amplitudeIds).map((ids) => ({ amplitude_ids: ids })),
    ];
    const notDeleted = devices.linkedToOthers.map((d) => `device ${d.anonymousId} belongs in Amplitude to user_id "${d.userId}", which this request does not name`);
    if (batches.length === 0) {
      if (notDeleted.length > 0) return { kind: 'failed', error: `Nothing deleted in Amplitude: ${notDeleted.join('; ')}. If that is the same person, delete that user in Amplitude by hand.` };
      return { kind: 'deleted', count: 0, detail: `Amplitude has no user under this subject's ${subject.anonymousIds.length} anonymous id(s): nothing to delete` };
    }
    let job: { day?: string; status?: string } | undefined;
    // The User Privacy API takes at most 100 ids a request; every request joins the same day's job.
    for (const ids of batches) {
      const response = await context.http.send({
        method: 'POST',
        url: joinUrl(base, '/api/2/deletions/users'),
        headers: { 'content-type': 'application/json', authorization },
        // ignore_invalid_ids (plural, as documented): a user_id the project never saw does not refuse the others.
        // Booleans as "True"/"False" text, as the API reads them; the project of the API key only.
        body: JSON.stringify({ ...ids, requester: `sluice:${subject.requestId}`, ignore_invalid_ids: 'True', delete_from_org: 'False' }),
      });
      const failure = deletionFailure(response.status, response.headers, response.body);
      if (failure) return failure;
      // The answer lists deletion jobs by the day they will run: [{day, status, amplitude_ids, ...}].
      const jobs = JSON.parse(response.body || '[]') as { day?: string; status?: string }[];
      job ??= Array.isArray(jobs) ? jobs[0] : undefined;
    }
    const jobId = job?.day ?? 'unknown';
    if (notDeleted.length > 0) {
      // The rest is on its way, but the privacy team must look at what was left: a failure lists it for follow-up.
      return { kind: 'failed', error: `Amplitude deletion job ${jobId} submitted for the rest, but not deleted: ${notDeleted.join('; ')}. If that is the same person, delete that user in Amplitude by hand.` };
    }
    return { kind: 'submitted', jobId, status: job?.status ?? 'staging' };
  },

  /** Reads the deletion jobs of the job's day; Amplitude reports staging, submitted, then done. */
  async deletionStatus(jobId, config, context): Promise<DeletionResult> {
    if (!config.secretKey) return { kind: 'not_supported', reason: 'Amplitude deletion status needs config.secretKey.' };
    const base = privacyBase(config);
    const response = await context.http.send({
      method: 'GET',
      url: joinUrl(base, `/api/2/deletions/users?start_day=${encodeURIComponent(jobId)}&end_day=${encodeURIComponent(jobId)}`),
      headers: { authorization: basicAuth(config.apiKey, config.secretKey) },
    });
    const failure = deletionFailure(response.status, response.headers, response.body);
    if (failure) return failure;
    const jobs = JSON.parse(response.body || '[]') as { day?: string; status?: string }[];
    const job = Array.isArray(jobs) ? jobs.find((j) => j.day === jobId) : undefined;
    if (!job) return { kind: 'failed', error: `Amplitude lists no deletion job for ${jobId}` };
    return job.status === 'done' ? { kind: 'deleted', detail: `Amplitude deletion job of ${jobId} is done` } : { kind: 'submitted', jobId, status: job.status ?? 'unknown' };
  },
};
