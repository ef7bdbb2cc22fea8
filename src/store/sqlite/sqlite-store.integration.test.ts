import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStoreContract } from '../../../test/contract/store-contract.js';
import { openSqliteStore } from './sqlite-store.js';

runStoreContract({
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-store-contract-'));
    const store = await openSqliteStore({ file: path.join(dir, 'sluice.db') });
    return {
      store,
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
