import { defaultPublicUrl, loadConfig, type SluiceConfig } from '../config/config.js';
import type { SluiceError } from '../core/errors.js';
import { startSluice } from '../main.js';

/**
 * What only the first start of an installation shows: the owner's API token (when generated) and the console
 * setup link. Printed the moment they are created, before the rest of the start, since they are never shown
 * again: a start that then fails (port in use, NATS down) must not lose them.
 */
export function firstStartCredentials(config: SluiceConfig, boot: Awaited<ReturnType<typeof startSluice>>['bootstrap']): string {
  const lines = [
    '',
    '  First start: this installation was initialised just now.',
    boot.generatedToken ? `  Owner API token (shown once, store it now): ${boot.generatedToken}` : '  Owner API token: the value of SLUICE_ADMIN_TOKEN',
  ];
  if (boot.setupToken) {
    // A process without the api role (the first of a split deployment may be an ingest one) serves no console: its
    // own address would lead nowhere. SLUICE_PUBLIC_URL, when set, is the load balancer's, which does.
    const consoleUrl = config.roles.includes('api') || config.publicUrl !== defaultPublicUrl(config.host, config.port) ? config.publicUrl : undefined;
    if (consoleUrl && publicUrlNamesNoAddress(config)) {
      // PORT=0 (or the wildcard HOST) without SLUICE_PUBLIC_URL: the port is not bound yet, so the address is not
      // known here; the banner below prints it once the server listens.
      lines.push(`  Console setup (one-time link, valid 7 days): /setup?token=${boot.setupToken} at the console address printed below`);
    } else if (consoleUrl) {
      lines.push(`  Console setup (one-time link, valid 7 days): ${consoleUrl}/setup?token=${boot.setupToken}`);
    } else {
      lines.push(`  Console setup (one-time link, valid 7 days): /setup?token=${boot.setupToken} on a process with the api role (this one has none, so not at ${config.publicUrl})`);
    }
    const curlUrl = consoleUrl && !publicUrlNamesNoAddress(config) ? consoleUrl : consoleUrl ? '<the console address printed below>' : 'http://<a process with the api role>';
    lines.push(`    or: curl -X POST ${curlUrl}/api/v1/auth/setup -H 'Content-Type: application/json' -d '{"token":"${boot.setupToken}","email":"you@example.com","name":"You","password":"..."}'`);
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * The address the banner shows for the console and the curl to try: SLUICE_PUBLIC_URL when set; without it, the
 * address the server actually listens at when the default `http://HOST:PORT` names none a person can use (PORT=0,
 * where the system picked the port; HOST=0.0.0.0 or ::, the wildcard), as `url` (the bound address) does.
 */
export function bannerPublicUrl(config: SluiceConfig, url: string): string {
  return publicUrlNamesNoAddress(config) ? url.replace(/\/+$/, '') : config.publicUrl;
}

/** True when SLUICE_PUBLIC_URL is unset and the default `http://HOST:PORT` has port 0 or the wildcard host. */
function publicUrlNamesNoAddress(config: SluiceConfig): boolean {
  if (config.publicUrl !== defaultPublicUrl(config.host, config.port)) return false;
  const configured = new URL(config.publicUrl);
  return configured.port === '0' || configured.hostname === '0.0.0.0' || configured.hostname === '[::]';
}

/**
 * True when this process sends emails with links (api: invitations; jobs: alerts, privacy requests) and those links
 * would start with the wildcard address (HOST=0.0.0.0 or ::, no SLUICE_PUBLIC_URL): emails have no request whose
 * address could stand in, as the browser's does for scripts and the console. PORT=0 is left out (ephemeral runs).
 */
function linksInEmailsNameNoAddress(config: SluiceConfig): boolean {
  if (!publicUrlNamesNoAddress(config) || new URL(config.publicUrl).port === '0') return false;
  return config.roles.includes('api') || config.roles.includes('jobs');
}

export function startBanner(config: SluiceConfig, url: string, boot: Awaited<ReturnType<typeof startSluice>>['bootstrap']): string {
  const publicUrl = bannerPublicUrl(config, url);
  const lines = [
    '',
    `  Sluice is running: ${url}`,
    config.roles.includes('api')
      ? `  Console and admin API: ${publicUrl}  (API under /api/v1, OpenAPI at /api/v1/openapi.json)`
      : `  No console or admin API in this process (role api not among its roles): it answers ${url}/health and /metrics`,
    `  Store: ${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}; queues: ${config.queueUrl ? 'NATS JetStream' : 'embedded'}; roles: ${config.roles.join(', ')}`,
  ];
  if (linksInEmailsNameNoAddress(config)) {
    lines.push(`  Set SLUICE_PUBLIC_URL to the address people open Sluice at: without it, links in emails (invitations, alerts, privacy requests) start ${config.publicUrl}, which no one can open`);
  }
  if (boot.firstStart) lines.push('  Owner API token and console setup link: printed above, when this first start initialised the installation');
  if (boot.defaultWriteKey) {
    lines.push(`  writeKey of the default source: ${boot.defaultWriteKey}`);
  }
  if (boot.defaultWriteKey && config.roles.includes('ingest')) {
    lines.push(`  Try it: curl -u ${boot.defaultWriteKey}: ${publicUrl}/v1/track -H 'Content-Type: application/json' -d '{"userId":"u1","event":"Hello"}'`);
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * What a second interrupt during the shutdown tells the operator: nothing accepted is lost (acknowledged events wait
 * in the inbox), but work that was under way is done again at the next start, so some of it may arrive twice.
 */
export function exitingWithoutDraining(signal: string): string {
  return [
    `${signal} again while stopping: exiting now, without draining.`,
    'Nothing accepted is lost: events the Tracking API acknowledged are in the inbox and are processed at the next start.',
    'What was under way is done again then: the batch being processed is fanned out again (stored events are not stored twice),',
    'and deliveries in flight or sent but not yet recorded are sent again, so a destination may receive them twice (at least once).',
    'Source counts of the last second are lost. On an embedded data directory the next start takes over its lock (with a warning).',
  ].join('\n  ');
}

/** `sluice start`: runs until SIGINT/SIGTERM, then shuts down in order; a second one exits at once (saying so). */
export async function startCommand(options: { role?: string }): Promise<void> {
  const env = { ...process.env };
  if (options.role) env.SLUICE_ROLES = options.role;
  const config = loadConfig(env);
  // A stage worker that stopped on its configuration: said in a sentence, then the process ends with 2 (as a bad
  // setting found before the start), so a supervisor sees it fail instead of a process that runs and does nothing.
  let configError: SluiceError | undefined;
  let started: Awaited<ReturnType<typeof startSluice>> | undefined;
  const endOnConfigError = (error: SluiceError) => {
    if (configError) return;
    configError = error;
    process.stderr.write(`sluice: ${error.message}\n`);
    if (started) shutdown('invalid_config', 2);
  };
  const sluice = await startSluice(config, { onFirstStart: (boot) => process.stdout.write(`${firstStartCredentials(config, boot)}\n`), onConfigError: endOnConfigError });
  started = sluice;
  let shuttingDown = false;
  function shutdown(signal: string, exitCode = 0) {
    shuttingDown = true;
    sluice.logger.info({ signal }, 'shutting down');
    sluice.close().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        sluice.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  }
  if (configError) shutdown('invalid_config', 2);
  // A second Ctrl-C (or a signal while stopping) ends the process at once, saying what that costs; without this
  // handler Node's default would end it without a word.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!shuttingDown) {
      if (signal === 'SIGINT' && process.stderr.isTTY) process.stderr.write('sluice: stopping (draining in-flight work); press Ctrl-C again to exit at once.\n');
      shutdown(signal);
      return;
    }
    process.stderr.write(`sluice: ${exitingWithoutDraining(signal)}\n`);
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The banner last: whoever reads it (an operator, a supervisor, a test) may send a signal at once, and until the
  // handlers above are in place Node's default ends the process without a word or its orderly stop.
  if (!shuttingDown) process.stdout.write(`${startBanner(config, sluice.url, sluice.bootstrap)}\n`);
}
