import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `hourglass` CLI in a child process with `cwd` as its working directory. */
export function cliRunner(cwd: string): (...args: string[]) => CliResult {
  return (...args) => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}
