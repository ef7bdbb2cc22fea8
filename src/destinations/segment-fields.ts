import type { JsonObject, JsonValue, SegmentEvent } from '../protocol/segment-event.js';

/** Readers of the Segment Spec fields every catalog mapping needs, in one place. */

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `traits` of identify/group, else `context.traits` (where Segment's libraries keep known traits). */
export function traitsOf(event: SegmentEvent): JsonObject {
  if (isObject(event.traits)) return event.traits;
  const contextTraits = event.context.traits;
  return isObject(contextTraits) ? contextTraits : {};
}

export function propertiesOf(event: SegmentEvent): JsonObject {
  return isObject(event.properties) ? event.properties : {};
}

export function contextObject(event: SegmentEvent, key: string): JsonObject {
  const value = event.context[key];
  return isObject(value) ? value : {};
}

export function contextString(event: SegmentEvent, ...path: string[]): string | undefined {
  let value: JsonValue | undefined = event.context;
  for (const key of path) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return typeof value === 'string' ? value : undefined;
}

/** The email of the person, from traits (or context.traits), if any. */
export function emailOf(event: SegmentEvent): string | undefined {
  const email = traitsOf(event).email;
  return typeof email === 'string' && email.includes('@') ? email : undefined;
}

export function epochMs(event: SegmentEvent): number {
  return Date.parse(event.timestamp);
}

/**
 * A human event name for tools that only know "events": the track name, or `Viewed <name> Page` /
 * `Viewed <name> Screen` (Segment's convention for page and screen calls), `Viewed Page` without a name.
 */
export function eventNameOf(event: SegmentEvent): string {
  switch (event.type) {
    case 'track':
      return event.event ?? 'Unnamed event';
    case 'page':
      return event.name ? `Viewed ${event.name} Page` : 'Viewed Page';
    case 'screen':
      return event.name ? `Viewed ${event.name} Screen` : 'Viewed Screen';
    default:
      return event.type;
  }
}

/** Properties of page/screen calls with their name, as tools expect them. */
export function pagePropertiesOf(event: SegmentEvent): JsonObject {
  const properties = propertiesOf(event);
  return event.name ? { name: event.name, ...properties } : properties;
}
