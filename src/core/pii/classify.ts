import type { JsonValue } from '../../protocol/segment-event.js';
import type { PiiLevel } from '../privacy/pii-field.js';
import { detectKey } from './key-matchers.js';
import { detectValue, type Detection } from './value-detectors.js';

/** A custom matcher of a workspace: a key (exact, case-insensitive) or a key/value regular expression. */
export interface CustomMatcher {
  target: 'key' | 'value';
  /** Exact key (case-insensitive) or, with `regex: true`, a regular expression. */
  pattern: string;
  regex?: boolean;
  level: PiiLevel;
  label: string;
}

/** One classified field of an event. */
export interface ClassifiedField {
  /** Dotted path; array items collapse to `[]` (`properties.items[].email`). */
  path: string;
  level: PiiLevel;
  label: string | null;
  detectedBy: 'key' | 'value' | 'custom' | 'none';
}

const RANK: Record<PiiLevel, number> = { none: 0, yellow: 1, sensitive: 2, red: 3 };
const ROOTS = ['properties', 'traits', 'context'] as const;
const MAX_FIELDS = 2000;

/** A reviewer's classifications of a workspace's fields, by `sourceId + "\u0000" + path` (`PiiInventoryRepository.reviewed`). */
export type FieldReviews = ReadonlyMap<string, { level: PiiLevel; label: string | null }>;

/** A source's classified fields with the reviewers' classifications in place of the detected ones. */
export function withReviews(fields: ClassifiedField[], sourceId: string, reviewed: FieldReviews): ClassifiedField[] {
  if (reviewed.size === 0) return fields;
  return fields.map((f) => {
    const review = reviewed.get(`${sourceId}\u0000${f.path}`);
    return review ? { ...f, level: review.level, label: review.label } : f;
  });
}

export interface CompiledMatchers {
  key: { test: (key: string) => boolean; detection: Detection }[];
  value: { test: (value: string) => boolean; detection: Detection }[];
}

/** Compiles custom matchers once (invalid regular expressions are rejected by the policy validator). */
export function compileMatchers(matchers: readonly CustomMatcher[]): CompiledMatchers {
  const out: CompiledMatchers = { key: [], value: [] };
  for (const m of matchers) {
    const detection = { level: m.level, label: m.label };
    const test = m.regex ? ((re) => (s: string) => re.test(s))(new RegExp(m.pattern, 'i')) : (s: string) => s.toLowerCase() === m.pattern.toLowerCase();
    out[m.target].push({ test, detection });
  }
  return out;
}

/**
 * One field path as the classifier meets it: the path string and what the key alone says, worked out once per
 * path (events repeat the same few hundred paths) instead of once per field of every event. A tree that
 * mirrors the events' shape, so finding a child costs a lookup of its key rather than building its path.
 */
interface PathNode {
  readonly path: string;
  readonly key: string;
  /** detectKey(key, path): pure, so cached. */
  readonly byKey: Detection | undefined;
  /** Values under a key ending in `version` are never IP addresses (`1.2.3.4` library versions). */
  readonly ipOptions: { ip: boolean };
  children?: Map<string, PathNode>;
  items?: PathNode;
  /**
   * The last value at this path in which detectValue (pure) found nothing: such values repeat from event to
   * event (versions, user agents, URLs). Values it flags are not kept, nor long ones.
   */
  lastClean?: string;
  /** This path's field when nothing classifies it (most fields): one shared, frozen object instead of one per event. */
  none?: ClassifiedField;
}

const IP_ON = Object.freeze({ ip: true });
const IP_OFF = Object.freeze({ ip: false });
/** Bound of the path tree (distinct paths seen); past it the tree starts over. */
const MAX_PATH_NODES = 50_000;
let pathNodes = 0;
let rootNodes = new Map<string, PathNode>();

function pathNode(path: string, key: string): PathNode {
  pathNodes++;
  return { path, key, byKey: detectKey(key, path), ipOptions: /version$/i.test(key) ? IP_OFF : IP_ON };
}

function childNode(parent: PathNode, key: string): PathNode {
  let children = parent.children;
  if (!children) parent.children = children = new Map();
  let node = children.get(key);
  if (!node) children.set(key, (node = pathNode(`${parent.path}.${key}`, key)));
  return node;
}

function itemsNode(parent: PathNode): PathNode {
  return (parent.items ??= pathNode(`${parent.path}[]`, parent.key));
}

function rootNode(root: string): PathNode {
  if (pathNodes > MAX_PATH_NODES) {
    rootNodes = new Map();
    pathNodes = 0;
  }
  let node = rootNodes.get(root);
  if (!node) rootNodes.set(root, (node = { path: root, key: root, byKey: undefined, ipOptions: IP_ON }));
  return node;
}

function stronger(a: Detection | undefined, b: Detection | undefined): Detection | undefined {
  if (!a) return b;
  if (!b) return a;
  return RANK[b.level] > RANK[a.level] ? b : a;
}

/**
 * Classifies every leaf field under `properties`, `traits` and `context` by key (Segment's default
 * matchers, the sensitive-category vocabulary, path-aware), by value (detectors) and by the workspace's
 * custom matchers; the strongest classification wins. Pure. Leaves whose path is classified `none` are
 * listed too (the inventory records every field seen).
 */
export function classifyEvent(event: { properties?: JsonValue; traits?: JsonValue; context?: JsonValue }, custom?: CompiledMatchers): ClassifiedField[] {
  const fields = new Map<string, ClassifiedField>();
  const visit = (value: JsonValue | undefined, node: PathNode, inherited: Detection | undefined, depth: number) => {
    if (fields.size >= MAX_FIELDS || depth > 20 || value === undefined) return;
    const { path, key } = node;
    let byKey: Detection | undefined;
    let by: ClassifiedField['detectedBy'] = 'none';
    const keyDetection = node.byKey;
    if (keyDetection) {
      byKey = keyDetection;
      by = 'key';
    }
    if (custom) {
      for (const m of custom.key) {
        if (m.test(key)) {
          const s = stronger(byKey, m.detection);
          if (s !== byKey) by = 'custom';
          byKey = s;
        }
      }
    }
    const context = stronger(inherited, byKey);
    if (value !== null && typeof value === 'object') {
      if (Array.isArray(value)) {
        const items = itemsNode(node);
        for (const item of value) visit(item, items, context, depth + 1);
      } else {
        for (const k of Object.keys(value)) visit(value[k], childNode(node, k), context, depth + 1);
      }
      return;
    }
    let detection = context;
    if (context !== byKey && context) by = 'key';
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value);
      let byValue: Detection | undefined;
      if (text !== node.lastClean) {
        byValue = detectValue(text, node.ipOptions);
        if (byValue === undefined && text.length <= 2000) node.lastClean = text;
      }
      const s = stronger(detection, byValue);
      if (s !== detection) by = 'value';
      detection = s;
      if (custom) {
        for (const m of custom.value) {
          if (m.test(text)) {
            const t = stronger(detection, m.detection);
            if (t !== detection) by = 'custom';
            detection = t;
          }
        }
      }
    }
    const current = fields.get(path);
    const next: ClassifiedField = detection ? { path, level: detection.level, label: detection.label, detectedBy: by } : (node.none ??= Object.freeze({ path, level: 'none', label: null, detectedBy: 'none' }));
    if (!current || RANK[next.level] > RANK[current.level]) fields.set(path, next);
  };
  for (const root of ROOTS) {
    const value = event[root];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const node = rootNode(root);
      for (const k of Object.keys(value)) visit(value[k], childNode(node, k), undefined, 1);
    }
  }
  return [...fields.values()];
}
