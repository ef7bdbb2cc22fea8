import type { FqlComparison, FqlFunction, FqlNode } from './fql-ast.js';
import { FQL_FUNCTIONS } from './fql-ast.js';
import type { FqlSyntaxError } from './fql-error.js';
import { FqlParseFailure, syntaxError } from './fql-error.js';
import type { FqlToken } from './fql-lexer.js';
import { describeToken, tokenize } from './fql-lexer.js';

export type FqlParseResult = { readonly ok: true; readonly ast: FqlNode } | { readonly ok: false; readonly error: FqlSyntaxError };

const COMPARISONS = new Set<string>(['=', '!=', '<', '<=', '>', '>=']);
const MAX_DEPTH = 64;
const MAX_LENGTH = 10_000;

/**
 * Parses Segment's Filter Query Language (the subset in Segment's docs) into an AST. Invalid text is an
 * expected outcome: the result says what was expected and where (line, column, offset).
 *
 * Grammar (lowest precedence first):
 * ```
 * expr       := and ('or' and)*
 * and        := not ('and' not)*
 * not        := '!' not | comparison
 * comparison := operand (('=' | '!=' | '<' | '<=' | '>' | '>=') operand | 'in' ('[' literal (',' literal)* ']' | path | call))?
 * operand    := literal | path | name '(' args ')' | '(' expr ')'
 * path       := name ('.' name)*        (escape any character with a backslash: properties.product\ name)
 * literal    := "string" | 'string' | number | true | false | null
 * ```
 *
 * @example
 *   parseFql('event = "Order Completed" and properties.total > 100'); // { ok: true, ast: {...} }
 *   parseFql('event = ');  // { ok: false, error: { message: "line 1, column 9: expected a value after '=', found end of input", ... } }
 */
export function parseFql(text: string): FqlParseResult {
  try {
    if (text.length > MAX_LENGTH) throw new FqlParseFailure(`expression is ${text.length} characters long; the limit is ${MAX_LENGTH}`, MAX_LENGTH);
    const parser = new Parser(tokenize(text));
    const ast = parser.parseAll();
    return { ok: true, ast };
  } catch (error) {
    if (error instanceof FqlParseFailure) return { ok: false, error: syntaxError(text, error) };
    throw error;
  }
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly FqlToken[]) {}

  parseAll(): FqlNode {
    if (this.peek().kind === 'end') throw new FqlParseFailure('expected an expression, found end of input', this.peek().offset);
    const ast = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') {
      const hint = next.kind === 'operator' || next.kind === 'keyword' || next.value === ')' ? '' : " (missing 'and' / 'or'?)";
      throw new FqlParseFailure(`expected 'and', 'or' or end of input, found ${describeToken(next)}${hint}`, next.offset);
    }
    return ast;
  }

  private peek(): FqlToken {
    return this.tokens[this.index] as FqlToken;
  }

  private next(): FqlToken {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private isKeyword(value: string): boolean {
    const token = this.peek();
    return token.kind === 'keyword' && token.value === value;
  }

  private expectPunctuation(value: string, context: string): FqlToken {
    const token = this.peek();
    if (token.kind !== 'punctuation' || token.value !== value) {
      throw new FqlParseFailure(`expected '${value}' ${context}, found ${describeToken(token)}`, token.offset);
    }
    return this.next();
  }

  private nested<T>(offset: number, parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new FqlParseFailure(`expression nested deeper than ${MAX_DEPTH} levels`, offset);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parseOr(): FqlNode {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      const op = this.next();
      this.requireOperand(`after 'or'`);
      left = { kind: 'or', left, right: this.parseAnd(), offset: op.offset };
    }
    return left;
  }

  private parseAnd(): FqlNode {
    let left = this.parseNot();
    while (this.isKeyword('and')) {
      const op = this.next();
      this.requireOperand(`after 'and'`);
      left = { kind: 'and', left, right: this.parseNot(), offset: op.offset };
    }
    return left;
  }

  private parseNot(): FqlNode {
    const token = this.peek();
    if (token.kind === 'operator' && token.value === '!') {
      this.next();
      this.requireOperand(`after '!'`);
      return this.nested(token.offset, () => ({ kind: 'not', operand: this.parseNot(), offset: token.offset }));
    }
    return this.parseComparison();
  }

  private parseComparison(): FqlNode {
    const left = this.parseOperand();
    const token = this.peek();
    if (token.kind === 'operator' && COMPARISONS.has(token.value)) {
      this.next();
      this.requireOperand(`after '${token.value}'`);
      const right = this.parseOperand();
      const after = this.peek();
      if (after.kind === 'operator' && COMPARISONS.has(after.value)) {
        throw new FqlParseFailure(`comparisons cannot be chained: found '${after.value}' after a comparison (use 'and')`, after.offset);
      }
      return { kind: 'compare', op: token.value as FqlComparison, left, right, offset: token.offset };
    }
    if (this.isKeyword('in')) {
      this.next();
      const open = this.peek();
      if (open.kind === 'identifier') {
        // Segment's `'dark-mode' in properties.features`: a field (or function) that holds the list.
        return { kind: 'in_field', value: left, list: this.parseOperand(), offset: token.offset };
      }
      if (open.kind !== 'punctuation' || open.value !== '[') {
        throw new FqlParseFailure(`expected '[' to start a list, or a field holding a list, after 'in', found ${describeToken(open)}`, open.offset);
      }
      this.next();
      const list: FqlNode[] = [];
      for (;;) {
        const item = this.peek();
        if (item.kind === 'punctuation' && item.value === ']' && list.length === 0) {
          throw new FqlParseFailure(`expected at least one value in the list after 'in'`, item.offset);
        }
        list.push(this.parseLiteral(`in the list after 'in'`));
        const sep = this.peek();
        if (sep.kind === 'punctuation' && sep.value === ',') {
          this.next();
          continue;
        }
        this.expectPunctuation(']', `or ',' in the list after 'in'`);
        break;
      }
      return { kind: 'in', value: left, list, offset: token.offset };
    }
    return left;
  }

  /** A clearer message when an operator is followed by nothing or by another operator. */
  private requireOperand(context: string): void {
    const token = this.peek();
    const startsOperand =
      token.kind === 'string' ||
      token.kind === 'number' ||
      token.kind === 'identifier' ||
      (token.kind === 'keyword' && ['true', 'false', 'null'].includes(token.value)) ||
      (token.kind === 'punctuation' && token.value === '(') ||
      (token.kind === 'operator' && token.value === '!');
    if (!startsOperand) throw new FqlParseFailure(`expected a value ${context}, found ${describeToken(token)}`, token.offset);
  }

  private parseLiteral(context: string): FqlNode {
    const token = this.peek();
    if (token.kind === 'string') {
      this.next();
      return { kind: 'literal', value: token.value, offset: token.offset };
    }
    if (token.kind === 'number') {
      this.next();
      return { kind: 'literal', value: Number(token.value), offset: token.offset };
    }
    if (token.kind === 'keyword' && (token.value === 'true' || token.value === 'false' || token.value === 'null')) {
      this.next();
      return { kind: 'literal', value: token.value === 'null' ? null : token.value === 'true', offset: token.offset };
    }
    throw new FqlParseFailure(`expected a string, number, true, false or null ${context}, found ${describeToken(token)}`, token.offset);
  }

  private parseOperand(): FqlNode {
    const token = this.peek();
    if (token.kind === 'punctuation' && token.value === '(') {
      this.next();
      this.requireOperand(`after '('`);
      const inner = this.nested(token.offset, () => this.parseOr());
      this.expectPunctuation(')', `to close the '(' opened at offset ${token.offset}`);
      return inner;
    }
    if (token.kind === 'identifier') {
      this.next();
      const after = this.peek();
      if (after.kind === 'punctuation' && after.value === '(') return this.parseCall(token);
      const segments = [token.value];
      while (this.peek().kind === 'punctuation' && this.peek().value === '.') {
        this.next();
        const segment = this.peek();
        if (segment.kind !== 'identifier' && segment.kind !== 'keyword' && segment.kind !== 'number') {
          throw new FqlParseFailure(`expected a field name after '.', found ${describeToken(segment)}`, segment.offset);
        }
        if (segment.kind === 'number' && !/^\d+$/.test(segment.value)) {
          throw new FqlParseFailure(`expected a field name or list index after '.', found ${describeToken(segment)}`, segment.offset);
        }
        this.next();
        segments.push(segment.value);
      }
      return { kind: 'path', segments, offset: token.offset };
    }
    if (token.kind === 'keyword' && (token.value === 'and' || token.value === 'or' || token.value === 'in')) {
      throw new FqlParseFailure(`expected a value, found '${token.value}' (escape it as \\${token.value} to use it as a field name)`, token.offset);
    }
    return this.parseLiteral('');
  }

  private parseCall(nameToken: FqlToken): FqlNode {
    const name = nameToken.value;
    if (!Object.hasOwn(FQL_FUNCTIONS, name)) {
      throw new FqlParseFailure(`unknown function '${name}': expected one of ${Object.keys(FQL_FUNCTIONS).join(', ')}`, nameToken.offset);
    }
    const arity = FQL_FUNCTIONS[name as FqlFunction];
    const open = this.next();
    const args: FqlNode[] = [];
    if (!(this.peek().kind === 'punctuation' && this.peek().value === ')')) {
      for (;;) {
        this.requireOperand(`as argument ${args.length + 1} of ${name}()`);
        args.push(this.nested(open.offset, () => this.parseOr()));
        if (this.peek().kind === 'punctuation' && this.peek().value === ',') {
          this.next();
          continue;
        }
        break;
      }
    }
    const close = this.peek();
    if (!(close.kind === 'punctuation' && close.value === ')')) {
      throw new FqlParseFailure(`expected ',' or ')' in the arguments of ${name}(), found ${describeToken(close)}`, close.offset);
    }
    if (args.length !== arity) {
      throw new FqlParseFailure(`${name}() takes ${arity} argument${arity === 1 ? '' : 's'}, found ${args.length}`, nameToken.offset);
    }
    this.next();
    return { kind: 'call', name: name as FqlFunction, args, offset: nameToken.offset };
  }
}
