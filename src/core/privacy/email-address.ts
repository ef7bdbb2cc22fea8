/**
 * Email addresses where they should not be shown or kept: inside free text (a destination's error message, a
 * validation message quoting a value, an SMTP server's answer), as a whole value or key, and masked for a
 * log line or an answer to the person themselves. The strict detector that classifies stored values as PII
 * is `core/pii/value-detectors.ts`.
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

/** `a***@example.com`: enough for the person to recognise their address, not for anyone else to read it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
