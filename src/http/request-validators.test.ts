import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaCompilations } from './compiled-schemas.js';
import { requestValidators } from './request-validators.js';
import { responseSerializers } from './response-serializers.js';

describe('requestValidators', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ schemaController: { compilersFactory: { buildValidator: requestValidators() } } });
    app.post('/things/:n', {
      schema: {
        params: Type.Object({ n: Type.Integer() }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer()), tags: Type.Optional(Type.Array(Type.String())) }),
        body: Type.Object({
          count: Type.Optional(Type.Integer()),
          on: Type.Optional(Type.Boolean()),
          list: Type.Optional(Type.Array(Type.String())),
          at: Type.Optional(Type.String({ format: 'date-time' })),
          email: Type.Optional(Type.String({ format: 'email' })),
          url: Type.Optional(Type.String({ format: 'uri' })),
          level: Type.String({ default: 'low' }),
          nested: Type.Optional(Type.Object({ a: Type.Integer() })),
        }),
      },
    }, async (request) => ({ params: request.params, query: request.query, body: request.body }));
    // A schema shared with addSchema in a plugin scope, referred to by $id from a body.
    await app.register(async (scope) => {
      scope.addSchema({ $id: 'Shared', type: 'object', properties: { size: { type: 'integer' } }, required: ['size'] });
      scope.post('/shared', { schema: { body: { $ref: 'Shared#' } } }, async (request) => request.body);
    });
    await app.ready();
  });
  afterAll(() => app.close());

  const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, payload: body as object });

  it('converts query strings and path parameters from text', async () => {
    const res = await post('/things/7?limit=5&tags=a', {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ params: { n: 7 }, query: { limit: 5, tags: ['a'] } });
    expect((await post('/things/7?limit=five', {})).statusCode).toBe(400);
  });

  it.each([
    [{ count: '5' }, 'body/count must be integer'],
    [{ count: false }, 'body/count must be integer'],
    [{ count: null }, 'body/count must be integer'],
    [{ on: 'true' }, 'body/on must be boolean'],
    [{ on: 1 }, 'body/on must be boolean'],
    [{ list: 'a' }, 'body/list must be array'],
    [{ list: false }, 'body/list must be array'],
    [{ nested: { a: '1' } }, 'body/nested/a must be integer'],
  ])('refuses a body value of the wrong type: %j', async (body, message) => {
    const res = await post('/things/1', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(message);
  });

  it('keeps the formats, defaults and unknown fields of bodies as before', async () => {
    const ok = await post('/things/1', { count: 5, on: true, list: ['a'], at: '2026-03-02T18:00:00Z', email: 'a@example.com', url: 'https://example.com/x', extra: 1 });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().body).toEqual({ count: 5, on: true, list: ['a'], at: '2026-03-02T18:00:00Z', email: 'a@example.com', url: 'https://example.com/x', extra: 1, level: 'low' });
    for (const [field, value] of [['at', 'yesterday'], ['email', 'nobody'], ['url', 'not a url']] as const) {
      const res = await post('/things/1', { [field]: value });
      expect(res.statusCode, field).toBe(400);
      expect(res.json().message).toContain(`body/${field} must match format`);
    }
  });

  it('resolves schemas added with addSchema', async () => {
    expect((await post('/shared', { size: 3 })).json()).toEqual({ size: 3 });
    expect((await post('/shared', { size: '3' })).statusCode).toBe(400);
  });
});

describe('validators and serializers compiled at first use (decision 0010)', () => {
  it('compiles a route\'s schemas at its first request, not at start, and every pending one on demand', async () => {
    // A body schema Ajv cannot compile: Fastify compiling at start would refuse to start.
    const compilations = new SchemaCompilations();
    const app = Fastify({ schemaController: { compilersFactory: { buildValidator: requestValidators(compilations), buildSerializer: responseSerializers(compilations) } } });
    app.post('/broken', { schema: { body: { type: 'object', properties: { a: { type: 'no-such-type' } } } } }, async () => ({}));
    app.get('/fine', { schema: { querystring: Type.Object({ n: Type.Integer() }), response: { 200: Type.Object({ n: Type.Integer() }) } } }, async (request) => ({ n: (request.query as { n: number }).n, hidden: 1 }));
    await app.ready();
    try {
      // The response schema serializes as fast-json-stringify does: only its fields.
      expect((await app.inject({ method: 'GET', url: '/fine?n=4' })).json()).toEqual({ n: 4 });
      expect((await app.inject({ method: 'POST', url: '/broken', payload: {} })).statusCode).toBe(500);
      expect(() => compilations.compilePending()).toThrow(/no-such-type/);
    } finally {
      await app.close();
    }
  });
});
