import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaCompilationsOf } from '../src/http/compiled-schemas.js';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

/**
 * Routes' validators and serializers are compiled at their first use (decision 0010), so a schema that does not compile
 * would no longer stop Sluice at start: here every route's schemas of a Sluice with every role are compiled.
 */
describe('route schemas', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startTestSluice();
  });
  afterAll(async () => {
    await sluice?.stop();
  });

  it("compiles every route's request validators and response serializers", () => {
    const compilations = schemaCompilationsOf(sluice.app)!;
    expect(compilations.compilePending()).toBeGreaterThan(300);
    expect(compilations.compilePending()).toBe(0);
  });
});
