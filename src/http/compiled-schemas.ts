import type { FastifyInstance } from 'fastify';

/**
 * Request validators and response serializers compiled when a route first needs them, and once per process for each
 * schema (decision 0010). Fastify compiles every route's schemas when the server starts: about half a second of CPU
 * for the admin API's few hundred routes, most of which a process (a test's Sluice above all) never serves. A
 * compiled function depends only on its schema, the scope's shared schemas and the compiler's options, so it is kept
 * under a key of those (their JSON) and reused by every server of the process; the behaviour of each (conversion,
 * defaults, error messages) is that of the same compiler as before.
 */
const compiled = new Map<string, unknown>();

/**
 * One server's compilations: each route's, done at its first use (or by {@link compilePending}), from the process's
 * cache when another server compiled the same schema. What is still waiting belongs to this server only, so a server
 * that is gone leaves nothing behind and another's schemas (a test's deliberately broken one) are not compiled with it.
 */
export class SchemaCompilations {
  private readonly pending = new Set<() => unknown>();

  /** `compile`'s result, compiled at the first call of the returned function and shared by every caller of the same `key`. */
  once<T>(key: () => string, compile: () => T): () => T {
    let done: T | undefined;
    const get = (): T => {
      if (done !== undefined) return done;
      const k = key();
      done = (compiled.get(k) as T | undefined) ?? compile();
      compiled.set(k, done);
      this.pending.delete(get);
      return done;
    };
    this.pending.add(get);
    return get;
  }

  /** Compiles every schema of this server still waiting for its first use; answers how many (one that does not compile throws here). */
  compilePending(): number {
    const waiting = [...this.pending];
    for (const get of waiting) get();
    return waiting.length;
  }
}

const byServer = new WeakMap<FastifyInstance, SchemaCompilations>();

/** Ties a server to its compilations, for {@link schemaCompilationsOf}. */
export function registerSchemaCompilations(app: FastifyInstance, compilations: SchemaCompilations): void {
  byServer.set(app, compilations);
}

/** A server's compilations (a test compiles all of them: every schema must compile). */
export function schemaCompilationsOf(app: FastifyInstance): SchemaCompilations | undefined {
  return byServer.get(app);
}
