import { createHash } from 'node:crypto';

/**
 * A UUID derived from a string (a messageId): the same input always gives the same UUID, so a tool that
 * deduplicates by UUID (PostHog, S3 object names) sees a retry or a replay as the same event.
 */
export function stableUuid(input: string): string {
  const hex = createHash('sha256').update(input).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
