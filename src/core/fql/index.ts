export type { FqlNode, FqlFunction, FqlComparison, FqlLiteralValue } from './fql-ast.js';
export type { FqlPosition, FqlSyntaxError } from './fql-error.js';
export type { FqlParseResult } from './fql-parser.js';
export { parseFql } from './fql-parser.js';
export { evaluateFql, resolvePath } from './fql-evaluator.js';
export { checkFqlForSaving } from './fql-save-checks.js';
