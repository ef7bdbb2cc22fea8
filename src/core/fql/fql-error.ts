/** Where in an FQL text something is: 0-based `offset`, 1-based `line` and `column`. */
export interface FqlPosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** A rejected FQL text: what was expected, and where. Returned as a value by `parseFql`, not thrown. */
export interface FqlSyntaxError {
  /** E.g. "line 1, column 12: expected a value after '=', found end of input". */
  readonly message: string;
  /** The message without the position prefix. */
  readonly reason: string;
  readonly position: FqlPosition;
}

export function positionAt(text: string, offset: number): FqlPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/** Thrown inside the lexer/parser only; `parseFql` turns it into an `FqlSyntaxError` value. */
export class FqlParseFailure extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

export function syntaxError(text: string, failure: FqlParseFailure): FqlSyntaxError {
  const position = positionAt(text, failure.offset);
  return { message: `line ${position.line}, column ${position.column}: ${failure.reason}`, reason: failure.reason, position };
}
