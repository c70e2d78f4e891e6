#!/usr/bin/env node
import { HourglassError } from '../core/errors.js';
import { packageVersion } from '../core/version.js';
import { helpText, parseOptions, type Command } from './command.js';
import { commands } from './commands/index.js';
import { THREADS_FLAG_HELP, applyThreadsFlag } from './threads-flag.js';
import { settleRunDirectories } from './run-directory.js';

const USAGE = `hourglass — autoencoders on a native oneDNN engine

Usage: hourglass <command> [options]     hourglass <command> --help     hourglass --version

Commands:
${commands.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join('\n')}

Global options:
${THREADS_FLAG_HELP}
`;

const isHelp = (a: string): boolean => a === '--help' || a === '-h';

/** Commands whose first word is `group` and that have a second word: 'detect' -> detect fit, detect score, ... */
function subcommandsOf(group: string): Command[] {
  return commands.filter((c) => c.name.startsWith(`${group} `));
}

function findCommand(argv: string[]): { command: Command; args: string[] } | null {
  // Longer names take precedence: "detect bench brain" over "detect bench", "detect fit" over "detect".
  const three = argv.length >= 3 ? commands.find((c) => c.name === `${argv[0]} ${argv[1]} ${argv[2]}`) : undefined;
  if (three) return { command: three, args: argv.slice(3) };
  const two = commands.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, args: argv.slice(2) };
  const one = commands.find((c) => c.name === argv[0]);
  return one ? { command: one, args: argv.slice(1) } : null;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return d[b.length];
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const close = candidates.filter((c) => distance(word, c) <= Math.max(1, Math.floor(c.length / 3)) || (word.length >= 3 && c.startsWith(word)));
  return close.length ? ` (did you mean ${close.map((c) => `'${c}'`).join(' or ')}?)` : '';
}

async function main(argv: string[]): Promise<number> {
  argv = applyThreadsFlag(argv);
  if (argv.length === 0 || isHelp(argv[0]) || (argv[0] === 'help' && argv.length === 1)) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    process.stdout.write(`hourglass ${packageVersion()}\n`);
    return 0;
  }
  // `hourglass help detect fit` is `hourglass detect fit --help`.
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help'];
  const found = findCommand(argv);
  const group = subcommandsOf(argv[0]);
  if (!found) {
    if (group.length) {
      // A command group: `hourglass detect`, `hourglass detect --help`, or an unknown subcommand.
      const sub = argv[1];
      const listing = `'hourglass ${argv[0]}' has these subcommands:\n${group.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join('\n')}\n`;
      if (sub === undefined || isHelp(sub)) {
        process.stdout.write(listing + `Run 'hourglass ${argv[0]} <subcommand> --help' for its options.\n`);
        return 0;
      }
      const words = group.map((c) => c.name.split(' ')[1]);
      process.stderr.write(`hourglass: unknown command '${argv[0]} ${sub}'${didYouMean(sub, words)}; ${listing}`);
      return 2;
    }
    const names = [...new Set(commands.map((c) => c.name.split(' ')[0]))];
    const what = argv[0].startsWith('-') ? `option ${argv[0]} before the command` : `command '${argv[0]}'`;
    process.stderr.write(`hourglass: unknown ${what}${didYouMean(argv[0], names)}; commands: ${names.join(', ')} (run 'hourglass --help' for the list)\n`);
    return 2;
  }
  if (found.args.some(isHelp)) {
    const subs = found.command.name.includes(' ') ? [] : group;
    process.stdout.write(helpText(found.command, subs) + '\n');
    return 0;
  }
  const { options, rest } = parseOptions(found.command, found.args);
  try {
    await found.command.run(options, rest);
  } catch (e) {
    settleRunDirectories(false); // a failed run leaves nothing new in its folder
    throw e;
  }
  settleRunDirectories(true);
  return 0;
}

// `hourglass pca ... | head` closes the pipe early: stop quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof HourglassError) {
      process.stderr.write(`hourglass: error: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`hourglass: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 70;
    }
  },
);
