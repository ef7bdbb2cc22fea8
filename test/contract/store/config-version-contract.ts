import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';

export function configVersionContract({ store }: StoreContractContext): void {
  describe('configVersions', () => {
    it('counts every bump of a topic, concurrent ones included, and leaves other topics alone', async () => {
      const topic = `topic-${randomUUID()}`;
      const other = `other-${randomUUID()}`;
      expect((await store().configVersions.all()).has(topic)).toBe(false);
      await store().configVersions.bump(topic);
      expect((await store().configVersions.all()).get(topic)).toBe(1);
      await store().configVersions.bump(other);
      await Promise.all(Array.from({ length: 5 }, () => store().configVersions.bump(topic)));
      const all = await store().configVersions.all();
      expect(all.get(topic)).toBe(6);
      expect(all.get(other)).toBe(1);
    });
  });
}
