import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { likelyOption, reportUnknownOptionsFirst } from './unknown-options-first.js';

function replayLike(argv: string[]): { error: string; code: string | undefined } {
  let error = '';
  const program = new Command().name('sluice').exitOverride().configureOutput({ writeErr: (s) => (error += s), writeOut: () => {} });
  program
    .command('replay')
    .requiredOption('--destination <id>', 'destination id')
    .requiredOption('--from <iso>', 'start')
    .option('--to <iso>', 'end')
    .action(() => {});
  const full = ['node', 'sluice', ...argv];
  reportUnknownOptionsFirst(program, full);
  try {
    program.parse(full);
  } catch (thrown) {
    if (!(thrown instanceof CommanderError)) throw thrown;
    return { error, code: thrown.code };
  }
  return { error, code: undefined };
}

describe('sluice options: the unknown one is named before the required ones', () => {
  it('names a shortened or mistyped option and the one it meant, rather than "required option not specified"', () => {
    const shortened = replayLike(['replay', '--dest', 'dst_1', '--from', '2026-01-01']);
    expect(shortened.code).toBe('commander.unknownOption');
    expect(shortened.error).toContain("unknown option '--dest'");
    expect(shortened.error).toContain('(Did you mean --destination?)');
    expect(shortened.error).not.toContain('required option');
    const typo = replayLike(['replay', '--destination=dst_1', '--form', '2026-01-01']);
    expect(typo.error).toContain("unknown option '--form'");
    expect(typo.error).toContain('(Did you mean --from?)');
  });

  it('still says which required option is missing when every option given is known', () => {
    expect(replayLike(['replay', '--destination', 'dst_1']).error).toContain("required option '--from <iso>' not specified");
    expect(replayLike(['replay', '--destination', 'dst_1', '--from', '2026-01-01']).code).toBeUndefined();
  });

  it('suggests nothing for an option far from every known one', () => {
    expect(likelyOption('--verbose', ['--destination', '--from', '--to'])).toBeUndefined();
  });
});
