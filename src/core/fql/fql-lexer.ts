import { FqlParseFailure } from './fql-error.js';

export type FqlTokenKind = 'string' | 'number' | 'identifier' | 'keyword' | 'operator' | 'punctuation' | 'end';

export interface FqlToken {
  readonly kind: FqlTokenKind;
  /** The decoded value: string contents, the number's text, the path segment (escapes removed), or the symbol. */
  readonly value: string;
  readonly offset: number;
}

const KEYWORDS = new Set(['and', 'or', 'in', 'true', 'false', 'null']);
const OPERATORS = ['!=', '<=', '>=', '=', '<', '>', '!'];
const PUNCTUATION = new Set(['(', ')', '[', ']', ',', '.']);

/** How a token reads in an error message. */
export function describeToken(token: FqlToken): string {
  switch (token.kind) {
    case 'end':
      return 'end of input';
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'number':
      return `number ${token.value}`;
    case 'identifier':
      return `name '${token.value}'`;
    default:
      return `'${token.value}'`;
  }
}

function isIdentifierStart(ch: string): boolean {
  return /[A-Za-z_$@]/.test(ch) || ch === '\\';
}

function isIdentifierPart(ch: string): boolean {
  return /[A-Za-z0-9_$@-]/.test(ch) || ch === '\\';
}

/**
 * Splits FQL into tokens. Strings are double- or single-quoted with backslash escapes (`\n`, `\t`, `\r`, `\uXXXX`
 * as in JSON; any other character after `\` stands for itself); path segments may
 * contain any character escaped with a backslash (`properties.product\ name`); `and`, `or`, `in`, `true`,
 * `false`, `null` are keywords (escape them to use them as field names: `properties.\in`).
 */
export function tokenize(text: string): FqlToken[] {
  const tokens: FqlToken[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FqlParseFailure(`unterminated string: expected a closing ${ch}`, start);
        const c = text[i] as string;
        if (c === ch) break;
        if (c === '\\') {
          const next = text[i + 1];
          if (next === undefined) throw new FqlParseFailure(`unterminated string: expected a closing ${ch}`, start);
          const hex = next === 'u' ? /^[0-9A-Fa-f]{4}/.exec(text.slice(i + 2, i + 6)) : null;
          if (hex) {
            // `\u00e9` is é, as in JSON (a filter copied from an event's JSON keeps its meaning).
            value += String.fromCharCode(parseInt(hex[0], 16));
            i += 6;
            continue;
          }
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', value, offset: start });
      continue;
    }
    // A path segment after '.' may start with a digit (`properties.3d_secure`, `properties.items.0`), as in Segment:
    // read as a name (all digits: a list index), not as a number.
    const afterDot = tokens.at(-1)?.kind === 'punctuation' && tokens.at(-1)?.value === '.';
    const segmentFromDigit = afterDot && /[0-9]/.test(ch);
    if ((/[0-9]/.test(ch) && !segmentFromDigit) || (ch === '-' && /[0-9.]/.test(text[i + 1] ?? ''))) {
      const match = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      if (!match) throw new FqlParseFailure(`malformed number`, start);
      i += match[0].length;
      if (i < text.length && /[A-Za-z_$]/.test(text[i] as string)) throw new FqlParseFailure(`malformed number: unexpected '${text[i]}' after ${match[0]}`, i);
      tokens.push({ kind: 'number', value: match[0], offset: start });
      continue;
    }
    if (isIdentifierStart(ch) || segmentFromDigit) {
      let value = '';
      let escaped = false;
      while (i < text.length && isIdentifierPart(text[i] as string)) {
        if (text[i] === '\\') {
          const next = text[i + 1];
          if (next === undefined) throw new FqlParseFailure(`expected a character after '\\'`, i);
          value += next;
          escaped = true;
          i += 2;
        } else {
          value += text[i];
          i++;
        }
      }
      const keyword = !escaped && KEYWORDS.has(value);
      const index = segmentFromDigit && !escaped && /^\d+$/.test(value);
      tokens.push({ kind: keyword ? 'keyword' : index ? 'number' : 'identifier', value, offset: start });
      continue;
    }
    if (text.startsWith('==', i)) throw new FqlParseFailure(`'==' is not FQL: write '=' to compare`, start);
    if (text.startsWith('!==', i)) throw new FqlParseFailure(`'!==' is not FQL: write '!=' to compare`, start);
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'operator', value: op, offset: start });
      i += op.length;
      continue;
    }
    if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: 'punctuation', value: ch, offset: start });
      i++;
      continue;
    }
    if (ch === '&' || ch === '|') {
      throw new FqlParseFailure(`unexpected '${ch}': write 'and' / 'or'`, start);
    }
    throw new FqlParseFailure(`unexpected character '${ch}'`, start);
  }
  tokens.push({ kind: 'end', value: '', offset: text.length });
  return tokens;
}
