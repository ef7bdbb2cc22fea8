import type { FastifyInstance } from 'fastify';

/** A route's body schema, when it is an object: whether some of its fields are required. */
function objectBody(schema: unknown): { required: boolean } | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const { type, required } = schema as { type?: unknown; required?: unknown };
  if (type !== 'object') return undefined;
  return { required: Array.isArray(required) && required.length > 0 };
}

/**
 * A request sent without a body (`curl -X POST .../deliveries/retry`, no Content-Type) to a route that takes a JSON
 * object is read as `{}`:
 * - a POST whose body fields are all optional then does what the route does with nothing asked, rather than being
 *   refused as "the body must be an object";
 * - a route with required fields is refused naming the first one missing ("the body needs a "from" field").
 * A PUT or PATCH whose fields are all optional is left alone (refused): its body is the change, and `{}` is none.
 */
export function installBodylessPost(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined && request.body !== null) return;
    const body = objectBody(request.routeOptions.schema?.body);
    if (body && (body.required || request.method === 'POST')) request.body = {};
  });
}
