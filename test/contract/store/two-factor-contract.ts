import { describe, expect, it } from 'vitest';
import type { StoreContractContext } from '../store-contract.js';
import { freshWorkspace } from './fixtures.js';

export function twoFactorContract({ store }: StoreContractContext): void {
  describe('two-factor secrets and recovery codes', () => {
    it('enrolls, enables once, refuses a second enrollment while on, and never accepts a time step twice', async () => {
      const ws = await freshWorkspace(store());
      const repo = store().twoFactor;
      expect(await repo.begin(ws, 'mem_a', 'sealed-1', 1000)).toBe(true);
      expect(await repo.begin(ws, 'mem_a', 'sealed-2', 2000)).toBe(true);
      expect(await repo.get(ws, 'mem_a')).toEqual({ workspaceId: ws, memberId: 'mem_a', sealedSecret: 'sealed-2', createdAt: 2000, enabledAt: null, lastStep: null });
      expect(await repo.enable(ws, 'mem_a', 100, ['h1', 'h2'], 3000)).toBe(true);
      expect(await repo.enable(ws, 'mem_a', 101, ['h3'], 3001)).toBe(false);
      expect(await repo.begin(ws, 'mem_a', 'sealed-3', 4000)).toBe(false);
      expect(await repo.get(ws, 'mem_a')).toMatchObject({ sealedSecret: 'sealed-2', enabledAt: 3000, lastStep: 100 });
      expect(await repo.useStep(ws, 'mem_a', 100)).toBe(false);
      expect(await repo.useStep(ws, 'mem_a', 101)).toBe(true);
      expect(await repo.useStep(ws, 'mem_a', 101)).toBe(false);
      expect(await repo.get(ws, 'mem_b')).toBeUndefined();
    });

    it('spends each recovery code once, per member, and removes everything with the factor', async () => {
      const ws = await freshWorkspace(store());
      const repo = store().twoFactor;
      await repo.begin(ws, 'mem_a', 'sealed', 1);
      await repo.enable(ws, 'mem_a', 1, ['h1', 'h2'], 2);
      expect(await repo.remainingRecoveryCodes(ws, 'mem_a')).toBe(2);
      expect(await repo.useRecoveryCode(ws, 'mem_b', 'h1', 3)).toBe(false);
      expect(await repo.useRecoveryCode(ws, 'mem_a', 'h1', 3)).toBe(true);
      expect(await repo.useRecoveryCode(ws, 'mem_a', 'h1', 4)).toBe(false);
      expect(await repo.useRecoveryCode(ws, 'mem_a', 'nope', 4)).toBe(false);
      expect(await repo.remainingRecoveryCodes(ws, 'mem_a')).toBe(1);
      expect(await repo.remove(ws, 'mem_a')).toBe(true);
      expect(await repo.remove(ws, 'mem_a')).toBe(false);
      expect(await repo.get(ws, 'mem_a')).toBeUndefined();
      expect(await repo.remainingRecoveryCodes(ws, 'mem_a')).toBe(0);
    });
  });
}
