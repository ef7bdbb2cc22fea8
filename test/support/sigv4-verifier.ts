import { createHash, createHmac } from 'node:crypto';

/**
 * An independent AWS Signature V4 verifier for the S3 stand-in, written from AWS's documentation
 * ("Signature Calculations for the Authorization Header"), and itself checked against AWS's published
 * example in sigv4-verifier.test.ts. It recomputes the signature of a received request.
 */
export interface SignedRequest {
  method: string;
  /** The path exactly as sent (already URI-encoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

export function canonicalRequest(request: SignedRequest, signedHeaders: string[], payloadHash: string): string {
  const query = [...request.query.entries()]
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders.map((name) => {
    const value = request.headers[name];
    return `${name}:${String(Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ')}\n`;
  });
  return [request.method, request.path, query, headers.join(''), signedHeaders.join(';'), payloadHash].join('\n');
}

export function signature(secretAccessKey: string, date: string, region: string, service: string, stringToSign: string): string {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const kSigning = hmac(kService, 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

/** Returns undefined when the request carries a valid signature for these credentials, else why not. */
export function verifySigV4(request: SignedRequest, credentials: { accessKeyId: string; secretAccessKey: string }): string | undefined {
  const auth = String(request.headers.authorization ?? '');
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return 'no Signature V4 Authorization header';
  const [, keyId, date, region, service, signed, given] = match as unknown as string[];
  if (keyId !== credentials.accessKeyId) return 'unknown access key';
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return 'x-amz-date does not match the credential scope';
  const payloadHash = String(request.headers['x-amz-content-sha256'] ?? '');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(request.body)) return 'x-amz-content-sha256 does not match the body';
  const signedHeaders = signed!.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const canonical = canonicalRequest(request, signedHeaders, payloadHash);
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, sha256(canonical)].join('\n');
  return signature(credentials.secretAccessKey, date!, region!, service!, stringToSign) === given ? undefined : 'signature mismatch';
}
