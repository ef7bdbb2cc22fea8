import type { FastifyInstance } from 'fastify';

/** Whether a route's body schema is an object none of whose fields is required (so `{}` is a whole body). */
function takesEmptyObject(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const { type, required } = schema as { type?: unknown; required?: unknown };
  return type === 'object' && (!Array.isArray(required) || required.length === 0);
}

/**
 * A POST sent without a body (`curl -X POST .../deliveries/retry`, no Content-Type) to a route whose body fields
 * are all optional is taken as `{}`, what the route does with nothing asked, rather than refused as "the body must
 * be an object". PUT and PATCH are left alone: their body is the change.
 */
export function installBodylessPost(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (request.method !== 'POST' || (request.body !== undefined && request.body !== null)) return;
    if (takesEmptyObject(request.routeOptions.schema?.body)) request.body = {};
  });
}
