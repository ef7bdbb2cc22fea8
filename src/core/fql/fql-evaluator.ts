import type { JsonValue } from '../../protocol/segment-event.js';
import type { FqlNode } from './fql-ast.js';

/** A value during evaluation: JSON, or undefined for a path that does not exist (compares like null). */
export type FqlValue = JsonValue | undefined;

/**
 * Evaluates a parsed FQL expression against an event (any JSON object). Pure and total: it never throws,
 * whatever the event holds. Rules:
 * - a missing field is `null`; `=`/`!=`/`in` compare strings, numbers, booleans and null exactly (no
 *   coercion: `"1" != 1`); objects and lists are never equal to a literal;
 * - `<`, `<=`, `>`, `>=` compare two numbers or two strings, and are false otherwise;
 * - `and`, `or`, `!` and a bare operand treat only `true` as true (`properties.vip` matches when it is `true`);
 * - `x in [..]` is membership in the literal list, `x in properties.features` in a list the event holds;
 * - `contains(s, x)` is substring for strings and membership for lists; `match(s, glob)` matches the whole
 *   string with `*` (any run), `?` (one character), `[abc]` / `[a-z]` (one of) and `\` (escape);
 *   `lowercase(s)` lowercases strings (null otherwise); `length(x)` counts characters of a string or items of
 *   a list, 0 for null or a missing field (null for other values);
 *   `typeof(x)` is `string`, `number`, `boolean`, `null`, `list` or `object`.
 *
 * @example
 *   const parsed = parseFql('match(event, "Order *") and properties.total > 100');
 *   if (parsed.ok) evaluateFql(parsed.ast, event); // true or false
 */
export function evaluateFql(ast: FqlNode, subject: Readonly<Record<string, unknown>>): boolean {
  return evaluate(ast, subject as JsonValue) === true;
}

function evaluate(node: FqlNode, subject: JsonValue): FqlValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return resolvePath(subject, node.segments);
    case 'not':
      return evaluate(node.operand, subject) !== true;
    case 'and':
      return evaluate(node.left, subject) === true && evaluate(node.right, subject) === true;
    case 'or':
      return evaluate(node.left, subject) === true || evaluate(node.right, subject) === true;
    case 'in': {
      const value = evaluate(node.value, subject);
      return node.list.some((item) => equals(value, evaluate(item, subject)));
    }
    case 'in_field': {
      const value = evaluate(node.value, subject);
      const list = evaluate(node.list, subject);
      return Array.isArray(list) && list.some((item) => equals(value, item));
    }
    case 'compare': {
      const left = evaluate(node.left, subject);
      const right = evaluate(node.right, subject);
      switch (node.op) {
        case '=':
          return equals(left, right);
        case '!=':
          return !equals(left, right);
        default:
          return order(node.op, left, right);
      }
    }
    case 'call':
      return call(node.name, node.args.map((arg) => evaluate(arg, subject)));
  }
}

/** Follows `properties.product.name` (and list indices such as `properties.items.0`) through the subject. */
export function resolvePath(subject: FqlValue, segments: readonly string[]): FqlValue {
  let current: FqlValue = subject;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (current !== null && typeof current === 'object') {
      current = Object.hasOwn(current, segment) ? current[segment] : undefined;
    } else {
      return undefined;
    }
  }
  return current;
}

function equals(a: FqlValue, b: FqlValue): boolean {
  const left = a === undefined ? null : a;
  const right = b === undefined ? null : b;
  if (left === null || typeof left !== 'object') return left === right;
  return false;
}

function order(op: '<' | '<=' | '>' | '>=', a: FqlValue, b: FqlValue): boolean {
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function call(name: string, args: FqlValue[]): FqlValue {
  const [first, second] = args;
  switch (name) {
    case 'contains':
      if (typeof first === 'string' && typeof second === 'string') return first.includes(second);
      if (Array.isArray(first)) return first.some((item) => equals(item, second));
      return false;
    case 'match':
      return typeof first === 'string' && typeof second === 'string' && globMatch(first, second);
    case 'lowercase':
      return typeof first === 'string' ? first.toLowerCase() : null;
    case 'length':
      // Segment: `length(null)` is 0, so `length(properties.coupon) = 0` holds for a missing field too.
      if (first === undefined || first === null) return 0;
      // Characters, not UTF-16 units: an emoji counts 1 (Segment counts UTF-8 bytes; ASCII counts the same).
      if (typeof first === 'string') return Array.from(first).length;
      return Array.isArray(first) ? first.length : null;
    case 'typeof':
      return typeOf(first);
    default:
      return null;
  }
}

function typeOf(value: FqlValue): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** One element of a glob: a literal character, `*`, `?`, or a class such as `[abc]`, `[a-z]`, `[^0-9]`. */
type GlobToken =
  | { readonly kind: 'lit'; readonly ch: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'one' }
  | { readonly kind: 'class'; readonly negate: boolean; readonly ranges: ReadonlyArray<readonly [string, string]> };

/**
 * Whole-string glob match, as Segment's `match()`: `*` any run of characters, `?` exactly one, `[abc]` one of
 * those, `[a-z]` one in that range (`[^...]` or `[!...]` one not in it; `\]` inside for a literal `]`), and
 * `\x` a literal x. A `[` with no closing `]` is a literal `[`. The greedy two-pointer algorithm with one
 * backtrack point runs in O(text * pattern), so no pattern can blow up.
 */
export function globMatch(text: string, glob: string): boolean {
  const t = Array.from(text);
  const p = globTokens(Array.from(glob));
  const accepts = (tok: GlobToken | undefined, ch: string): boolean => {
    if (!tok) return false;
    if (tok.kind === 'one') return true;
    if (tok.kind === 'lit') return tok.ch === ch;
    if (tok.kind === 'class') return tok.ranges.some(([lo, hi]) => lo <= ch && ch <= hi) !== tok.negate;
    return false;
  };
  let ti = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    const tok = p[pi];
    if (accepts(tok, t[ti] as string)) {
      ti++;
      pi++;
    } else if (tok && tok.kind === 'any') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi]?.kind === 'any') pi++;
  return pi === p.length;
}

function globTokens(g: readonly string[]): GlobToken[] {
  const p: GlobToken[] = [];
  for (let i = 0; i < g.length; i++) {
    const ch = g[i] as string;
    if (ch === '\\' && i + 1 < g.length) p.push({ kind: 'lit', ch: g[++i] as string });
    else if (ch === '*') p.push({ kind: 'any' });
    else if (ch === '?') p.push({ kind: 'one' });
    else if (ch === '[') {
      const parsed = globClass(g, i + 1);
      if (parsed) {
        p.push(parsed.token);
        i = parsed.end;
      } else p.push({ kind: 'lit', ch });
    } else p.push({ kind: 'lit', ch });
  }
  return p;
}

/** The class starting after a `[` at `start`, and the index of its `]`; undefined when it is never closed. */
function globClass(g: readonly string[], start: number): { token: GlobToken; end: number } | undefined {
  let i = start;
  const negate = g[i] === '^' || g[i] === '!';
  if (negate) i++;
  const ranges: Array<[string, string]> = [];
  for (; i < g.length; i++) {
    let lo = g[i] as string;
    if (lo === ']' && ranges.length > 0) return { token: { kind: 'class', negate, ranges }, end: i };
    if (lo === '\\' && i + 1 < g.length) lo = g[++i] as string;
    let hi = lo;
    if (g[i + 1] === '-' && i + 2 < g.length && g[i + 2] !== ']') {
      hi = g[i + 2] as string;
      i += 2;
      if (hi === '\\' && i + 1 < g.length) hi = g[++i] as string;
    }
    ranges.push([lo, hi]);
  }
  return undefined;
}
