/**
 * Request validators and response serializers compiled when a route first needs them, and once per process for each
 * schema (decision 0010). Fastify compiles every route's schemas when the server starts: about half a second of CPU
 * for the admin API's few hundred routes, most of which a process (a test's Sluice above all) never serves. A
 * compiled function depends only on its schema, the scope's shared schemas and the compiler's options, so it is kept
 * under a key of those (their JSON) and reused by every server of the process; the behaviour of each (conversion,
 * defaults, error messages) is that of the same compiler as before.
 */
const compiled = new Map<string, unknown>();
/** Compilations asked for and not yet done (`compilePendingSchemas` does them: a test that every schema compiles). */
const pending = new Set<() => unknown>();

/**
 * `compile`'s result, compiled at the first call of `use` (or by {@link compilePendingSchemas}) and shared by every
 * caller of the same `key`.
 */
export function compiledOnce<T>(key: () => string, compile: () => T): () => T {
  let done: T | undefined;
  const get = (): T => {
    if (done !== undefined) return done;
    const k = key();
    done = (compiled.get(k) as T | undefined) ?? compile();
    compiled.set(k, done);
    pending.delete(get);
    return done;
  };
  pending.add(get);
  return get;
}

/** Compiles every schema still waiting for its first use; answers how many (a schema that does not compile throws here). */
export function compilePendingSchemas(): number {
  const waiting = [...pending];
  for (const get of waiting) get();
  return waiting.length;
}
