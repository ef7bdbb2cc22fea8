import { createHash } from 'node:crypto';

/** Crockford's base32, the alphabet of ULIDs. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAX_TIME_MS = 2 ** 48 - 1;

/**
 * A ULID (https://github.com/ulid/spec) derived from a string (a messageId) and a time in ms: the 48-bit time
 * part is `timeMs`, the 80-bit random part a hash of `input`. The same event always gives the same ULID, so a
 * tool that deduplicates by ULID (Customer.io's event `id`) sees a retry or a replay as the same event.
 */
export function stableUlid(input: string, timeMs: number): string {
  const time = Number.isFinite(timeMs) ? Math.min(Math.max(Math.floor(timeMs), 0), MAX_TIME_MS) : 0;
  let out = '';
  let rest = time;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  // 80 bits of the hash, 5 bits a character: 16 characters.
  let bits = BigInt(`0x${createHash('sha256').update(input).digest('hex').slice(0, 20)}`);
  let random = '';
  for (let i = 0; i < 16; i++) {
    random = ALPHABET[Number(bits & 31n)]! + random;
    bits >>= 5n;
  }
  return out + random;
}
