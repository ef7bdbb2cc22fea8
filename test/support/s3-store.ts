import type { ReceivedRequest } from './mock-server.js';
import { verifySigV4 } from './sigv4-verifier.js';

export const S3_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/**
 * An S3-compatible store, path-style (/bucket/key), that verifies every request's Signature V4 with an
 * independent verifier and keeps objects in memory: PUT, GET, DELETE object and ListObjectsV2.
 */
export function s3Store(objects: Map<string, Buffer>, rejected: string[]) {
  return (r: ReceivedRequest) => {
    const rawPath = r.path;
    const problem = verifySigV4({ method: r.method, path: rawPath, query: r.query, headers: r.headers, body: r.raw }, S3_CREDENTIALS);
    if (problem) {
      rejected.push(problem);
      return { status: 403, body: `<Error><Code>SignatureDoesNotMatch</Code><Message>${problem}</Message></Error>` };
    }
    const [, bucket, ...rest] = rawPath.split('/');
    if (bucket !== 'archive') return { status: 404, body: '<Error><Code>NoSuchBucket</Code></Error>' };
    const key = rest.map(decodeURIComponent).join('/');
    if (r.method === 'GET' && key === '' && r.query.get('list-type') === '2') {
      const prefix = r.query.get('prefix') ?? '';
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      return { status: 200, body: `<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated>${keys.map((k) => `<Contents><Key>${k}</Key></Contents>`).join('')}</ListBucketResult>` };
    }
    if (r.method === 'PUT') {
      objects.set(key, r.raw);
      return { status: 200, body: '' };
    }
    if (r.method === 'DELETE') {
      objects.delete(key);
      return { status: 204 };
    }
    if (r.method === 'GET') {
      const body = objects.get(key);
      return body ? { status: 200, body } : { status: 404, body: '<Error><Code>NoSuchKey</Code></Error>' };
    }
    return { status: 405, body: '' };
  };
}
