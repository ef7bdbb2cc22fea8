import type { JsonObject } from '../../protocol/segment-event.js';
import type { OutboundResponse } from '../destination.js';
import { textBody, type PlannedRequest, type Resend } from '../http/http-mapping.js';

/**
 * HubSpot refuses a contact (or a behavioral event) that names a property the account does not define
 * (`PROPERTY_DOESNT_EXIST`): a batch upsert answers 400 for the whole batch, or 207 naming the refused inputs in
 * `context.ids`, and the message quotes each missing property (`Property "shoe_size" does not exist`, also inside
 * the JSON of "Property values were not valid: [...]", or in `errors[].context.propertyName`). The known
 * properties should still arrive: the refused inputs are sent once more without the missing ones, and the
 * delivery log says which were left out and how to create them.
 */

type Input = JsonObject & { id?: string; email?: string; properties?: JsonObject };
type ErrorBody = {
  message?: string;
  category?: string;
  errors?: { message?: string; code?: string; context?: { ids?: string[]; propertyName?: string[] } }[];
};

const MISSING = /Property \\*"([^"\\]+)\\*" does not exist/g;

/** The property names an error text says do not exist. */
function missingIn(text: string): string[] {
  return [...text.matchAll(MISSING)].map((m) => m[1]!);
}

function readBody(response: OutboundResponse): ErrorBody {
  try {
    const body = JSON.parse(response.body) as unknown;
    return typeof body === 'object' && body !== null ? (body as ErrorBody) : {};
  } catch {
    return {};
  }
}

/** Missing property names per refused input id (lowercased), or `all` for a batch refused as a whole. */
function refusals(response: OutboundResponse): Map<string, Set<string>> | Set<string> | undefined {
  if (response.status !== 400 && response.status !== 207) return undefined;
  if (!response.body.includes('PROPERTY_DOESNT_EXIST') && missingIn(response.body).length === 0) return undefined;
  const body = readBody(response);
  if (response.status === 400) {
    const names = new Set(missingIn(response.body));
    for (const error of body.errors ?? []) {
      if (error.code === 'PROPERTY_DOESNT_EXIST') for (const name of error.context?.propertyName ?? []) names.add(name);
    }
    return names.size > 0 ? names : undefined;
  }
  const byId = new Map<string, Set<string>>();
  for (const error of body.errors ?? []) {
    const names = missingIn(error.message ?? '');
    if (error.code === 'PROPERTY_DOESNT_EXIST') names.push(...(error.context?.propertyName ?? []));
    if (names.length === 0) continue;
    for (const id of error.context?.ids ?? []) byId.set(id.toLowerCase(), new Set([...(byId.get(id.toLowerCase()) ?? []), ...names]));
  }
  return byId.size > 0 ? byId : undefined;
}

function howToCreate(url: string): string {
  return url.includes('/events/')
    ? 'add them to the custom event in HubSpot (Data Management > Custom Events > the event > Properties)'
    : 'create them in HubSpot (Settings > Properties > Contact properties, with these internal names)';
}

/** The refused inputs of `planned` without the properties HubSpot said it does not have, or undefined. */
export function resendWithoutMissingProperties(response: OutboundResponse, planned: PlannedRequest): Resend | undefined {
  const refused = refusals(response);
  if (!refused) return undefined;
  const body = JSON.parse(textBody(planned.request) || '{}') as { inputs?: Input[] };
  const inputs = body.inputs ?? [];
  const kept: Input[] = [];
  const itemIndexes: number[] = [];
  const notes: (string | undefined)[] = [];
  inputs.forEach((input, position) => {
    const missing = refused instanceof Map ? refused.get(String(input.id ?? input.email ?? '').toLowerCase()) : refused;
    if (!missing) return;
    const properties: JsonObject = {};
    const left: string[] = [];
    for (const [name, value] of Object.entries(input.properties ?? {})) {
      if (missing.has(name)) left.push(name);
      else properties[name] = value;
    }
    // A 207 refusal of an input that names none of its properties is not ours to fix: it stands.
    if (refused instanceof Map && left.length === 0) return;
    kept.push({ ...input, properties });
    itemIndexes.push(planned.itemIndexes[position]!);
    notes.push(left.length === 0 ? undefined : `sent without ${left.map((n) => `"${n}"`).join(', ')}: HubSpot has no such propert${left.length === 1 ? 'y' : 'ies'}; to receive ${left.length === 1 ? 'it' : 'them'}, ${howToCreate(planned.request.url)} and replay these events`);
  });
  if (kept.length === 0) return undefined;
  return { request: { request: { ...planned.request, body: JSON.stringify({ ...body, inputs: kept }) }, itemIndexes }, reason: 'properties_left_out', notes };
}
