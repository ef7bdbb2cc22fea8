import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSluice, type TestSluice } from './support/start-test-sluice.js';

const require = createRequire(import.meta.url);

/**
 * The browser's developer tools follow each script's `sourceMappingURL`: from analytics.min.js (served under
 * /analytics.js/v1/<writeKey>/) and from its chunks. Each names a map Sluice serves, lined up with the script.
 */
describe('source maps of the analytics.js Sluice serves', () => {
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startTestSluice();
  });
  afterAll(async () => {
    await sluice?.stop();
  });

  const mapUrlOf = (script: string, scriptUrl: string): string => {
    const comment = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(script);
    expect(comment).not.toBeNull();
    return new URL(comment![1]!, scriptUrl).href;
  };

  it("analytics.min.js names a map that exists, one line down for the prelude Sluice puts before Segment's code", async () => {
    const scriptUrl = `${sluice.url}/analytics.js/v1/${sluice.writeKey}/analytics.min.js`;
    const script = await (await fetch(scriptUrl)).text();
    const response = await fetch(mapUrlOf(script, scriptUrl));
    expect(response.status).toBe(200);
    const map = (await response.json()) as { version: number; mappings: string; sources: string[] };
    expect(map.version).toBe(3);
    expect(map.sources.length).toBeGreaterThan(0);
    // Line 1 is the prelude (no mappings), Segment's code is line 2.
    expect(script.split('\n')[0]).toContain('a._cdn');
    expect(map.mappings.startsWith(';')).toBe(true);
    expect(map.mappings.slice(1, 2)).not.toBe(';');
  });

  it('a lazily loaded chunk names a map that exists', async () => {
    // The chunk's name has a content hash: read it from the package, as analytics.js builds it at run time.
    const dir = path.join(path.dirname(require.resolve('@segment/analytics-next/package.json')), 'dist', 'umd');
    const chunk = (await readdir(dir)).find((f) => /^queryString\.bundle\.[0-9a-f]+\.js$/.test(f)) ?? '';
    const chunkUrl = `${sluice.url}/analytics-next/bundles/${chunk}`;
    const script = await fetch(chunkUrl);
    expect(script.status).toBe(200);
    const response = await fetch(mapUrlOf(await script.text(), chunkUrl));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { version: number }).version).toBe(3);
  });
});
