import { isIP } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { PiiLevel } from '../privacy/pii-field.js';

export interface Detection {
  level: PiiLevel;
  label: string;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const SSN = /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/;
const JWT = /^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}$/;
const API_KEYS = [
  /^sk_(live|test)_[A-Za-z0-9]{16,}$/, // Stripe secret
  /^rk_(live|test)_[A-Za-z0-9]{16,}$/,
  /^AKIA[0-9A-Z]{16}$/, // AWS access key id
  /^gh[pousr]_[A-Za-z0-9]{36,}$/, // GitHub
  /^glpat-[A-Za-z0-9_-]{20,}$/, // GitLab
  /^xox[abprs]-[A-Za-z0-9-]{10,}$/, // Slack
  /^AIza[0-9A-Za-z_-]{35}$/, // Google
  /^Bearer\s+[A-Za-z0-9._~+/-]{20,}=*$/i,
];
const US_PHONE = /^(\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}$/;

/** Luhn checksum of a digit string (credit card numbers). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** A payment card number: 13-19 digits (spaces or dashes allowed), a card network prefix, valid Luhn. */
export function isCreditCard(value: string): boolean {
  if (!/^[\d -]{13,23}$/.test(value)) return false;
  const digits = value.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (!/^(4|5[1-5]|2[2-7]|3[47]|3[0689]|6)/.test(digits)) return false;
  return luhnValid(digits);
}

/** An IBAN: country, check digits and BBAN, with a valid ISO 7064 mod-97 checksum. */
export function isIban(value: string): boolean {
  const compact = value.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of code) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

function isPhone(value: string): boolean {
  if (value.length < 7 || value.length > 24 || !/^[+\d\s().-]+$/.test(value)) return false;
  if (value.startsWith('+')) return parsePhoneNumberFromString(value)?.isValid() ?? false;
  if (US_PHONE.test(value)) return parsePhoneNumberFromString(value, 'US')?.isValid() ?? false;
  return false;
}

/**
 * Detects PII in a string value: email, phone (libphonenumber-js; international `+...` or formatted US
 * numbers, so bare digit runs like order numbers are not phones), payment card (Luhn), US SSN, IPv4/IPv6,
 * IBAN, JWT and API-key shapes. Returns the strongest detection or undefined.
 */
export function detectValue(value: string, options: { ip: boolean }): Detection | undefined {
  const v = value.trim();
  if (v.length < 6 || v.length > 2000) return undefined;
  // Each detector runs only when the first character allows its shape (a necessary condition, checked
  // cheaply): most values are URLs, titles, user agents and ids that no detector could match.
  const first = v.charCodeAt(0);
  const digit = first >= 48 && first <= 57;
  // Non-ASCII first characters take the full path (toUpperCase can turn one into Latin letters: ß -> SS).
  const letter = ((first | 32) >= 97 && (first | 32) <= 122) || first >= 128;
  if ((digit || first === 45) && isCreditCard(v)) return { level: 'red', label: 'credit_card' };
  if (digit && SSN.test(v)) return { level: 'red', label: 'ssn' };
  if (letter) {
    if (first === 101 && JWT.test(v)) return { level: 'red', label: 'token' };
    if (API_KEY_FIRST.has(first) && API_KEYS.some((re) => re.test(v))) return { level: 'red', label: 'api_key' };
    if (ibanPrefix(v) && isIban(v)) return { level: 'red', label: 'iban' };
  }
  if (v.includes('@') && EMAIL.test(v)) return { level: 'yellow', label: 'email' };
  if (options.ip && (digit || v.includes(':')) && isIP(v) !== 0) return { level: 'yellow', label: 'ip' };
  if ((digit || PHONE_FIRST.has(first)) && isPhone(v)) return { level: 'yellow', label: 'phone' };
  return undefined;
}

/** First characters an API-key shape can start with (s, r, A, g, x, B, b: see API_KEYS). */
const API_KEY_FIRST = new Set([...'srAgxBb'].map((c) => c.charCodeAt(0)));
/** First characters other than digits a phone number can start with (see isPhone). */
const PHONE_FIRST = new Set([...'+().-'].map((c) => c.charCodeAt(0)));

/**
 * Whether the first four non-space characters can be two letters and two digits (an IBAN's country and check
 * digits); a non-ASCII character answers yes (isIban decides).
 */
function ibanPrefix(v: string): boolean {
  let n = 0;
  for (let i = 0; i < v.length && n < 4; i++) {
    const c = v.charCodeAt(i);
    if (c === 32) continue;
    if (c >= 128) return true;
    const ok = n < 2 ? (c | 32) >= 97 && (c | 32) <= 122 : c >= 48 && c <= 57;
    if (!ok) return false;
    n++;
  }
  return n === 4;
}
