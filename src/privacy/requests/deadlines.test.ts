import { describe, expect, it } from 'vitest';
import { addBusinessDays, addCalendarMonths, dueAt, extendedDueAt, receiptConfirmationDueAt } from './deadlines.js';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('GDPR one calendar month (Art. 12(3))', () => {
  it.each([
    ['same day next month', '2026-03-10T09:30:00.000Z', '2026-04-10T09:30:00.000Z'],
    ['Jan 31 clamps to Feb 28 in a common year', '2026-01-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z'],
    ['Jan 31 clamps to Feb 29 in a leap year', '2028-01-31T12:00:00.000Z', '2028-02-29T12:00:00.000Z'],
    ['Jan 29 in a leap year stays Feb 29', '2024-01-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
    ['Jan 30 in a common year clamps to Feb 28', '2027-01-30T00:00:00.000Z', '2027-02-28T00:00:00.000Z'],
    ['Mar 31 clamps to Apr 30', '2026-03-31T08:00:00.000Z', '2026-04-30T08:00:00.000Z'],
    ['Feb 29 leap day goes to Mar 29', '2028-02-29T10:00:00.000Z', '2028-03-29T10:00:00.000Z'],
    ['Dec 15 crosses the year', '2026-12-15T23:59:59.000Z', '2027-01-15T23:59:59.000Z'],
    ['Dec 31 goes to Jan 31', '2026-12-31T00:00:00.000Z', '2027-01-31T00:00:00.000Z'],
    ['Aug 31 clamps to Sep 30', '2026-08-31T00:00:00.000Z', '2026-09-30T00:00:00.000Z'],
  ])('%s', (_name, received, due) => {
    expect(iso(dueAt('access', 'gdpr', t(received)))).toBe(due);
    expect(iso(dueAt('delete', 'gdpr', t(received)))).toBe(due);
  });

  it.each([
    ['extension: three months from receipt', '2026-03-10T00:00:00.000Z', '2026-06-10T00:00:00.000Z'],
    ['extension from Nov 30 clamps to Feb 28', '2026-11-30T00:00:00.000Z', '2027-02-28T00:00:00.000Z'],
    ['extension from Nov 30 before a leap year clamps to Feb 29', '2027-11-30T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    ['extension from Jan 31 is Apr 30, not Apr 28', '2026-01-31T00:00:00.000Z', '2026-04-30T00:00:00.000Z'],
  ])('%s', (_name, received, due) => {
    expect(iso(extendedDueAt('delete', 'gdpr', t(received)))).toBe(due);
  });

  it('adds months across many years without drift', () => {
    expect(iso(addCalendarMonths(t('2026-05-31T00:00:00.000Z'), 25))).toBe('2028-06-30T00:00:00.000Z');
  });
});

describe('CCPA calendar days (11 CCR 7021)', () => {
  it.each([
    ['45 days', '2026-01-01T10:00:00.000Z', '2026-02-15T10:00:00.000Z', '2026-04-01T10:00:00.000Z'],
    ['across a leap day', '2028-02-01T00:00:00.000Z', '2028-03-17T00:00:00.000Z', '2028-05-01T00:00:00.000Z'],
    ['across the year end', '2026-12-01T00:00:00.000Z', '2027-01-15T00:00:00.000Z', '2027-03-01T00:00:00.000Z'],
  ])('%s', (_name, received, due, extended) => {
    expect(iso(dueAt('delete', 'ccpa', t(received)))).toBe(due);
    expect(iso(dueAt('know', 'ccpa', t(received)))).toBe(due);
    expect(iso(extendedDueAt('delete', 'ccpa', t(received)))).toBe(extended);
  });
});

describe('business days (receipt confirmation 7021, opt-out 7026)', () => {
  it.each([
    ['Monday + 10 business days is the Monday two weeks later', '2026-11-30T09:00:00.000Z', 10, '2026-12-14T09:00:00.000Z'],
    ['Friday + 1 is Monday', '2026-12-04T17:00:00.000Z', 1, '2026-12-07T17:00:00.000Z'],
    ['received on Saturday: + 1 is Monday', '2026-12-05T10:00:00.000Z', 1, '2026-12-07T10:00:00.000Z'],
    ['received on Sunday: + 10 is the second Friday', '2026-12-06T10:00:00.000Z', 10, '2026-12-18T10:00:00.000Z'],
    ['Wednesday + 15 is three weeks later', '2026-12-02T00:00:00.000Z', 15, '2026-12-23T00:00:00.000Z'],
  ])('%s', (_name, received, days, due) => {
    expect(iso(addBusinessDays(t(received), days))).toBe(due);
  });

  it('skips the holidays it is given', () => {
    // Friday Dec 25 given as a holiday: Thursday Dec 24 + 2 business days = Tuesday Dec 29.
    expect(iso(addBusinessDays(t('2026-12-24T00:00:00.000Z'), 2, { holidays: ['2026-12-25'] }))).toBe('2026-12-29T00:00:00.000Z');
    expect(iso(addBusinessDays(t('2026-12-24T00:00:00.000Z'), 2))).toBe('2026-12-28T00:00:00.000Z');
  });

  it('confirms receipt within 10 business days', () => {
    expect(iso(receiptConfirmationDueAt(t('2026-12-04T12:00:00.000Z')))).toBe('2026-12-18T12:00:00.000Z');
  });

  it('gives CCPA opt-outs 15 business days and no extension', () => {
    expect(iso(dueAt('opt_out', 'ccpa', t('2026-12-04T12:00:00.000Z')))).toBe('2026-12-25T12:00:00.000Z');
    expect(iso(dueAt('limit_sensitive', 'ccpa', t('2026-12-04T12:00:00.000Z')))).toBe('2026-12-25T12:00:00.000Z');
    expect(extendedDueAt('opt_out', 'ccpa', t('2026-12-04T12:00:00.000Z'))).toBeUndefined();
  });

  it('runs a GDPR objection on the one-month clock', () => {
    expect(iso(dueAt('opt_out', 'gdpr', t('2026-01-31T00:00:00.000Z')))).toBe('2026-02-28T00:00:00.000Z');
  });
});
