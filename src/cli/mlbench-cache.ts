import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HourglassError } from '../core/errors.js';
import { suiteFiles, suiteRule } from '../data/tables/mlbench-suite.js';
import { packageRoot } from './package-root.js';

/** Where the suite's CSV export lives unless --data-dir says otherwise: a cache, never the repository. */
export function defaultMlbenchDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'hourglass', 'mlbench');
}

/**
 * Makes sure `dir` holds the CSV export of the named suite data sets, running
 * scripts/mlbench-export.R once (through Rscript, with Debian's r-cran-mlbench) for those
 * missing. Returns the names it exported.
 */
export function ensureMlbenchExport(dir: string, names: readonly string[], rscript = 'Rscript'): string[] {
  const missing = names.map((n) => suiteRule(n).name).filter((n) => Object.values(suiteFiles(dir, n)).some((f) => !existsSync(f)));
  if (missing.length === 0) return [];
  mkdirSync(dir, { recursive: true });
  const script = path.join(packageRoot(), 'scripts', 'mlbench-export.R');
  const run = spawnSync(rscript, [script, dir, ...missing], { encoding: 'utf8' });
  if (run.error)
    throw new HourglassError('FILE_NOT_FOUND', `cannot run ${rscript} (${run.error.message}): install Debian's r-base-core and r-cran-mlbench (npm run setup does), or give --data-dir with the exported CSV files`);
  if (run.status !== 0)
    throw new HourglassError('BAD_DATA', `${rscript} ${script} failed: ${(run.stderr || '').trim().split('\n').slice(-3).join(' ')}; is r-cran-mlbench installed?`);
  return missing;
}
