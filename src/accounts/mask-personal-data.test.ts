import { describe, expect, it } from 'vitest';
import { maskPersonalData } from './mask-personal-data.js';

const event = { type: 'identify', userId: 'ada@example.com', anonymousId: 'anon-1', traits: { name: 'Ada', age: 36 }, context: { ip: '1.2.3.4', library: { name: 'analytics.js' }, traits: { email: 'x@y.io' } }, properties: { plan: 'pro', Email: 'a@b.co' } };

describe('maskPersonalData', () => {
  it('returns the value unchanged for a role with pii_access', () => {
    expect(maskPersonalData(event, { role: 'engineer' })).toBe(event);
  });

  it('masks traits, personal fields and email-like strings for a viewer, keeping structure and library names', () => {
    expect(maskPersonalData(event, { role: 'viewer' })).toEqual({
      type: 'identify',
      userId: '[masked]',
      anonymousId: 'anon-1',
      traits: { name: '[masked]', age: '[masked]' },
      context: { ip: '[masked]', library: { name: 'analytics.js' }, traits: { email: '[masked]' } },
      properties: { plan: 'pro', Email: '[masked]' },
    });
  });

  it('masks email addresses inside other text for a viewer, such as a destination error quoting one', () => {
    const delivery = { status: 'failed', lastError: 'HTTP 400: {"message":"Contact jane.doe+crm@mail.example.co.uk already exists; see a@b.io"}', reason: 'http_400' };
    expect(maskPersonalData(delivery, { role: 'viewer' })).toEqual({ status: 'failed', lastError: 'HTTP 400: {"message":"Contact [masked] already exists; see [masked]"}', reason: 'http_400' });
    expect(maskPersonalData({ note: 'reach us @support or at home' }, { role: 'viewer' })).toEqual({ note: 'reach us @support or at home' });
  });

  it('masks every key the PII classifier names (birthdate, ssn, health, city, ...) but not a thing\'s name, and whole values its detectors recognise', () => {
    const shown = { properties: { birthdate: '1990-04-01', ssn: '078-05-1120', medication: 'insulin', product: { name: 'Lamp', city: 'Lyon' }, card: '4111 1111 1111 1111', iban: 'DE89 3704 0044 0532 0130 00', sku: 'SKU-123456' }, context: { app: { name: 'Shop' }, page: { title: 'Cart' } } };
    expect(maskPersonalData(shown, { role: 'viewer' })).toEqual({
      properties: { birthdate: '[masked]', ssn: '[masked]', medication: '[masked]', product: { name: 'Lamp', city: '[masked]' }, card: '[masked]', iban: '[masked]', sku: 'SKU-123456' },
      context: { app: { name: 'Shop' }, page: { title: 'Cart' } },
    });
  });

  it('masks an URL-encoded email address in a page URL, keeping the rest of the URL', () => {
    const page = { context: { page: { url: 'https://shop.example/welcome?email=dave%40example.com&ref=mail', path: '/welcome' } } };
    expect(maskPersonalData(page, { role: 'viewer' })).toEqual({ context: { page: { url: 'https://shop.example/welcome?email=[masked]&ref=mail', path: '/welcome' } } });
  });

  it('masks international phone numbers inside other text for a viewer, and leaves ids, counts and times', () => {
    const delivery = { lastError: 'HTTP 409: {"error":"phone +44 20 7946 0958 is taken; also +1 (415) 555-0132"}', messageId: 'node-next-1796131765364-e0c23362', note: 'order 1234567 at 2026-12-01T13:29:26Z, 3 + 4 retries' };
    expect(maskPersonalData(delivery, { role: 'viewer' })).toEqual({
      lastError: 'HTTP 409: {"error":"phone [masked] is taken; also [masked]"}',
      messageId: 'node-next-1796131765364-e0c23362',
      note: 'order 1234567 at 2026-12-01T13:29:26Z, 3 + 4 retries',
    });
  });
});
