import { invalid } from '../core/errors.js';
import { setThreads } from '../core/threads.js';

export const THREADS_FLAG_HELP = '  --threads N        (any command) native engine threads; default: OMP_NUM_THREADS, else one per core';

/**
 * The global `--threads N` (or `--threads=N`) flag, anywhere before a `--`: removed from
 * argv and applied with setThreads before the command runs. Kept apart from the command
 * parser so that every command takes it without declaring it.
 */
export function applyThreadsFlag(argv: string[]): string[] {
  const rest: string[] = [];
  let threads: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--threads') {
      if (i + 1 >= argv.length) throw invalid('--threads needs a value: the number of threads, e.g. --threads 2');
      threads = argv[++i];
    } else if (a.startsWith('--threads=')) {
      threads = a.slice('--threads='.length);
    } else {
      rest.push(a);
    }
  }
  if (threads !== undefined) {
    if (!/^\d+$/.test(threads) || !(Number(threads) >= 1)) throw invalid(`--threads must be a positive integer, got '${threads}'`);
    setThreads(Number(threads));
  }
  return rest;
}
