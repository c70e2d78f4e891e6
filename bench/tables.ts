// The tables suite (`hourglass detect bench tables`): hourglass's table detector and PCA
// against scikit-learn's IsolationForest, OneClassSVM, LOF, EllipticEnvelope and PCA on ten
// mlbench data sets, semi-supervised and unsupervised, five seeds. Writes
// bench/results/tables.json and bench/results/tables.png. HOURGLASS_BENCH_SEEDS=N for a short run.
import path from 'node:path';
import { runTablesBenchCommand } from '../src/cli/commands/detect-bench-tables.js';
import { envCount } from './capabilities.js';
import { resultsDir } from './common.js';

export async function benchTables(): Promise<void> {
  const dir = resultsDir();
  await runTablesBenchCommand({
    setting: 'both',
    seeds: envCount(process.env, 'HOURGLASS_BENCH_SEEDS', 5),
    python: '/usr/bin/python3',
    out: path.join(dir, 'tables.json'),
    plot: path.join(dir, 'tables.png'),
    overwrite: true,
  });
}
