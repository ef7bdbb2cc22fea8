import { Type, type Static } from '@sinclair/typebox';

export const S3ConfigSchema = Type.Object(
  {
    bucket: Type.String({ minLength: 3, maxLength: 63 }),
    region: Type.String({ minLength: 1, description: 'e.g. eu-west-1 (any value your S3-compatible store expects, e.g. us-east-1 for MinIO).' }),
    accessKeyId: Type.String({ minLength: 1 }),
    secretAccessKey: Type.String({ minLength: 1 }),
    sessionToken: Type.Optional(Type.String({ minLength: 1 })),
    endpoint: Type.Optional(Type.String({ format: 'uri', description: 'S3-compatible endpoint (MinIO, Ceph, R2...); path-style URLs are used. Default: https://s3.<region>.amazonaws.com.' })),
    prefix: Type.Optional(Type.String({ maxLength: 200, description: 'Key prefix, e.g. "segment-archive/".' })),
  },
  { additionalProperties: false },
);
export type S3Config = Static<typeof S3ConfigSchema>;
