import type { Command } from 'commander';

/** Edit distance of two short strings (option names), for the suggestion. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The option a mistyped flag most likely meant: one it begins (--dest for --destination), or one a typo or two away. */
export function likelyOption(flag: string, known: readonly string[]): string | undefined {
  const started = known.filter((k) => k.startsWith(flag));
  if (started.length === 1) return started[0];
  const near = known.map((k) => ({ k, d: distance(flag, k) })).filter((c) => c.d <= Math.max(1, Math.floor(flag.length / 3))).sort((x, y) => x.d - y.d);
  return near[0]?.k;
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
