/**
 * Suites that need an outside service (PostgreSQL, NATS, Chromium) call `requireService`. On a developer's
 * machine without it, the suite is skipped and says so loudly; with CI=true it fails instead, so CI always
 * runs every suite.
 */
export function serviceUnavailable(name: string, reason: string): boolean {
  const message = `\n  !!! ${name} is not available (${reason}): its tests are SKIPPED on this machine.\n  !!! Start it (see README, "Running the tests") to run them; with CI=true they fail instead.\n`;
  if (process.env.CI === 'true') throw new Error(`${name} is required when CI=true: ${reason}`);
  process.stderr.write(message);
  return true;
}
