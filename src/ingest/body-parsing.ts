import { Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseLenient, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { SluiceError } from '../core/errors.js';
import { decodeBody } from './body-charset.js';
import { LIMITS } from '../protocol/segment-event.js';

/** Counts bytes through a stream and fails with 413 once they pass the limit (the decompressed size). */
class SizeLimit extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      callback(new SluiceError('request_too_large', `The request body is over ${this.limit / 1024} KB once decompressed; the limit is 500 KB. Send smaller batches.`));
      return;
    }
    callback(null, chunk);
  }
}

function decoder(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** Line and column (1-based) of a character offset, for JSON error messages. */
function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: position - lastBreak };
}

/** Where (and what) the first syntax error of a JSON text is; JSON.parse's own message lacks it on Node 20. */
function firstSyntaxError(text: string): { position: number; problem: string } {
  const errors: ParseError[] = [];
  parseLenient(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return { position: text.length, problem: 'unexpected input' };
  // ValueExpected -> "value expected"
  const problem = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return { position: first.offset, problem };
}

/** The bytes of each parsed Tracking API body (decompressed), kept to be stored as received. */
const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/** The body of a request as received (decompressed UTF-8 bytes), once the Tracking API parsed it. */
export function rawBodyOf(request: FastifyRequest): Buffer | undefined {
  return rawBodies.get(request);
}

/** Parses JSON text, turning a syntax error into `invalid_json` with the position of the problem. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (text.trim() === '') throw new SluiceError('invalid_json', 'The request body is empty; send a JSON object.');
    const { position, problem } = firstSyntaxError(text);
    const { line, column } = lineAndColumn(text, position);
    const near = JSON.stringify(text.slice(Math.max(0, position - 20), position + 10));
    throw new SluiceError('invalid_json', `The body is not valid JSON: ${problem} at line ${line}, column ${column} (position ${position}, near ${near}).`, { position, line, column });
  }
}

/**
 * Reads a (decompressed) Tracking API body: its JSON, and the bytes to keep as received. A leading UTF-8
 * byte-order mark (EF BB BF) is skipped and left out of the kept bytes, so the processor can parse them again:
 * JSON forbids it, but Windows tools (PowerShell, .NET's UTF8Encoding by default, Notepad) write one and lenient
 * servers accept it. A UTF-16 body, or a gzip one sent without its Content-Encoding, is refused by name rather than as a
 * syntax error at column 1. Bytes that are not UTF-8 are refused, or decoded from the charset the Content-Type
 * names (`decodeBody`).
 */
export function readJsonBytes(received: Buffer, contentType?: string): { bytes: Buffer; json: unknown } {
  const bytes = received.length >= 3 && received[0] === 0xef && received[1] === 0xbb && received[2] === 0xbf ? received.subarray(3) : received;
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new SluiceError('invalid_json', 'The body starts with a UTF-16 byte-order mark: send the JSON encoded as UTF-8.');
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // gzip's magic number: a client that compresses without saying so (its syntax error would quote binary noise).
    throw new SluiceError('invalid_encoding', 'The body is gzip-compressed but the request has no "Content-Encoding: gzip" header: add the header, or send the JSON uncompressed.');
  }
  const decoded = decodeBody(bytes, contentType);
  return { bytes: decoded.bytes, json: parseJsonBody(decoded.text) };
}

/**
 * Installs the Tracking API's body handling on an encapsulated Fastify instance: JSON in `application/json`
 * or `text/plain` (the browser library's beacon format), or under any other type but multipart; gzip/deflate/br
 * decompressed with the 500 KB limit applied to the decompressed bytes (a gzip bomb is a 413).
 */
export function installTrackingBodyParsing(app: FastifyInstance): void {
  app.addHook('preParsing', async (request: FastifyRequest, _reply, payload: Readable) => {
    const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    if (encoding === 'identity' || encoding === '') return payload;
    const decode = decoder(encoding);
    if (!decode) {
      throw new SluiceError('invalid_encoding', `Content-Encoding "${encoding}" is not supported; send gzip, deflate, br or an uncompressed body.`);
    }
    const limit = new SizeLimit(LIMITS.maxRequestBytes);
    // Fastify checks Content-Length against the bytes received on the wire, which it reads from here.
    const counted = limit as SizeLimit & { receivedEncodedLength: number };
    counted.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      counted.receivedEncodedLength += chunk.length;
    });
    decode.on('error', (error) => {
      limit.destroy(new SluiceError('invalid_encoding', `The body is not valid ${encoding}: ${error.message}.`));
    });
    return payload.pipe(decode).pipe(limit);
  });
  app.removeAllContentTypeParsers();
  const parse = (request: FastifyRequest, received: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try {
      const { bytes, json } = readJsonBytes(received, request.headers['content-type']);
      rawBodies.set(request, bytes);
      done(null, json);
    } catch (error) {
      done(error as Error);
    }
  };
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: LIMITS.maxRequestBytes }, parse);
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LIMITS.maxRequestBytes }, (request, body, done) => {
    // Lenient like Segment: any content type holding JSON is read as JSON (curl -d sends a form type).
    const type = String(request.headers['content-type'] ?? '');
    if (type.startsWith('multipart/')) {
      done(new SluiceError('unsupported_media_type', `Content-Type "${type}" is not accepted; send the JSON body as application/json or text/plain.`));
      return;
    }
    parse(request, body as Buffer, done);
  });
}
