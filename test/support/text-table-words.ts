/** Stands for every argument of a text function: "§" as text, and "§" for each field it reads. */
const ARGUMENT: unknown = new Proxy(new String('§'), { get: (_target, key) => (key === Symbol.toPrimitive || key === 'toString' || key === 'valueOf' ? () => '§' : '§') });

/**
 * Every string in a table of texts (the emails', pages' and banner's wording per language): strings as they are,
 * functions called with "§" for each argument (the fixed words around them), and also with null and 1, for the
 * sentences that say a count or its absence (`retention.events(null)`), where they take them.
 */
export function wordsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'function') {
    const call = (argument: unknown) => {
      try {
        return wordsOf((value as (argument: unknown) => unknown)(argument));
      } catch {
        return [];
      }
    };
    return [...wordsOf((value as (argument: unknown) => unknown)(ARGUMENT)), ...call(null), ...call(1)];
  }
  if (Array.isArray(value)) return value.flatMap(wordsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(wordsOf);
  return [];
}
