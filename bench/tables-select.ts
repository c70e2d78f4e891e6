// Chooses the table detector's defaults on training data only: for each suite data set, the
// semi-supervised training half (normal rows only) is cut into 3 folds; each candidate fits on
// two folds and scores the third against synthetic anomalies made from the training folds:
// - 'shuffled' rows: each column drawn from a different training row (marginals kept,
//   dependence between columns broken);
// - 'perturbed' rows: a held-out normal row with a quarter of its columns replaced by values
//   of other rows (a subtle anomaly: most of the row is normal).
// No test row and no real anomaly is seen. --setting unsupervised: the training rows are every
// row (anomalies included, unlabelled), as the unsupervised setting trains. --in-sample: the
// unsupervised setting's own question: synthetic anomalies (10% of the rows) are mixed into the
// training rows and must be found among them after training on all of them. Prints the mean AUROC per candidate and data set.
// Usage: node dist/bench/tables-select.js [--seeds N] [--datasets A,B] [--candidates a,b]
import { parseArgs } from 'node:util';
import { Rng } from '../src/core/rng.js';
import { gatherRows, tensor, type Tensor } from '../src/core/tensor.js';
import { auroc } from '../src/metrics/auroc.js';
import { selectRows } from '../src/data/tables/raw-table.js';
import { TableEncoder } from '../src/data/tables/table-encoder.js';
import { loadSuiteTable, shuffled, SUITE_NAMES } from '../src/data/tables/mlbench-suite.js';
import { tableSplit, mean, type TableSetting } from '../src/apps/anomaly/tables-benchmark.js';
import { planTableDetector } from '../src/apps/anomaly/table-detector.js';
import { TableEnsemble } from '../src/apps/anomaly/table-ensemble.js';
import { tableDetectorDefaults, type TableDetectorDefaults } from '../src/models/defaults.js';
import { defaultMlbenchDir } from '../src/cli/mlbench-cache.js';

type Scorer = { score(x: Tensor): Float32Array };
type Candidate = (train: Tensor, seed: number) => Promise<Scorer>;

const single = (over: (rows: number, cols: number) => Partial<TableDetectorDefaults>, latentWeight = 0): Candidate => async (train, seed) => {
  const plan = planTableDetector(train.shape[0], train.shape[1], { seed, overrides: over(train.shape[0], train.shape[1]), latentWeight });
  await plan.detector.fit(train, plan.fitOptions);
  return plan.detector;
};
const wide = (d: number): Partial<TableDetectorDefaults> => ({ hidden: [Math.min(256, Math.max(64, 4 * d)), Math.min(128, Math.max(32, 2 * d))], bottleneck: Math.min(32, d) });
const CANDIDATES: Record<string, Candidate> = {
  'image-defaults': single(() => ({ hidden: [256, 64], bottleneck: 32, epochs: 30, batchSize: 64, validationSplit: 0 })),
  auto: single(() => ({})),
  'auto-no-early-stop': single(() => ({ validationSplit: 0 })),
  'auto-bottleneck-quarter': single((_, d) => ({ bottleneck: Math.max(2, Math.round(d / 4)), hidden: [Math.max(2 * Math.max(2, Math.round(d / 4)), Math.min(128, d))] })),
  'auto-two-layers': single((r, d) => {
    const a = tableDetectorDefaults(r, d);
    return { hidden: [Math.min(128, 2 * d), a.hidden[0]] };
  }),
  'image-sizes-auto-steps': single(() => ({ hidden: [256, 64], bottleneck: 32 })),
  'wide-bottleneck-d': single((_, d) => wide(d)),
  'auto-latent': single(() => ({}), 1),
  'image-defaults-latent': single(() => ({ hidden: [256, 64], bottleneck: 16, epochs: 30, batchSize: 64, validationSplit: 0 }), 1),
  'wide-ensemble5-half': (train, seed) => new TableEnsemble({ members: 5, seed, sampleFraction: 0.5, overrides: wide(train.shape[1]) }).fit(train),
  'wide-ensemble3': (train, seed) => new TableEnsemble({ members: 3, seed, overrides: wide(train.shape[1]) }).fit(train),
  'image-sizes-1000-steps': single((r, d) => {
    const a = tableDetectorDefaults(r, d);
    return { hidden: [256, 64], bottleneck: 32, epochs: Math.max(10, Math.round(a.epochs / 3)) };
  }),
  'image-sizes-ensemble3': (train, seed) => new TableEnsemble({ members: 3, seed, overrides: { hidden: [256, 64], bottleneck: 32 } }).fit(train),
  narrow: single((_, d) => {
    const b = Math.min(16, Math.max(2, Math.round(d / 2)));
    return { hidden: [Math.min(128, Math.max(2 * b, d))], bottleneck: b };
  }),
  medium: single((_, d) => {
    const b = Math.min(16, Math.max(2, Math.round(d / 2)));
    return { hidden: [Math.min(128, Math.max(32, 2 * d))], bottleneck: b };
  }),
  'wide-third-steps': single((r, d) => ({ epochs: Math.max(10, Math.round(tableDetectorDefaults(r, d).epochs / 3)) })),
  ensemble5: (train, seed) => new TableEnsemble({ members: 5, seed }).fit(train),
  'ensemble5-half': (train, seed) => new TableEnsemble({ members: 5, seed, sampleFraction: 0.5 }).fit(train),
};

function syntheticAnomalies(train: Tensor, heldOut: Tensor, rng: Rng): Tensor {
  const [n, d] = train.shape;
  const m = heldOut.shape[0];
  const out = new Float32Array(2 * m * d);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) out[i * d + j] = train.data[rng.int(n) * d + j];
  for (let i = 0; i < m; i++) {
    const row = (m + i) * d;
    for (let j = 0; j < d; j++) out[row + j] = heldOut.data[i * d + j];
    const k = Math.max(1, Math.round(d / 4));
    for (const j of shuffled(Array.from({ length: d }, (_, c) => c), rng).slice(0, k)) out[row + j] = train.data[rng.int(n) * d + j];
  }
  return tensor([2 * m, d], out);
}

const { values } = parseArgs({ options: { 'in-sample': { type: 'boolean', default: false }, seeds: { type: 'string', default: '1' }, datasets: { type: 'string' }, candidates: { type: 'string' }, setting: { type: 'string', default: 'semi-supervised' } } });
const setting = values.setting as TableSetting;
const names = values.datasets?.split(',') ?? [...SUITE_NAMES];
const chosen = values.candidates?.split(',') ?? Object.keys(CANDIDATES);
const totals: Record<string, number[]> = Object.fromEntries(chosen.map((c) => [c, []]));
console.log(`data set`.padEnd(20) + chosen.map((c) => c.padStart(24)).join(''));
for (const name of names) {
  const table = loadSuiteTable(defaultMlbenchDir(), name);
  const per: Record<string, number[]> = Object.fromEntries(chosen.map((c) => [c, []]));
  for (let seed = 0; seed < Number(values.seeds); seed++) {
    const rows = tableSplit(table.labels, setting, seed).train;
    const x = new TableEncoder().fitTransform(selectRows(table.features, rows));
    if (values['in-sample']) {
      // The unsupervised setting's question: synthetic anomalies (10% of the rows) mixed INTO
      // the training rows, found among them after training on all of them.
      const few = gatherRows(x, shuffled(Array.from({ length: rows.length }, (_, i) => i), new Rng(5 + seed)).slice(0, Math.max(2, Math.round(rows.length / 20))));
      const fake = syntheticAnomalies(x, few, new Rng(11 + seed));
      const mixed = tensor([x.shape[0] + fake.shape[0], x.shape[1]], Float32Array.from([...x.data, ...fake.data]));
      const labels = [...new Array(x.shape[0]).fill(0), ...new Array(fake.shape[0]).fill(1)];
      for (const c of chosen) per[c].push(auroc(labels, (await CANDIDATES[c](mixed, seed)).score(mixed)));
      continue;
    }
    const order = shuffled(Array.from({ length: rows.length }, (_, i) => i), new Rng(99 + seed));
    for (let fold = 0; fold < 3; fold++) {
      const held = order.filter((_, i) => i % 3 === fold);
      const kept = order.filter((_, i) => i % 3 !== fold);
      const train = gatherRows(x, kept);
      const heldOut = gatherRows(x, held);
      const fake = syntheticAnomalies(train, heldOut, new Rng(7 + fold + 10 * seed));
      const test = tensor([heldOut.shape[0] + fake.shape[0], x.shape[1]], Float32Array.from([...heldOut.data, ...fake.data]));
      const labels = [...new Array(heldOut.shape[0]).fill(0), ...new Array(fake.shape[0]).fill(1)];
      for (const c of chosen) per[c].push(auroc(labels, (await CANDIDATES[c](train, seed * 3 + fold)).score(test)));
    }
  }
  for (const c of chosen) totals[c].push(mean(per[c]));
  console.log(name.padEnd(20) + chosen.map((c) => mean(per[c]).toFixed(4).padStart(24)).join(''));
}
console.log('mean'.padEnd(20) + chosen.map((c) => mean(totals[c]).toFixed(4).padStart(24)).join(''));
