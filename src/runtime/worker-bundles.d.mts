/** Packages bundled into the workers' bundles rather than imported from node_modules (see worker-bundles.mjs). */
export const INLINED_PACKAGES: string[];
export const SUPERSEDED_UNUSED_MS: number;
export const OTHER_CHECKOUT_UNUSED_MS: number;
/** The bundle of `entry` for the sources as they are now, built if missing; marks it used; the path of its entry module. */
export function workerBundle(entry: string, where: { srcDir: string; cacheDir: string }): Promise<string>;
/** Removes the bundles of `current`'s entry nobody uses any more (see worker-bundles.mjs). */
export function pruneWorkerBundles(cacheDir: string, current: string, now: number): void;
