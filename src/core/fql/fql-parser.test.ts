import { describe, expect, it } from 'vitest';
import type { FqlNode } from './fql-ast.js';
import { parseFql } from './fql-parser.js';

/** A compact rendering of the AST, so the table below stays readable. */
function show(node: FqlNode): string {
  switch (node.kind) {
    case 'literal':
      return JSON.stringify(node.value);
    case 'path':
      return node.segments.join('.');
    case 'call':
      return `${node.name}(${node.args.map(show).join(', ')})`;
    case 'compare':
      return `(${show(node.left)} ${node.op} ${show(node.right)})`;
    case 'in':
      return `(${show(node.value)} in [${node.list.map(show).join(', ')}])`;
    case 'in_field':
      return `(${show(node.value)} in ${show(node.list)})`;
    case 'not':
      return `!${show(node.operand)}`;
    case 'and':
    case 'or':
      return `(${show(node.left)} ${node.kind} ${show(node.right)})`;
  }
}

describe('parseFql accepts', () => {
  it.each([
    ['event = "Order Completed"', '(event = "Order Completed")'],
    ["event = 'Order Completed'", '(event = "Order Completed")'],
    ['type != "identify"', '(type != "identify")'],
    ['properties.total > 100', '(properties.total > 100)'],
    ['properties.total >= -1.5', '(properties.total >= -1.5)'],
    ['properties.total < 1e3', '(properties.total < 1000)'],
    ['properties.total <= 0.5', '(properties.total <= 0.5)'],
    ['properties.product.name = "x"', '(properties.product.name = "x")'],
    ['properties.items.0.sku = "a"', '(properties.items.0.sku = "a")'],
    ['properties.product\\ name = "x"', '(properties.product name = "x")'],
    ['properties.\\and = 1', '(properties.and = 1)'],
    ['properties.in = 1', '(properties.in = 1)'],
    ['properties.coupon-code = null', '(properties.coupon-code = null)'],
    ['properties.vip = true', '(properties.vip = true)'],
    ['properties.vip = false', '(properties.vip = false)'],
    ['properties.vip', 'properties.vip'],
    ['a = 1 and b = 2 or c = 3', '(((a = 1) and (b = 2)) or (c = 3))'],
    ['a = 1 or b = 2 and c = 3', '((a = 1) or ((b = 2) and (c = 3)))'],
    ['(a = 1 or b = 2) and c = 3', '(((a = 1) or (b = 2)) and (c = 3))'],
    ['!(a = 1)', '!(a = 1)'],
    ['!a = 1', '!(a = 1)'],
    ['!!contains(event, "x")', '!!contains(event, "x")'],
    ['a = 1 and !b = 2', '((a = 1) and !(b = 2))'],
    ['event in ["A", "B"]', '(event in ["A", "B"])'],
    ['properties.n in [1, 2.5, null, true]', '(properties.n in [1, 2.5, null, true])'],
    ["'dark-mode' in properties.features and x", '(("dark-mode" in properties.features) and x)'],
    ['properties.3d_secure = true and properties.items.1.5 = 1', '((properties.3d_secure = true) and (properties.items.1.5 = 1))'],
    ['match(event, "Order *")', 'match(event, "Order *")'],
    ['contains(context.page.url, "/checkout")', 'contains(context.page.url, "/checkout")'],
    ['lowercase(traits.email) = "a@b.c"', '(lowercase(traits.email) = "a@b.c")'],
    ['length(properties.items) > 2', '(length(properties.items) > 2)'],
    ['typeof(properties.total) = "number"', '(typeof(properties.total) = "number")'],
    ['contains(lowercase(event), "order")', 'contains(lowercase(event), "order")'],
    ['"x" = event', '("x" = event)'],
    ['  event\n  =\t"x"  ', '(event = "x")'],
    ['properties.s = "say \\"hi\\""', '(properties.s = "say \\"hi\\"")'],
    ['$anon = 1 and @ctx = 2', '(($anon = 1) and (@ctx = 2))'],
  ])('%s', (text, expected) => {
    const result = parseFql(text);
    if (!result.ok) throw new Error(result.error.message);
    expect(show(result.ast)).toBe(expected);
  });
});

describe('parseFql rejects with the position and what was expected', () => {
  it.each([
    ['', 1, 1, 'expected an expression, found end of input'],
    ['   ', 1, 4, 'expected an expression, found end of input'],
    ['event = ', 1, 9, "expected a value after '=', found end of input"],
    ['event == "x"', 1, 7, "'==' is not FQL: write '=' to compare"],
    ['event !== "x"', 1, 7, "'!==' is not FQL: write '!=' to compare"],
    ['event = "x', 1, 9, 'unterminated string: expected a closing "'],
    ["event = 'x", 1, 9, "unterminated string: expected a closing '"],
    ['event = "x" and', 1, 16, "expected a value after 'and', found end of input"],
    ['event = "x" or or', 1, 16, "expected a value after 'or', found 'or'"],
    ['event = "x" event = "y"', 1, 13, "expected 'and', 'or' or end of input, found name 'event' (missing 'and' / 'or'?)"],
    ['(event = "x"', 1, 13, "expected ')' to close the '(' opened at offset 0, found end of input"],
    ['event = "x")', 1, 12, "expected 'and', 'or' or end of input, found ')'"],
    ['foo(event)', 1, 1, "unknown function 'foo': expected one of contains, match, lowercase, length, typeof"],
    ['contains(event)', 1, 1, 'contains() takes 2 arguments, found 1'],
    ['length(a, b)', 1, 1, 'length() takes 1 argument, found 2'],
    ['typeof()', 1, 1, 'typeof() takes 1 argument, found 0'],
    ['match(event "x")', 1, 13, "expected ',' or ')' in the arguments of match(), found string \"x\""],
    ['contains(event, )', 1, 17, "expected a value as argument 2 of contains(), found ')'"],
    ['event in "A"', 1, 10, "expected '[' to start a list, or a field holding a list, after 'in', found string \"A\""],
    ['event in []', 1, 11, "expected at least one value in the list after 'in'"],
    ['event in ["A" "B"]', 1, 15, "expected ']' or ',' in the list after 'in', found string \"B\""],
    ['event in [properties.x]', 1, 11, "expected a string, number, true, false or null in the list after 'in', found name 'properties'"],
    ['properties. = 1', 1, 13, "expected a field name after '.', found '='"],
    ['properties.-x = 1', 1, 12, "unexpected character '-'"],
    ['a = 1 = 2', 1, 7, "comparisons cannot be chained: found '=' after a comparison (use 'and')"],
    ['a = 1 && b = 2', 1, 7, "unexpected '&': write 'and' / 'or'"],
    ['a = 1 || b = 2', 1, 7, "unexpected '|': write 'and' / 'or'"],
    ['a = #', 1, 5, "unexpected character '#'"],
    ['a = 12abc', 1, 7, "malformed number: unexpected 'a' after 12"],
    ['and = 1', 1, 1, "expected a value, found 'and' (escape it as \\and to use it as a field name)"],
    ['!', 1, 2, "expected a value after '!', found end of input"],
    ['event = "x" and\n  properties.total >', 2, 21, "expected a value after '>', found end of input"],
    ['event = "x"\nand properties.total = = 1', 2, 24, "expected a value after '=', found '='"],
  ])('%j at line %i, column %i: %s', (text, line, column, reason) => {
    const result = parseFql(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.reason).toBe(reason);
    expect(result.error.position).toMatchObject({ line, column });
    expect(result.error.message).toBe(`line ${line}, column ${column}: ${reason}`);
  });

  it('refuses expressions nested absurdly deep instead of overflowing the stack', () => {
    const result = parseFql(`${'('.repeat(100)}a = 1${')'.repeat(100)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.reason).toBe('expression nested deeper than 64 levels');
  });

  it('refuses very long expressions', () => {
    const result = parseFql(`a = "${'x'.repeat(20_000)}"`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.reason).toMatch(/the limit is 10000/);
  });
});
