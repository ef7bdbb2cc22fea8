/**
 * Segment's warehouse naming: every table and column name is the snake_case of the source name
 * (`Order Completed` -> `order_completed`, `productName` -> `product_name`), nested objects are flattened
 * with `_` (`product.name` -> `product_name`), and names are cut to PostgreSQL's 63-byte limit.
 */
const MAX_IDENTIFIER_BYTES = 63;

const snakeCache = new Map<string, string>();

export function snakeCase(name: string): string {
  const cached = snakeCache.get(name);
  if (cached !== undefined) return cached;
  const result = computeSnakeCase(name);
  if (snakeCache.size > 50_000) snakeCache.clear();
  snakeCache.set(name, result);
  return result;
}

function computeSnakeCase(name: string): string {
  const snake = name
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1_$2')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
  const safe = snake === '' ? '_' : /^\p{N}/u.test(snake) ? `_${snake}` : snake;
  return truncateIdentifier(safe);
}

/** Cuts a name to 63 UTF-8 bytes (or `maxBytes`) without splitting a character. */
export function truncateIdentifier(name: string, maxBytes = MAX_IDENTIFIER_BYTES): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short names need no byte count (this runs for every column of every row).
  if (name.length * 3 <= maxBytes || Buffer.byteLength(name) <= maxBytes) return name;
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}

/**
 * The name of the text column beside `column` that takes values its type cannot hold: `<column>_text`, the
 * column's name cut so the suffix fits in 63 bytes (a name already 63 bytes long would otherwise be cut back to
 * itself), and `_text2`, `_text3`, ... for the `attempt`s after the first.
 */
export function textSiblingName(column: string, attempt = 1): string {
  const suffix = attempt === 1 ? '_text' : `_text${attempt}`;
  return `${truncateIdentifier(column, MAX_IDENTIFIER_BYTES - suffix.length)}${suffix}`;
}

/** Tables every schema has; a track event whose name maps onto one of them gets the suffix `_event`. */
export const STANDARD_TABLES = new Set(['tracks', 'identifies', 'users', 'pages', 'screens', 'groups', 'aliases', 'accounts']);

/** The table of a track event: `Order Completed` -> `order_completed`. */
export function eventTableName(event: string): string {
  const base = snakeCase(event);
  return STANDARD_TABLES.has(base) || base === '_' ? truncateIdentifier(`${base === '_' ? 'unnamed' : base}_event`) : base;
}

/** Quotes an identifier for SQL (names come from snakeCase, but quoting keeps any name safe). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
