import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';

export function installationContract({ store }: StoreContractContext): void {
  describe('installation', () => {
    it('get is undefined for an unknown key', async () => {
      expect(await store().installation.get(`missing-${randomUUID()}`)).toBeUndefined();
    });

    it('setIfAbsent keeps the first value and returns it to later callers', async () => {
      const key = `key-${randomUUID()}`;
      expect(await store().installation.setIfAbsent(key, 'first')).toBe('first');
      expect(await store().installation.setIfAbsent(key, 'second')).toBe('first');
      expect(await store().installation.get(key)).toBe('first');
    });

    it('setIfAbsent called concurrently elects exactly one value', async () => {
      const key = `race-${randomUUID()}`;
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((v) => store().installation.setIfAbsent(key, v)));
      expect(new Set(results).size).toBe(1);
      expect(await store().installation.get(key)).toBe(results[0]);
    });

    it('deletePrefix removes exactly the keys that start with the prefix (an underscore is not a wildcard)', async () => {
      const run = randomUUID();
      await store().installation.replace(`beat_${run}:a`, '1');
      await store().installation.replace(`beat_${run}:b`, '2');
      await store().installation.replace(`beatX${run}:c`, '3');
      await store().installation.replace(`other-${run}`, '4');
      expect(await store().installation.deletePrefix(`beat_${run}:`)).toBe(2);
      expect(await store().installation.get(`beat_${run}:a`)).toBeUndefined();
      expect(await store().installation.get(`beatX${run}:c`)).toBe('3');
      expect(await store().installation.get(`other-${run}`)).toBe('4');
      expect(await store().installation.deletePrefix(`beat_${run}:`)).toBe(0);
    });
  });
}
