import type { FqlNode } from './fql-ast.js';
import type { FqlSyntaxError } from './fql-error.js';
import { FqlParseFailure, syntaxError } from './fql-error.js';

/** What `typeof()` answers (fql-evaluator.ts). */
export const FQL_TYPE_NAMES = ['string', 'number', 'boolean', 'list', 'object', 'null'] as const;

/**
 * Checks a parsed filter before it is saved, for conditions that parse but can never hold: `typeof(x) = 'bool'`
 * (Segment's name for 'boolean') or a typo such as 'array' would silently never match. Only when saving: a
 * filter stored before a check was added still runs as it did.
 *
 * @example
 *   checkFqlForSaving(text, ast); // undefined, or an error with the position of the literal
 */
export function checkFqlForSaving(text: string, ast: FqlNode): FqlSyntaxError | undefined {
  try {
    walk(ast);
    return undefined;
  } catch (error) {
    if (error instanceof FqlParseFailure) return syntaxError(text, error);
    throw error;
  }
}

function walk(node: FqlNode): void {
  switch (node.kind) {
    case 'literal':
    case 'path':
      return;
    case 'not':
      return walk(node.operand);
    case 'and':
    case 'or':
      walk(node.left);
      return walk(node.right);
    case 'call':
      return node.args.forEach(walk);
    case 'in':
      walk(node.value);
      for (const item of node.list) checkTypeName(node.value, item);
      return;
    case 'in_field':
      walk(node.value);
      return walk(node.list);
    case 'compare':
      walk(node.left);
      walk(node.right);
      checkTypeName(node.left, node.right);
      return checkTypeName(node.right, node.left);
  }
}

function checkTypeName(call: FqlNode, literal: FqlNode): void {
  if (call.kind !== 'call' || call.name !== 'typeof' || literal.kind !== 'literal' || typeof literal.value !== 'string') return;
  if ((FQL_TYPE_NAMES as readonly string[]).includes(literal.value)) return;
  const hint = literal.value === 'bool' ? ` (Segment writes 'bool'; here it is 'boolean')` : '';
  throw new FqlParseFailure(`typeof() never answers ${JSON.stringify(literal.value)}: it answers ${FQL_TYPE_NAMES.map((n) => `'${n}'`).join(', ')}${hint}`, literal.offset);
}
