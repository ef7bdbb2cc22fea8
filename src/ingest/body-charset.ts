import { SluiceError } from '../core/errors.js';

/** Names of UTF-8 a Content-Type's charset may give (WHATWG labels; the body is then read as UTF-8). */
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']);

/** Decodes a whole body at a time (no stream state is kept between calls), so one serves every request. */
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The charset a Content-Type names, lowercased and unquoted; undefined when it names none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType ?? '');
  return match ? match[2]!.toLowerCase() : undefined;
}

/** The offset of the first byte that does not start a valid UTF-8 sequence, or undefined when none is found. */
function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return undefined;
}

/**
 * A Tracking API body as text, and its bytes as UTF-8 (kept as received for the processor, which reads them as
 * UTF-8). JSON is UTF-8 (RFC 8259) and Segment's libraries send nothing else, so a body that is not valid UTF-8 is
 * refused (`invalid_encoding`, naming the first bad byte) rather than read with its bytes replaced by U+FFFD, which
 * would store "Ren\uFFFD" for a Latin-1 "René" without anyone knowing. A body whose Content-Type names another
 * charset (`; charset=iso-8859-1`) is decoded from it and kept as UTF-8; a charset this server does not know is
 * refused (`unsupported_media_type`).
 */
export function decodeBody(bytes: Buffer, contentType: string | undefined): { text: string; bytes: Buffer } {
  const charset = charsetOf(contentType);
  if (charset !== undefined && !UTF8_LABELS.has(charset)) {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(charset, { fatal: true });
    } catch {
      throw new SluiceError('unsupported_media_type', `Content-Type names charset "${charset}", which this server cannot decode: send the JSON encoded as UTF-8 (charset=utf-8, or no charset).`);
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new SluiceError('invalid_encoding', `The body is not valid ${charset}, the charset its Content-Type names: send it in that charset, or as UTF-8 without a charset.`);
    }
    return { text, bytes: Buffer.from(text, 'utf8') };
  }
  try {
    return { text: UTF8_DECODER.decode(bytes), bytes };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const where = at === undefined ? '' : ` (byte ${at}, 0x${bytes[at]!.toString(16).padStart(2, '0')})`;
    throw new SluiceError(
      'invalid_encoding',
      `The body is not valid UTF-8${where}: send the JSON encoded as UTF-8, or name its charset in Content-Type (e.g. "application/json; charset=iso-8859-1").`,
    );
  }
}
