/**
 * What the APIs take as an email address: one @, no spaces, something on each side. Deliberately loose: stricter checks
 * (JSON Schema's `format: "email"`, ASCII only) refuse real addresses, such as one with an accented letter
 * (`hänsel@beispiel.de`, RFC 6531) or an internationalised domain (`ada@bücher.de`). Whether an address works is for
 * the mail server to say: an email it refuses is recorded (and, to a data subject, followed up by the privacy team).
 */
export const EMAIL_PATTERN = '^[^@\\s]+@[^@\\s]+$';
