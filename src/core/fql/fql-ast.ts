/** The syntax tree of an FQL expression. Every node keeps the offset where it starts in the source text. */
export type FqlLiteralValue = string | number | boolean | null;

export type FqlComparison = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** FQL's functions, with their number of arguments. */
export const FQL_FUNCTIONS = {
  contains: 2,
  match: 2,
  lowercase: 1,
  length: 1,
  typeof: 1,
} as const;
export type FqlFunction = keyof typeof FQL_FUNCTIONS;

export type FqlNode =
  | { readonly kind: 'literal'; readonly value: FqlLiteralValue; readonly offset: number }
  | { readonly kind: 'path'; readonly segments: readonly string[]; readonly offset: number }
  | { readonly kind: 'call'; readonly name: FqlFunction; readonly args: readonly FqlNode[]; readonly offset: number }
  | { readonly kind: 'compare'; readonly op: FqlComparison; readonly left: FqlNode; readonly right: FqlNode; readonly offset: number }
  | { readonly kind: 'in'; readonly value: FqlNode; readonly list: readonly FqlNode[]; readonly offset: number }
  /** `value in properties.features`: membership in a list the event holds (false when it holds no list). */
  | { readonly kind: 'in_field'; readonly value: FqlNode; readonly list: FqlNode; readonly offset: number }
  | { readonly kind: 'not'; readonly operand: FqlNode; readonly offset: number }
  | { readonly kind: 'and' | 'or'; readonly left: FqlNode; readonly right: FqlNode; readonly offset: number };
