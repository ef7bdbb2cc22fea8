import type { Command } from 'commander';
import { closest } from '../core/edit-distance.js';

/** The option a mistyped flag most likely meant: one it begins (--dest for --destination), or one a typo or two away. */
export function likelyOption(flag: string, known: readonly string[]): string | undefined {
  const started = known.filter((k) => k.startsWith(flag));
  if (started.length === 1) return started[0];
  return closest(flag, known, Math.max(1, Math.floor(flag.length / 3)));
}

/**
 * Commander checks a command's required options before its unknown ones, so `sluice replay --dest ID --from ...`
 * answered "required option '--destination <id>' not specified" about an option the user believes they gave. This
 * hook names the unknown option first, with the one it most likely meant. Commands with subcommands of their own
 * (`audit`) are left to commander, which checks their options at the next level.
 */
export function reportUnknownOptionsFirst(program: Command, argv: readonly string[] = process.argv): void {
  program.hook('preSubcommand', (_program, sub) => {
    if (sub.commands.length > 0) return;
    const known = sub.options.flatMap((o) => [o.long, o.short]).filter((n): n is string => n !== undefined);
    const at = argv.indexOf(sub.name());
    for (const arg of argv.slice(at + 1)) {
      if (arg === '--') break;
      if (!arg.startsWith('--')) continue;
      const flag = arg.split('=')[0]!;
      if (flag === '--help' || known.includes(flag)) continue;
      const meant = likelyOption(flag, known.filter((k) => k.startsWith('--')));
      sub.error(`error: unknown option '${flag}'${meant ? `\n(Did you mean ${meant}?)` : ''}`, { code: 'commander.unknownOption', exitCode: 2 });
    }
  });
}
