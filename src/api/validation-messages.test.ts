import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestValidators } from '../http/request-validators.js';
import { orNull } from './schemas.js';
import { defaultSchemaErrors, EMAIL_PATTERN, readableSchemaErrors } from './validation-messages.js';

describe('readableSchemaErrors with "null removes it" fields (orNull)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ schemaController: { compilersFactory: { buildValidator: requestValidators() } } });
    app.put('/settings', {
      schema: {
        body: Type.Object({
          days: Type.Optional(orNull(Type.Integer({ minimum: 1, maximum: 365 }))),
          hook: Type.Optional(orNull(Type.Object({ url: Type.String({ minLength: 1 }), format: Type.Optional(Type.Union([Type.Literal('slack'), Type.Literal('json')])) }, { additionalProperties: false }))),
        }, { additionalProperties: false }),
      },
      schemaErrorFormatter: readableSchemaErrors((path) => path.join('.'), { days: 'a whole number of days, or null' }),
    }, async (request) => request.body);
    await app.ready();
  });
  afterAll(() => app.close());

  const put = async (body: unknown) => {
    const res = await app.inject({ method: 'PUT', url: '/settings', payload: body as object });
    return { status: res.statusCode, message: String((res.json() as { message?: string }).message) };
  };

  it('takes JSON null and a value', async () => {
    expect(await put({ days: null, hook: null })).toMatchObject({ status: 200 });
    expect(await put({ days: 30, hook: { url: 'https://example.com' } })).toMatchObject({ status: 200 });
  });

  it.each([
    [{ days: false }, 'days must be an integer (a whole number of days, or null)'],
    [{ days: '' }, 'days must be an integer (a whole number of days, or null)'],
    [{ days: '5' }, 'days must be an integer (a whole number of days, or null)'],
    [{ days: 0 }, 'days must be at least 1 (a whole number of days, or null)'],
    [{ hook: '' }, 'hook must be an object'],
    [{ hook: false }, 'hook must be an object'],
    [{ hook: { url: 5 } }, 'hook.url must be a string'],
    [{ hook: { url: 'https://example.com', format: 'xml' } }, 'hook.format must be one of "slack", "json"'],
  ])('says what is wrong with the value of %j, not that it is not null', async (body, message) => {
    const answer = await put(body);
    expect(answer.status).toBe(400);
    expect(answer.message).toBe(message);
  });
});

describe('defaultSchemaErrors with string patterns', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ schemaController: { compilersFactory: { buildValidator: requestValidators() } }, schemaErrorFormatter: defaultSchemaErrors });
    app.post('/patterns', {
      schema: {
        body: Type.Object({
          email: Type.Optional(Type.String({ pattern: EMAIL_PATTERN })),
          code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
          country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
          other: Type.Optional(Type.String({ pattern: '^x+$' })),
        }),
      },
    }, async (request) => request.body);
    await app.ready();
  });
  afterAll(() => app.close());

  it.each([
    [{ email: 'ada at example.com' }, 'email must be an email address, such as ada@example.com (one @, no spaces)'],
    [{ code: '12345' }, 'code must be the 6 digits of the code, such as 123456'],
    [{ country: 'de' }, 'country must be a two-letter country code in capitals (ISO 3166-1 alpha-2), such as US or DE'],
    [{ other: 'y' }, 'other must match pattern "^x+$"'],
  ])('says what a value of the pattern looks like, not the regular expression: %j', async (body, message) => {
    const res = await app.inject({ method: 'POST', url: '/patterns', payload: body });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { message?: string }).message).toBe(message);
  });
});

describe('defaultSchemaErrors with string formats', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ schemaController: { compilersFactory: { buildValidator: requestValidators() } }, schemaErrorFormatter: defaultSchemaErrors });
    app.post('/replay', {
      schema: { body: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.Optional(Type.String({ format: 'date-time' })), email: Type.Optional(Type.String({ format: 'email' })), url: Type.Optional(Type.String({ format: 'uri' })) }) },
    }, async (request) => request.body);
    await app.ready();
  });
  afterAll(() => app.close());

  it.each([
    [{ from: 'yesterday' }, 'from must be an ISO-8601 date-time with a time zone, such as 2026-01-31T00:00:00Z'],
    [{ from: '2026-01-31' }, 'from must be an ISO-8601 date-time with a time zone, such as 2026-01-31T00:00:00Z'],
    [{ from: '2026-02-30T00:00:00Z' }, 'from must be an ISO-8601 date-time with a time zone, such as 2026-01-31T00:00:00Z (a day that exists'],
    [{ from: '2026-01-31T00:00:00Z', email: 'nobody' }, 'email must be an email address, such as ada@example.com'],
    [{ from: '2026-01-31T00:00:00Z', url: 'not a url' }, 'url must be an absolute URL, such as https://example.com/path'],
  ])('says what a value of the format looks like: %j', async (body, message) => {
    const res = await app.inject({ method: 'POST', url: '/replay', payload: body });
    expect(res.statusCode).toBe(400);
    expect(String((res.json() as { message?: string }).message)).toContain(message);
  });
});
