import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue, SegmentEvent } from '../protocol/segment-event.js';
import type { FqlNode, FqlPosition } from './fql/index.js';
import { checkFqlForSaving, evaluateFql, parseFql } from './fql/index.js';

export const FILTER_ACTIONS = ['drop', 'sample', 'drop_properties', 'allow_properties'] as const;
export type FilterAction = (typeof FILTER_ACTIONS)[number];

/**
 * A destination filter, as Segment's: when `if` (FQL) matches an event, apply `action`. Optionally a `name` (what
 * the filter is for, shown in the delivery log's reason for a drop and in the console) and `enabled` (false keeps a
 * filter saved without applying it, as Segment's filters can be switched off; absent means on):
 * - `drop`: the event does not go to this destination;
 * - `sample`: only `percent`% of the matching events go (chosen by a hash of messageId, so retries and
 *   replays make the same choice, and two destinations sampling 10% get the same 10%);
 * - `drop_properties`: remove the listed fields;
 * - `allow_properties`: keep only the listed fields of `properties` and `traits`.
 *
 * `properties` entries are paths: `properties.x`, `traits.x`, `context.x` (drop only) name one field;
 * a bare name (`email`, `product.name`) means that field in both `properties` and `traits`.
 *
 * @example
 *   { if: 'event = "Order Completed"', action: 'drop_properties', properties: ['context.ip', 'email'] }
 *   { if: 'type = "page"', action: 'sample', percent: 10 }
 */
export interface DestinationFilter {
  readonly if: string;
  readonly action: FilterAction;
  readonly percent?: number;
  readonly properties?: readonly string[];
  readonly name?: string;
  readonly enabled?: boolean;
}

/** The longest filter name taken. */
export const MAX_FILTER_NAME = 100;

/** A problem with one filter; `path` names the field (`filters[2].if`), `position` where in the FQL. */
export interface FilterProblem {
  readonly path: string;
  readonly message: string;
  readonly position?: FqlPosition;
}

export type FilterDecision =
  | { readonly kind: 'continue'; readonly event: SegmentEvent }
  | { readonly kind: 'drop'; readonly reason: 'filter'; readonly filterIndex: number; readonly message: string };

export const MAX_FILTERS = 50;
const ROOTS = ['properties', 'traits', 'context'] as const;
const FIELDS = new Set(['if', 'action', 'percent', 'properties', 'name', 'enabled']);

/**
 * Checks filters as the API receives them (unknown shape). Returns every problem, each naming its field and,
 * for FQL, the line and column of the error (empty when fine).
 */
export function validateFilters(filters: unknown, path = 'filters'): FilterProblem[] {
  if (!Array.isArray(filters)) return [{ path, message: `${path} must be a list of filters ({"if": "<FQL>", "action": "drop"}).` }];
  if (filters.length > MAX_FILTERS) return [{ path, message: `${path} has ${filters.length} filters; the limit is ${MAX_FILTERS}.` }];
  const problems: FilterProblem[] = [];
  filters.forEach((filter: unknown, index) => {
    const at = `${path}[${index}]`;
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
      problems.push({ path: at, message: `${at} must be an object with "if" and "action".` });
      return;
    }
    const f = filter as Record<string, unknown>;
    for (const key of Object.keys(f)) {
      if (!FIELDS.has(key)) problems.push({ path: `${at}.${key}`, message: `${at}.${key} is not a filter field: expected if, action, percent, properties, name or enabled.` });
    }
    if (f.name !== undefined && (typeof f.name !== 'string' || f.name.trim() === '' || f.name.length > MAX_FILTER_NAME)) {
      problems.push({ path: `${at}.name`, message: `${at}.name must be a non-empty text of at most ${MAX_FILTER_NAME} characters (what the filter is for), or left out.` });
    }
    if (f.enabled !== undefined && typeof f.enabled !== 'boolean') {
      problems.push({ path: `${at}.enabled`, message: `${at}.enabled must be true or false (false keeps the filter without applying it), or left out.` });
    }
    if (typeof f.if !== 'string') {
      problems.push({ path: `${at}.if`, message: `${at}.if must be an FQL expression as a string, e.g. "event = \\"Order Completed\\"".` });
    } else {
      const parsed = parseFql(f.if);
      const error = parsed.ok ? checkFqlForSaving(f.if, parsed.ast) : parsed.error;
      if (error) problems.push({ path: `${at}.if`, message: `${at}.if is not valid FQL: ${error.message}.`, position: error.position });
    }
    const action = f.action;
    if (typeof action !== 'string' || !(FILTER_ACTIONS as readonly string[]).includes(action)) {
      problems.push({ path: `${at}.action`, message: `${at}.action must be one of ${FILTER_ACTIONS.join(', ')}.` });
      return;
    }
    if (action === 'sample') {
      if (typeof f.percent !== 'number' || !Number.isFinite(f.percent) || f.percent < 0 || f.percent > 100) {
        problems.push({ path: `${at}.percent`, message: `${at}.percent must be a number from 0 to 100 (the share of matching events to keep).` });
      }
    } else if (f.percent !== undefined) {
      problems.push({ path: `${at}.percent`, message: `${at}.percent only applies to the sample action.` });
    }
    if (action === 'drop_properties' || action === 'allow_properties') {
      const list = f.properties;
      if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string' && p.trim() !== '')) {
        problems.push({ path: `${at}.properties`, message: `${at}.properties must be a non-empty list of field names (e.g. ["email", "context.ip"]).` });
      } else if (action === 'allow_properties') {
        list.forEach((p: string, i) => {
          if (p.startsWith('context.')) {
            problems.push({ path: `${at}.properties[${i}]`, message: `${at}.properties[${i}]: allow_properties keeps fields of properties and traits; remove context fields with drop_properties.` });
          }
        });
      }
    } else if (f.properties !== undefined) {
      problems.push({ path: `${at}.properties`, message: `${at}.properties only applies to drop_properties and allow_properties.` });
    }
  });
  return problems;
}

const astCache = new Map<string, FqlNode>();

function compiled(text: string): FqlNode {
  let ast = astCache.get(text);
  if (!ast) {
    const parsed = parseFql(text);
    // Filters are validated when saved; reaching this is a bug (e.g. a row edited by hand).
    if (!parsed.ok) throw new Error(`Invalid stored destination filter ${JSON.stringify(text)}: ${parsed.error.message}`);
    ast = parsed.ast;
    if (astCache.size > 5000) astCache.clear();
    astCache.set(text, ast);
  }
  return ast;
}

/**
 * Applies a destination's filters in order. Every `if` is evaluated against the event as it arrived (so a
 * filter removing a field does not change which later filters match); the first `drop` or losing `sample`
 * drops the event; property actions accumulate on a copy (the input event is never modified).
 */
export function applyFilters(event: SegmentEvent, filters: readonly DestinationFilter[]): FilterDecision {
  let out: SegmentEvent = event;
  let copied = false;
  for (let index = 0; index < filters.length; index++) {
    const filter = filters[index] as DestinationFilter;
    if (filter.enabled === false || !evaluateFql(compiled(filter.if), event)) continue;
    switch (filter.action) {
      case 'drop':
        return { kind: 'drop', reason: 'filter', filterIndex: index, message: `Dropped by ${filterLabel(filter, index)} (${filter.if}).` };
      case 'sample':
        if (sampleBucket(event.messageId) >= (filter.percent ?? 100)) {
          return { kind: 'drop', reason: 'filter', filterIndex: index, message: `Not in the ${filter.percent ?? 100}% sample of ${filterLabel(filter, index)} (${filter.if}).` };
        }
        break;
      case 'drop_properties':
      case 'allow_properties':
        if (!copied) {
          out = structuredClone(event);
          copied = true;
        }
        if (filter.action === 'drop_properties') dropFields(out, filter.properties ?? []);
        else allowFields(out, filter.properties ?? []);
        break;
    }
  }
  return { kind: 'continue', event: out };
}

/** How a drop names its filter: by its place counted from 1, as the console numbers them, and its name if it has one. */
function filterLabel(filter: DestinationFilter, index: number): string {
  return filter.name === undefined ? `filter ${index + 1}` : `filter ${index + 1} ${JSON.stringify(filter.name)}`;
}

/** A stable number in [0, 100) from the messageId: the same event always lands in the same bucket. */
export function sampleBucket(messageId: string): number {
  const digest = createHash('sha256').update(messageId).digest();
  return (digest.readUInt32BE(0) / 0x1_0000_0000) * 100;
}

/** `properties.x` -> [['properties', 'x']]; a bare `x.y` -> properties.x.y and traits.x.y. */
function targets(field: string): string[][] {
  const segments = field.split('.');
  if ((ROOTS as readonly string[]).includes(segments[0] as string) && segments.length > 1) return [segments];
  return [['properties', ...segments], ['traits', ...segments]];
}

function dropFields(event: SegmentEvent, fields: readonly string[]): void {
  for (const field of fields) {
    for (const segments of targets(field)) {
      let parent: JsonValue | undefined = event as unknown as JsonObject;
      for (const segment of segments.slice(0, -1)) {
        parent = parent !== null && typeof parent === 'object' && !Array.isArray(parent) ? parent[segment] : undefined;
      }
      if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) delete parent[segments.at(-1) as string];
    }
  }
}

type KeepTree = Map<string, KeepTree | true>;

function allowFields(event: SegmentEvent, fields: readonly string[]): void {
  const trees = new Map<string, KeepTree>([['properties', new Map()], ['traits', new Map()]]);
  for (const field of fields) {
    for (const [root, ...rest] of targets(field)) {
      let tree = trees.get(root as string);
      for (let i = 0; tree && i < rest.length; i++) {
        const segment = rest[i] as string;
        const node = tree.get(segment);
        if (i === rest.length - 1) {
          tree.set(segment, true);
        } else if (node === true) {
          tree = undefined; // a parent is already kept whole
        } else {
          const child: KeepTree = node ?? new Map();
          tree.set(segment, child);
          tree = child;
        }
      }
    }
  }
  for (const [root, tree] of trees) {
    const value = event[root];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) event[root] = keep(value, tree);
  }
}

function keep(object: JsonObject, tree: KeepTree): JsonObject {
  const out: JsonObject = {};
  for (const [key, rule] of tree) {
    if (!Object.hasOwn(object, key)) continue;
    const value = object[key] as JsonValue;
    if (rule === true) out[key] = value;
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) out[key] = keep(value, rule);
  }
  return out;
}
