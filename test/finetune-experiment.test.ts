import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPERIMENT_METHODS, experimentTable, summarizeRuns, type ExperimentRun, type FinetuneExperimentResult } from '../src/apps/finetune/experiment.js';

// Three seeds where the labelled sample moves every method together: scratch 0.60 / 0.70 / 0.80,
// fine-tuned 4, 6 and 5 points above it, propagated 5, 5 and 8 points above.
const scratch = [0.6, 0.7, 0.8];
const offsets: Record<string, number[]> = { frozen: [0.01, 0.02, 0.03], finetuned: [0.04, 0.06, 0.05], scratch: [0, 0, 0], pca: [-0.1, -0.1, -0.1], propagated: [0.05, 0.05, 0.08] };
const runs: ExperimentRun[] = [0, 1, 2].flatMap((seed) =>
  EXPERIMENT_METHODS.map((method) => ({ method, labels: 100, seed, accuracy: scratch[seed] + offsets[method][seed], epochs: 1, seconds: 0 })),
);

test('summarizeRuns: accuracies over seeds, and gains as paired differences with their standard error', () => {
  const [row] = summarizeRuns(runs, [100]);
  assert.equal(row.labels, 100);
  assert.ok(Math.abs(row.methods.scratch.mean - 0.7) < 1e-12);
  assert.ok(Math.abs(row.methods.scratch.std - 0.1) < 1e-12);
  assert.ok(Math.abs(row.methods.finetuned.min - 0.64) < 1e-12 && Math.abs(row.methods.finetuned.max - 0.85) < 1e-12);
  // Differences 0.04, 0.06, 0.05: mean 0.05, sample sd 0.01, standard error 0.01 / sqrt(3).
  assert.ok(Math.abs(row.gains.finetuned.mean - 0.05) < 1e-12);
  assert.ok(Math.abs(row.gains.finetuned.standardError - 0.01 / Math.sqrt(3)) < 1e-12);
  // 0.05, 0.05, 0.08: mean 0.06, sample sd sqrt(0.0006 / 2) ≈ 0.01732.
  assert.ok(Math.abs(row.gains.propagated.mean - 0.06) < 1e-12);
  assert.ok(Math.abs(row.gains.propagated.standardError - Math.sqrt(0.0006 / 2 / 3)) < 1e-12);
});

test('summarizeRuns: a seed missing from one method is left out of the paired difference', () => {
  const partial = runs.filter((r) => !(r.method === 'scratch' && r.seed === 2));
  const [row] = summarizeRuns(partial, [100]);
  assert.ok(Math.abs(row.gains.finetuned.mean - 0.05) < 1e-12, 'seeds 0 and 1: 0.04 and 0.06');
  assert.ok(Math.abs(row.gains.finetuned.standardError - 0.01) < 1e-12);
});

test('experimentTable prints the gains with their standard error when there are several seeds', () => {
  const result = { rows: summarizeRuns(runs, [100]), seeds: 3, allLabels: null } as unknown as FinetuneExperimentResult;
  const table = experimentTable(result);
  assert.match(table, /\| 100 \| 72\.0 ± 11\.0 \| 75\.0 ± 10\.5 \| 70\.0 ± 10\.0 \| 60\.0 ± 10\.0 \| 76\.0 ± 11\.5 \| \+5\.0 ± 0\.6 \| \+6\.0 ± 1\.0 \|/);
  assert.match(table, /mean ± standard error of the per-seed differences/);
  const single = experimentTable({ rows: summarizeRuns(runs.filter((r) => r.seed === 0), [100]), seeds: 1, allLabels: null } as unknown as FinetuneExperimentResult);
  assert.match(single, /\| \+4\.0 \| \+5\.0 \|$/m);
});
