import { isIP } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../protocol/segment-event.js';
import { classifyEvent, compileMatchers } from './classify.js';
import { detectKey } from './key-matchers.js';
import { detectValue, isCreditCard, isIban, type Detection } from './value-detectors.js';
import { seededRandom } from '../../../test/support/seeded-random.js';

/**
 * The classifier's fast paths (first-character prefilters in detectValue, the tree of seen paths in
 * classifyEvent) must answer exactly what the plain versions answer. The plain versions live here as the
 * reference: every detector in order, and a walk that builds each path and asks detectKey every time.
 */
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const SSN = /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/;
const JWT = /^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}$/;
const API_KEYS = [
  /^sk_(live|test)_[A-Za-z0-9]{16,}$/,
  /^rk_(live|test)_[A-Za-z0-9]{16,}$/,
  /^AKIA[0-9A-Z]{16}$/,
  /^gh[pousr]_[A-Za-z0-9]{36,}$/,
  /^glpat-[A-Za-z0-9_-]{20,}$/,
  /^xox[abprs]-[A-Za-z0-9-]{10,}$/,
  /^AIza[0-9A-Za-z_-]{35}$/,
  /^Bearer\s+[A-Za-z0-9._~+/-]{20,}=*$/i,
];
const US_PHONE = /^(\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}$/;

function referencePhone(value: string): boolean {
  if (value.length < 7 || value.length > 24 || !/^[+\d\s().-]+$/.test(value)) return false;
  if (value.startsWith('+')) return parsePhoneNumberFromString(value)?.isValid() ?? false;
  if (US_PHONE.test(value)) return parsePhoneNumberFromString(value, 'US')?.isValid() ?? false;
  return false;
}

function referenceDetect(value: string, options: { ip: boolean }): Detection | undefined {
  const v = value.trim();
  if (v.length < 6 || v.length > 2000) return undefined;
  if (isCreditCard(v)) return { level: 'red', label: 'credit_card' };
  if (SSN.test(v)) return { level: 'red', label: 'ssn' };
  if (JWT.test(v)) return { level: 'red', label: 'token' };
  if (API_KEYS.some((re) => re.test(v))) return { level: 'red', label: 'api_key' };
  if (isIban(v)) return { level: 'red', label: 'iban' };
  if (EMAIL.test(v)) return { level: 'yellow', label: 'email' };
  if (options.ip && isIP(v) !== 0) return { level: 'yellow', label: 'ip' };
  if (referencePhone(v)) return { level: 'yellow', label: 'phone' };
  return undefined;
}


const SAMPLES = [
  'ada@example.com', ' Ada.Lovelace@Example.co.uk ', 'not an email@', '+1 415 555 0100', '(415) 555-0100', '415.555.0100', '-415 555 0100',
  '+44 20 7946 0958', ')415 555 0100', '.415.555.0100', '4111 1111 1111 1111', '4111-1111-1111-1111', '-4111 1111 1111 1111', ' 4111111111111111',
  '4111111111111112', '123-45-6789', '000-12-3456', 'DE89 3704 0044 0532 0130 00', 'de89370400440532013000', 'GB82 WEST 1234 5698 7654 32',
  ' gb82west12345698765432', 'ß09370400440532013000', 'ﬀ4712345678901234567', 'D E89370400440532013000', 'eyJhbGciOi.eyJzdWIiOi.abcdefghijkl', 'sk_live_abcdefghijklmnop1234',
  'AKIAABCDEFGHIJKLMNOP', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'glpat-abcdefghijklmnopqrstu', 'xoxb-1234567890-abc', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234',
  'bearer abcdefghijklmnopqrstuvwxyz', 'Bearer abc.def-ghi_jkl~mno+pqr/stu==', '203.0.113.7', '2001:db8::8a2e:370:7334', 'fe80::1%eth0', '::ffff:192.0.2.1',
  '1.84.3.0', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', 'https://shop.example.com/products', 'Products', 'en-US', 'p-123456', '19.99',
  'ÄB12 3456 7890 1234 56', 'ﬀ12345678901234567', '١٢٣٤٥٦٧٨٩٠', '+', '((((((', '------', '.....@..', 'a@b.co',
];

describe('value detectors: the first-character prefilters answer exactly what every detector in order answers', () => {
  it('on known shapes and near misses', () => {
    for (const v of SAMPLES) {
      for (const ip of [true, false]) expect(detectValue(v, { ip }), `${JSON.stringify(v)} ip=${ip}`).toEqual(referenceDetect(v, { ip }));
    }
  });

  it('on random strings over the characters the detectors care about', () => {
    const random = seededRandom(Number(process.env.PRIVACY_FUZZ_SEED ?? 7));
    const alphabet = '0123456789 -+().@:_/=~eyJskrAIKgxBbpatlveGDEWST ßﬀÄ١\t';
    const prefixes = ['', '', '', '+1 ', '4111', 'DE89', 'gb', 'eyJ', 'sk_live_', 'xoxb-', 'AIza', 'Bearer ', 'fe80::', '203.0.', '-', '(', 'ß'];
    for (let n = 0; n < 20_000; n++) {
      let v = prefixes[Math.floor(random() * prefixes.length)]!;
      const length = 3 + Math.floor(random() * 30);
      for (let i = 0; i < length; i++) v += alphabet[Math.floor(random() * alphabet.length)];
      for (const ip of [true, false]) {
        const got = detectValue(v, { ip });
        const want = referenceDetect(v, { ip });
        if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `${JSON.stringify(v)} ip=${ip}`).toEqual(want);
      }
    }
  });
});

/** The classifier without the path tree: builds every path and asks detectKey and detectValue every time. */
function referenceClassify(event: Record<string, JsonValue | undefined>): Map<string, string> {
  const RANK = { none: 0, yellow: 1, sensitive: 2, red: 3 } as const;
  const fields = new Map<string, { level: keyof typeof RANK; label: string | null }>();
  const stronger = (a: Detection | undefined, b: Detection | undefined) => (!a ? b : !b ? a : RANK[b.level] > RANK[a.level] ? b : a);
  const visit = (value: JsonValue | undefined, path: string, key: string, inherited: Detection | undefined) => {
    if (value === undefined) return;
    const context = stronger(inherited, detectKey(key, path));
    if (value !== null && typeof value === 'object') {
      if (Array.isArray(value)) for (const item of value) visit(item, `${path}[]`, key, context);
      else for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`, k, context);
      return;
    }
    let detection = context;
    if (typeof value === 'string' || typeof value === 'number') detection = stronger(detection, detectValue(String(value), { ip: !/version$/i.test(key) }));
    const next = detection ? { level: detection.level, label: detection.label } : { level: 'none' as const, label: null };
    const current = fields.get(path);
    if (!current || RANK[next.level] > RANK[current.level]) fields.set(path, next);
  };
  for (const root of ['properties', 'traits', 'context'] as const) {
    const value = event[root];
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) visit(v, `${root}.${k}`, k, undefined);
  }
  return new Map([...fields].map(([path, f]) => [path, `${f.level}:${f.label}`]));
}

describe('classifyEvent: the tree of seen paths', () => {
  const events: Record<string, JsonValue>[] = [
    { traits: { email: 'ada@example.com', name: 'Ada', address: { city: 'London', street: '1 Main St' }, 'a.b': 'x@y.co' }, context: { app: { name: 'Shop', version: '1.2.3.4' }, ip: '203.0.113.7' } },
    { properties: { a: { b: 'plain' }, 'a.b': '4111 1111 1111 1111', items: [{ email: 'z@example.com' }, { sku: 'p-1' }], health: ['flu', { code: 'J10' }] } },
    { properties: { ssn: 5, password: null, orders: [[{ phone: '+1 415 555 0100' }]], version: '10.0.0.1' }, context: { traits: { name: 'Bob', email: 'BOB@EXAMPLE.COM' }, library: { name: 'analytics.js' } } },
    { properties: { a: { b: 'plain again' } }, traits: { email: 'ada@example.com', name: 'Ada' } },
  ];

  it('classifies like a walk that builds every path, also for paths seen before and for keys holding dots', () => {
    for (let round = 0; round < 3; round++) {
      for (const event of events) {
        const got = new Map(classifyEvent(event).map((f) => [f.path, `${f.level}:${f.label}`]));
        expect(got).toEqual(referenceClassify(event));
      }
    }
  });

  it('applies custom matchers on every pass over a known path', () => {
    const custom = compileMatchers([{ target: 'key', pattern: 'sku', level: 'red', label: 'sku' }, { target: 'value', pattern: '^J\\d+$', regex: true, level: 'sensitive', label: 'icd' }]);
    for (let round = 0; round < 2; round++) {
      const fields = classifyEvent(events[1]!, custom);
      expect(fields.find((f) => f.path === 'properties.items[].sku')).toMatchObject({ level: 'red', label: 'sku', detectedBy: 'custom' });
      expect(fields.find((f) => f.path === 'properties.health[].code')).toMatchObject({ level: 'sensitive', label: 'health' });
      expect(classifyEvent(events[1]!).find((f) => f.path === 'properties.items[].sku')).toMatchObject({ level: 'none' });
    }
  });
});
