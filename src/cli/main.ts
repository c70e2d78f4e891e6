#!/usr/bin/env node
import { HourglassError } from '../core/errors.js';
import { helpText, parseOptions, type Command } from './command.js';
import { commands } from './commands/index.js';
import { THREADS_FLAG_HELP, applyThreadsFlag } from './threads-flag.js';

const USAGE = `hourglass — autoencoders on a native oneDNN engine

Usage: hourglass <command> [options]     hourglass <command> --help

Commands:
${commands.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join('\n')}

Global options:
${THREADS_FLAG_HELP}
`;

function findCommand(argv: string[]): { command: Command; args: string[] } | null {
  // Two-word commands ("detect fit") take precedence over one-word ones.
  const two = commands.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, args: argv.slice(2) };
  const one = commands.find((c) => c.name === argv[0]);
  return one ? { command: one, args: argv.slice(1) } : null;
}

async function main(argv: string[]): Promise<number> {
  argv = applyThreadsFlag(argv);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const close = commands.map((c) => c.name).filter((n) => n.startsWith(argv[0].slice(0, 3)));
    process.stderr.write(`hourglass: unknown command '${argv.slice(0, 2).join(' ')}'${close.length ? ` (did you mean: ${close.join(', ')}?)` : ''}; run 'hourglass --help' for the list\n`);
    return 2;
  }
  if (found.args.includes('--help') || found.args.includes('-h')) {
    process.stdout.write(helpText(found.command) + '\n');
    return 0;
  }
  const { options, rest } = parseOptions(found.command, found.args);
  await found.command.run(options, rest);
  return 0;
}

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
