import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalRequest, signature, verifySigV4 } from './sigv4-verifier.js';

// AWS's published example: "GET Object" in the S3 docs (Signature Calculations for the Authorization Header,
// transferring payload in a single chunk), with the documentation's example credentials.
const EXAMPLE = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  emptyHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
};

describe('the SigV4 verifier used by the S3 stand-in', () => {
  const request = {
    method: 'GET',
    path: '/test.txt',
    query: new URLSearchParams(),
    headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': EXAMPLE.emptyHash, 'x-amz-date': '20130524T000000Z' } as Record<string, string>,
    body: Buffer.alloc(0),
  };
  const signed = ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'];

  it("reproduces AWS's published signature for the GET Object example", () => {
    const canonical = canonicalRequest(request, signed, EXAMPLE.emptyHash);
    const stringToSign = ['AWS4-HMAC-SHA256', '20130524T000000Z', '20130524/us-east-1/s3/aws4_request', createHash('sha256').update(canonical).digest('hex')].join('\n');
    expect(signature(EXAMPLE.secretAccessKey, '20130524', 'us-east-1', 's3', stringToSign)).toBe(EXAMPLE.signature);
  });

  it('accepts that request and rejects it once tampered', () => {
    const authorization = `AWS4-HMAC-SHA256 Credential=${EXAMPLE.accessKeyId}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed.join(';')},Signature=${EXAMPLE.signature}`;
    expect(verifySigV4({ ...request, headers: { ...request.headers, authorization } }, EXAMPLE)).toBeUndefined();
    expect(verifySigV4({ ...request, headers: { ...request.headers, authorization, range: 'bytes=0-99' } }, EXAMPLE)).toBe('signature mismatch');
    expect(verifySigV4({ ...request, headers: { ...request.headers, authorization } }, { ...EXAMPLE, secretAccessKey: 'other' })).toBe('signature mismatch');
  });
});
