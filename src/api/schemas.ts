import { Type, type TSchema } from '@sinclair/typebox';

export const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });

/**
 * `schema`, or JSON null: a "null removes it" field of a request body. Bodies are validated without type coercion
 * (decision 0302), so only JSON null is null: `""`, `0` and `false` are refused, never taken for "remove the setting".
 * Not for query strings, which are coerced: there `{type: "null"}` would take `?x=` for null.
 */
export function orNull<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  return Type.Union([schema, Type.Null()], options);
}

/** The query of an alert-episode list (delivery, pipeline and role alerts): open ones, or every one kept; how many. */
export const EpisodeListQuery = {
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { default: 'all' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
};

/** A paged list: items plus an opaque cursor for the next page (absent on the last). */
export function page<T extends TSchema>(key: string, item: T) {
  return Type.Object({ [key]: Type.Array(item), nextCursor: Type.Optional(Type.String()) });
}

export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}
