import { describe, expect, it } from 'vitest';
import { globMatch } from './fql-evaluator.js';
import { evaluateFql, parseFql } from './index.js';

const event = {
  type: 'track',
  event: 'Order Completed',
  userId: 'u1',
  anonymousId: null,
  properties: {
    total: 120.5,
    currency: 'EUR',
    coupon: null,
    vip: true,
    tags: ['sale', 'summer'],
    items: [{ sku: 'A1', price: 10 }, { sku: 'B2', price: 110.5 }],
    product: { name: 'Lamp', category: 'Home' },
    'product name': 'Spaced',
    count: '3',
    empty: '',
    emoji: 'a😀é',
    '3d_secure': true,
    '2fa-enabled': false,
  },
  context: { page: { url: 'https://shop.example/checkout?step=2' }, library: { name: 'analytics.js' } },
  traits: { email: 'Ada@Example.COM' },
};

function run(text: string): boolean {
  const parsed = parseFql(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  return evaluateFql(parsed.ast, event);
}

describe('evaluateFql', () => {
  it.each([
    ['event = "Order Completed"', true],
    ['event = "order completed"', false],
    ['event != "Order Completed"', false],
    ['type = "track" and userId = "u1"', true],
    ['type = "identify" or userId = "u1"', true],
    ['type = "identify" or userId = "u2"', false],
    ['!(type = "identify")', true],
    ['!type = "track"', false],
    ['properties.total > 100', true],
    ['properties.total >= 120.5', true],
    ['properties.total < 120.5', false],
    ['properties.total <= 120.5', true],
    ['properties.count > 2', false], // "3" is a string: no coercion
    ['properties.count = 3', false],
    ['properties.count = "3"', true],
    ['properties.currency > "EUQ"', true],
    ['properties.currency < 5', false],
    ['properties.product.name = "Lamp"', true],
    ['properties.product.missing = null', true],
    ['properties.nothing.deeper.still = null', true],
    ['properties.coupon = null', true],
    ['properties.coupon != null', false],
    ['anonymousId = null', true],
    ['properties.product = null', false],
    ['properties.items.1.sku = "B2"', true],
    ['properties.items.7.sku = null', true],
    ['properties.3d_secure = true', true], // a field name starting with a digit, as Segment's paths allow
    ['properties.2fa-enabled = false', true],
    ['properties.items.x = null', true],
    ['properties.product\\ name = "Spaced"', true],
    ['properties.vip', true],
    ['properties.vip = true', true],
    ['properties.currency', false], // only true is true
    ['properties.vip and properties.total > 100', true],
    ['event in ["Order Completed", "Order Refunded"]', true],
    ['event in ["Signed Up"]', false],
    ['properties.coupon in [null]', true],
    ['properties.total in [120.5, 1]', true],
    ['properties.vip in [true]', true],
    ['contains(event, "Order")', true],
    ['contains(event, "order")', false],
    ['contains(lowercase(event), "order")', true],
    ['contains(properties.tags, "sale")', true],
    ['contains(properties.tags, "winter")', false],
    ['contains(properties.total, "1")', false],
    ['contains(context.page.url, "/checkout")', true],
    ['!contains(context.page.url, "/checkout")', false],
    ['match(event, "Order *")', true],
    ['match(event, "*Completed")', true],
    ['match(event, "Order ?ompleted")', true],
    ['match(event, "Order")', false],
    ['match(event, "*")', true],
    ['match(context.page.url, "https://*.example/*")', true],
    ['match(properties.total, "*")', false],
    ['match(properties.empty, "*")', true],
    ['lowercase(traits.email) = "ada@example.com"', true],
    ['lowercase(properties.total) = null', true],
    ['length(properties.tags) = 2', true],
    ['length(event) = 15', true],
    ['length(properties.emoji) = 3', true], // characters, not UTF-16 units (4)
    ['length(properties.missing) = 0', true], // Segment: length(null) is 0
    ['length(properties.coupon) < 1', true],
    ['length(properties.product) = null', true],
    ['length(properties.empty) = 0', true],
    ['typeof(properties.total) = "number"', true],
    ['typeof(event) = "string"', true],
    ['typeof(properties.vip) = "boolean"', true],
    ['typeof(properties.tags) = "list"', true],
    ['typeof(properties.product) = "object"', true],
    ['typeof(properties.coupon) = "null"', true],
    ['typeof(properties.missing) = "null"', true],
    ['(type = "page" or type = "track") and !contains(event, "Refund")', true],
    ['"Order Completed" = event', true],
    ['properties.emoji = "a\\ud83d\\ude00\\u00e9"', true], // JSON's \u escapes, surrogate pairs included
    ["event = 'Order\\u0020Completed'", true],
    ["event = 'Order\\ Completed'", true],
  ])('%s -> %s', (text, expected) => {
    expect(run(text)).toBe(expected);
  });

  // Segment's FQL reference (docs "Destination Filter Query Language", its Examples table), on its own example event.
  it.each([
    ["event = 'Button Clicked'", true],
    ["event = 'Screen Tapped'", false],
    ["context.path.path = '/login'", false],
    ["type = 'identify' or type = 'track'", true],
    ["event = 'Button Clicked' and type = 'track'", true],
    ["match( context.library.version, '1.*' )", true],
    ["match( context.library.version, '2.*' )", false],
    ["type = 'track' and ( event = 'Click' or match( event, 'Button *' ) )", true],
    ["!contains( context.library.name, 'js' )", false],
    ["'dark-mode' in properties.features", true],
    ["'blink' in properties.features", false],
    ["!( type in ['track', 'identify'] )", false],
    ["length( userId ) > 0", false],
    ["'Button Clicked' in event", false], // a string is not a list
    ["'x' in properties.missing", false],
    ["'dark-mode' in properties.features and match( event, 'Butto[mn] *' )", true],
  ])("Segment's example %s -> %s", (text, expected) => {
    const parsed = parseFql(text);
    if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
    const segmentExample = {
      event: 'Button Clicked',
      type: 'track',
      context: { library: { name: 'analytics.js', version: '1.0' } },
      properties: { features: ['discounts', 'dark-mode'] },
    };
    expect(evaluateFql(parsed.ast, segmentExample)).toBe(expected);
  });

  it('never throws on odd events', () => {
    const parsed = parseFql('properties.a.b.c = 1 or length(properties) > 100 or match(x, "*")');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(evaluateFql(parsed.ast, {})).toBe(false);
      expect(evaluateFql(parsed.ast, { properties: 'string', x: 5 })).toBe(false);
    }
  });
});

describe('globMatch', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'a*', true],
    ['abc', '*c', true],
    ['abc', 'a?c', true],
    ['abc', 'a?', false],
    ['', '*', true],
    ['', '?', false],
    ['a*b', 'a\\*b', true],
    ['axb', 'a\\*b', false],
    ['a?b', 'a\\?b', true],
    ['mississippi', '*sip*', true],
    ['mississippi', 'm*iss*ppi', true],
    ['mississippi', 'm*x*', false],
    ['ünïcödé', '?n?c?d?', true],
    ['a.b', 'a.b', true],
    ['axb', 'a.b', false],
    // Segment's match() table: character classes and ranges
    ['abCd', 'ab[cC]d', true],
    ['abcd', 'ab[a-z]d', true],
    ['abcd', 'ab[A-Z]d', false],
    ['abxd', 'ab[cC]d', false],
    ['ab1d', 'ab[^a-z]d', true],
    ['abcd', 'ab[!a-z]d', false],
    ['a]b', 'a[\\]]b', true],
    ['a-b', 'a[x-]b', true],
    ['v2.10', 'v[0-9].*', true],
    ['a[b', 'a[b', true], // never closed: a literal [
    ['a[b]', 'a\\[b]', true],
  ])('%s ~ %s -> %s', (text, glob, expected) => {
    expect(globMatch(text, glob)).toBe(expected);
  });

  it('answers patterns that make backtracking regexps explode (linear matcher; a regexp would hang here)', () => {
    expect(globMatch('a'.repeat(5000), `${'*a'.repeat(50)}b`)).toBe(false);
    expect(globMatch('a'.repeat(5000), `${'*a'.repeat(50)}`)).toBe(true);
  });
});
