import { describe } from 'vitest';
import { runStoreContract } from '../../../test/contract/store-contract.js';
import { createTestSchema, postgresAvailable } from '../../../test/support/postgres.js';
import { openPostgresStore } from './postgres-store.js';

const available = await postgresAvailable();

describe.runIf(available)('PostgreSQL store', () => {
  runStoreContract({
    name: 'postgres',
    async open() {
      const schema = await createTestSchema('store');
      try {
        const store = await openPostgresStore({ connectionString: schema.url, schema: schema.schema, poolSize: 4 });
        return {
          store,
          async close() {
            await store.close();
            await schema.drop();
          },
        };
      } catch (error) {
        await schema.drop();
        throw error;
      }
    },
  });
});
