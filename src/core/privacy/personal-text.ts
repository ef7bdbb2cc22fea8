import { findPhoneNumbersInText } from 'libphonenumber-js';

/**
 * Personal data where it should not be shown or kept: email addresses and international phone numbers inside
 * free text (a destination's error message, a validation message quoting a value, an SMTP server's answer, a
 * log line), an email address as a whole value or key, and an address masked for a log line or an answer to
 * the person themselves. The strict detector that classifies stored values as PII is
 * `core/pii/value-detectors.ts`.
 */

/** An email address inside longer text. */
export const EMAIL_IN_TEXT = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const EMAIL_LIKE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Whether a whole value (or key) looks like an email address. */
export function looksLikeEmail(value: string): boolean {
  return EMAIL_LIKE.test(value);
}

/** The text with every email address in it replaced. */
export function hideEmailsIn(text: string, replacement: string): string {
  return text.includes('@') ? text.replace(EMAIL_IN_TEXT, replacement) : text;
}

const PLUS_DIGIT = /\+\s?\d/;

/**
 * The text with every email address and international phone number (`+` and a country code,
 * libphonenumber-js) replaced. Numbers without a `+` are left: in free text they are far more often ids,
 * counts and times than phone numbers.
 */
export function hidePersonalDataIn(text: string, replacement: string, phoneReplacement = replacement): string {
  let out = hideEmailsIn(text, replacement);
  if (!PLUS_DIGIT.test(out)) return out;
  const phones = findPhoneNumbersInText(out);
  for (let i = phones.length - 1; i >= 0; i--) out = `${out.slice(0, phones[i]!.startsAt)}${phoneReplacement}${out.slice(phones[i]!.endsAt)}`;
  return out;
}

/** `a***@example.com`: enough for the person to recognise their address, not for anyone else to read it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
