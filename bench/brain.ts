import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brainBenchmark } from '../src/apps/anomaly/brain-benchmark.js';
import { formatBrainTable } from '../src/cli/commands/detect-bench-brain.js';
import { repoRoot, resultsDir, writeResult } from './common.js';
import { quickRun } from './capabilities.js';

/** `npm run bench brain`: the lesion benchmark of `hourglass detect bench brain` (its defaults), results in bench/results/brain.json, the figure in bench/results/brain/. */
export async function benchBrain(): Promise<void> {
  console.log('\n## Lesions in a real brain scan (Colin27 T1, synthetic lesions): conv AE vs dense AE, PCA and a per-pixel z-score');
  const quick = quickRun();
  const result = await brainBenchmark({ epochs: quick ? 2 : 30, augmentations: quick ? 1 : 4, score: 'smoothed-mse', smoothingSigma: 2, batchSize: 16, learningRate: 2e-3, log: (line) => console.log(line) });
  console.log(formatBrainTable(result));
  const { figure, ...json } = result;
  // In its own folder of bench/results, like the denoise report: results are not committed.
  const png = path.join(resultsDir(), 'brain/brain-bench.png');
  mkdirSync(path.dirname(png), { recursive: true });
  writeFileSync(png, figure);
  const file = writeResult('brain', { name: 'brain', ...json });
  console.log(`(wrote ${path.relative(repoRoot, file)} and ${path.relative(repoRoot, png)})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBrain();
