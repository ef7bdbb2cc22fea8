import { Type, type TSchema } from '@sinclair/typebox';

/** The error body every route may answer with. */
export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }) },
  { $id: 'ErrorBody' },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });

/**
 * JSON null in a request body, for "null removes it" fields: use {@link orNull}. Not `Type.Null()`: the validator
 * coerces types (`coerceTypes`, for query strings), so `{type: "null"}` turns `""`, `0` and `false` into null (a
 * setting silently removed instead of a value refused), and a branch tried before it turns null into `0` or `[null]`.
 * `const` is not coerced.
 */
export const JsonNull = Type.Unsafe<null>({ const: null, description: 'null' });

/** `schema`, or JSON null: null is tried first, so no coercion of the other branch can turn it into something else. */
export function orNull<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  return Type.Union([JsonNull, schema], options);
}

/** A paged list: items plus an opaque cursor for the next page (absent on the last). */
export function page<T extends TSchema>(key: string, item: T) {
  return Type.Object({ [key]: Type.Array(item), nextCursor: Type.Optional(Type.String()) });
}

export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}
