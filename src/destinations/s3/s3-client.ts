import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { DestinationHttp, OutboundResponse } from '../destination.js';
import type { S3Config } from './s3-config.js';

/**
 * The few S3 calls the archive needs (PUT, GET, DELETE object; ListObjectsV2), signed with AWS Signature V4
 * by @smithy/signature-v4 (the AWS SDK's own signer), over the guarded destination HTTP client. Path-style
 * URLs (`endpoint/bucket/key`) when an endpoint is configured, for self-hosted S3-compatible stores.
 */
export class S3Client {
  private readonly signer: SignatureV4;
  private readonly base: URL;

  constructor(
    private readonly config: S3Config,
    private readonly http: DestinationHttp,
  ) {
    this.signer = new SignatureV4({
      service: 's3',
      region: config.region,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}) },
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
    });
    this.base = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com`);
  }

  /** Path of an object (or of the bucket when key is empty), each key segment URI-encoded. */
  private path(key: string): string {
    const prefix = this.base.pathname.replace(/\/+$/, '');
    const encodedKey = key
      .split('/')
      .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
      .join('/');
    return `${prefix}/${this.config.bucket}${key ? `/${encodedKey}` : '/'}`;
  }

  async send(method: 'GET' | 'PUT' | 'DELETE', key: string, options: { query?: Record<string, string>; body?: Uint8Array; headers?: Record<string, string> } = {}): Promise<OutboundResponse> {
    const signed = await this.signer.sign({
      method,
      protocol: this.base.protocol,
      hostname: this.base.hostname,
      ...(this.base.port ? { port: Number(this.base.port) } : {}),
      path: this.path(key),
      query: options.query ?? {},
      headers: { host: this.base.host, ...(options.headers ?? {}) },
      ...(options.body ? { body: options.body } : {}),
    });
    const query = new URLSearchParams(options.query ?? {}).toString();
    const url = `${this.base.protocol}//${this.base.host}${this.path(key)}${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) if (name !== 'host') headers[name] = String(value);
    return this.http.send({ method, url, headers, ...(options.body ? { body: options.body } : {}) });
  }

  /** Every key under a prefix (ListObjectsV2, following continuation tokens). */
  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const response = await this.send('GET', '', { query: { 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) } });
      if (response.status !== 200) throw new Error(`S3 ListObjectsV2 answered ${response.status}: ${response.body.slice(0, 200)}`);
      // The answer is S3's documented ListBucketResult XML; only <Key> and <NextContinuationToken> are read.
      for (const match of response.body.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(unescapeXml(match[1]!));
      token = /<IsTruncated>true<\/IsTruncated>/.test(response.body) ? /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(response.body)?.[1] : undefined;
    } while (token);
    return keys;
  }
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
