import { describe, expect, it } from 'vitest';
import { classifyEvent, compileMatchers } from './classify.js';
import { detectKey } from './key-matchers.js';
import { detectValue, isCreditCard, isIban, luhnValid } from './value-detectors.js';

describe('value detectors: true and false positives', () => {
  it.each([
    ['ada@example.com', 'email'],
    ['+44 20 7946 0958', 'phone'],
    ['(415) 555-2671', 'phone'],
    ['4111 1111 1111 1111', 'credit_card'],
    ['5500-0000-0000-0004', 'credit_card'],
    ['378282246310005', 'credit_card'],
    ['123-45-6789', 'ssn'],
    ['192.168.10.20', 'ip'],
    ['2001:db8::8a2e:370:7334', 'ip'],
    ['GB82 WEST 1234 5698 7654 32', 'iban'],
    ['DE89370400440532013000', 'iban'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'token'],
    ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'api_key'],
    ['AKIAIOSFODNN7EXAMPLE', 'api_key'],
  ])('detects %s as %s', (value, label) => {
    expect(detectValue(value, { ip: true })?.label).toBe(label);
  });

  it.each([
    ['4111111111111112', 'a 16-digit order number failing Luhn'],
    ['1234567812345678', 'a 16-digit number without a card prefix that fails Luhn'],
    ['20261130000123', 'a numeric order id'],
    ['000-12-3456', 'an SSN with area 000'],
    ['666-12-3456', 'an SSN with area 666'],
    ['123-00-4567', 'an SSN with group 00'],
    ['ada at example.com', 'text with an at'],
    ['999.1.1.1', 'not an IPv4'],
    ['GB82 WEST 1234 5698 7654 33', 'an IBAN with a wrong checksum'],
    ['5551234', 'a bare 7-digit run (not a phone without formatting)'],
    ['eyJ.not.jwt', 'a short eyJ string'],
    ['hello world', 'plain text'],
    ['2026-11-30T12:00:00Z', 'a timestamp'],
  ])('does not flag %s (%s)', (value) => {
    expect(detectValue(value, { ip: true })).toBeUndefined();
  });

  it('luhn, card and IBAN checks', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(isCreditCard('4012888888881881')).toBe(true);
    expect(isIban('FR1420041010050500013M02606')).toBe(true);
    expect(isIban('FR1420041010050500013M02607')).toBe(false);
  });

  it('skips IP detection where asked (version strings)', () => {
    expect(detectValue('10.1.2.3', { ip: false })).toBeUndefined();
  });
});

describe('key matchers are path-aware', () => {
  it.each([
    ['name', 'traits.name', 'name'],
    ['name', 'context.traits.name', 'name'],
    ['name', 'context.app.name', undefined],
    ['name', 'context.library.name', undefined],
    ['name', 'properties.name', undefined],
    ['first_name', 'properties.customer.first_name', 'name'],
    ['SSN', 'traits.SSN', 'ssn'],
    ['password', 'properties.password', 'password'],
    ['creditCardNumber', 'properties.creditCardNumber', 'credit_card'],
    ['medical_condition', 'traits.medical_condition', 'health'],
    ['religion', 'traits.religion', 'religion'],
    ['political_party', 'traits.political_party', 'political_opinion'],
    ['sexual_orientation', 'traits.sexual_orientation', 'sex_life'],
    ['criminal_record', 'traits.criminal_record', 'criminal_record'],
    ['union_membership', 'traits.union_membership', 'union_membership'],
    ['dna', 'traits.dna', 'genetics'],
    ['fingerprint', 'traits.fingerprint', 'biometrics'],
    ['ethnicity', 'traits.ethnicity', 'ethnicity'],
    ['ip', 'context.ip', 'ip'],
    ['plan', 'traits.plan', undefined],
    ['version', 'context.library.version', undefined],
  ])('%s at %s -> %s', (key, path, label) => {
    expect(detectKey(key, path)?.label).toBe(label);
  });
});

describe('classifyEvent', () => {
  it('classifies nested fields, arrays, and picks the strongest detection', () => {
    const fields = classifyEvent({
      properties: { orderId: '4111111111111112', items: [{ sku: 'A1', contact: 'buyer@example.com' }], card: { number: '4111 1111 1111 1111' } },
      traits: { name: 'Ada Lovelace', email: 'ada@example.com', health: { condition: 'asthma' } },
      context: { app: { name: 'Shop' }, library: { name: 'analytics.js', version: '1.2.3.4' }, ip: '203.0.113.9' },
    });
    const by = Object.fromEntries(fields.map((f) => [f.path, `${f.level}:${f.label}`]));
    expect(by).toMatchObject({
      'properties.orderId': 'none:null',
      'properties.items[].sku': 'none:null',
      'properties.items[].contact': 'yellow:email',
      'properties.card.number': 'red:credit_card',
      'traits.name': 'yellow:name',
      'traits.email': 'yellow:email',
      'traits.health.condition': 'sensitive:health',
      'context.app.name': 'none:null',
      'context.library.name': 'none:null',
      'context.library.version': 'none:null',
      'context.ip': 'yellow:ip',
    });
  });

  it('applies custom key and value matchers', () => {
    const custom = compileMatchers([
      { target: 'key', pattern: 'loyaltyId', level: 'yellow', label: 'loyalty' },
      { target: 'value', pattern: '^EMP-\\d{6}$', regex: true, level: 'red', label: 'employee_id' },
    ]);
    const fields = classifyEvent({ properties: { LoyaltyID: 'L-1', ref: 'EMP-123456', other: 'EMP-12' } }, custom);
    const by = Object.fromEntries(fields.map((f) => [f.path, `${f.level}:${f.label}:${f.detectedBy}`]));
    expect(by).toEqual({ 'properties.LoyaltyID': 'yellow:loyalty:custom', 'properties.ref': 'red:employee_id:custom', 'properties.other': 'none:null:none' });
  });
});
