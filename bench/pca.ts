// PCA on Fashion-MNIST, hourglass vs scikit-learn in one run: fit time for k = 32 on the
// 60,000 x 784 training set (median of 3), and test reconstruction MSE for several k.
import os from 'node:os';
import path from 'node:path';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { sliceRows, type Tensor } from '../src/core/tensor.js';
import { PCA } from '../src/models/pca.js';
import { median, repoRoot, runJson, systemPython, table, writeResult } from './common.js';

type Solver = 'full' | 'randomized';
const SOLVERS: readonly Solver[] = ['full', 'randomized'];
/**
 * scikit-learn is timed in both precisions. float64 is what it computes in for `pixels / 255.0`
 * (numpy's default), the setting behind the targets' reference times (~2.4 s randomized,
 * 7-9 s full); given float32 data it computes in float32, about twice as fast. hourglass
 * always computes in float32; both ratios are printed, the targets are judged on float64.
 */
type Dtype = 'float64' | 'float32';
const DTYPES: readonly Dtype[] = ['float64', 'float32'];
const TARGET_DTYPE: Dtype = 'float64';

interface SolverRecord {
  fitSeconds: number[];
  testMse: Record<string, number>;
}

interface SklearnResult {
  impl: string;
  version: string;
  fitSeconds: Record<Dtype, Record<Solver, number[]>>;
  testMse: Record<Solver, Record<string, number>>;
}

export interface PcaBenchResult {
  name: 'pca';
  timedK: number;
  ks: number[];
  hourglass: Record<Solver, SolverRecord>;
  sklearn: SklearnResult;
  /** Median fit time of scikit-learn divided by hourglass's, per scikit-learn dtype and solver. */
  speedup: Record<Dtype, Record<Solver, number>>;
  /**
   * Largest |hourglass / scikit-learn full - 1| over ks, per hourglass solver: the exact
   * solution is the reference for both, since scikit-learn's randomized test MSE itself moves
   * by up to 3e-4 with its random_state at k = 64.
   */
  mseRelativeDifference: Record<Solver, number>;
  /** Largest |hourglass randomized / scikit-learn randomized - 1| over ks, for information. */
  randomizedVsSklearnRandomized: number;
  /** scikit-learn's test MSE on this data (the brief's reference values). */
  mseTargets: Record<string, number>;
  pass: { speedRandomized: boolean; speedFull: boolean; mse: boolean };
}

const MSE_TARGETS: Record<string, number> = { '2': 0.0461, '8': 0.02661, '32': 0.01514, '64': 0.01037 };
const SPEED_TARGETS: Record<Solver, number> = { randomized: 5, full: 10 };
const MSE_TOLERANCE = 1e-4;

function meanOf(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

async function timeFit(solver: Solver, k: number, x: Tensor): Promise<number> {
  const start = process.hrtime.bigint();
  await new PCA({ nComponents: k, solver, seed: 0 }).fit(x);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function benchPca({ reps = 3, timedK = 32, ks = [2, 8, 32, 64] } = {}): Promise<PcaBenchResult> {
  console.log(`\n## PCA, Fashion-MNIST 60,000 x 784 (pixels / 255, float32): fit k = ${timedK} (median of ${reps}), test MSE for k in {${ks.join(', ')}}`);
  const train = (await loadFashionMnist({ split: 'train' })).images;
  const test = (await loadFashionMnist({ split: 'test' })).images;

  // Warm-up on a subset, as on the scikit-learn side: thread pools and first-touch pages.
  for (const solver of SOLVERS) await timeFit(solver, timedK, sliceRows(train, 0, 5000));
  const hourglass = {} as Record<Solver, SolverRecord>;
  for (const solver of SOLVERS) {
    const fitSeconds: number[] = [];
    for (let r = 0; r < reps; r++) fitSeconds.push(await timeFit(solver, timedK, train));
    hourglass[solver] = { fitSeconds, testMse: {} };
  }
  for (const solver of SOLVERS)
    for (const k of ks) hourglass[solver].testMse[String(k)] = meanOf((await new PCA({ nComponents: k, solver, seed: 0 }).fit(train)).reconstructionError(test));

  const sklearn = await runJson<SklearnResult>(systemPython, [
    path.join(repoRoot, 'bench/pca_sklearn.py'),
    '--reps', String(reps), '--timed-k', String(timedK), '--ks', ks.join(','), '--dtypes', DTYPES.join(','),
  ]);

  const speedup = {} as Record<Dtype, Record<Solver, number>>;
  for (const dtype of DTYPES)
    speedup[dtype] = Object.fromEntries(SOLVERS.map((s) => [s, median(sklearn.fitSeconds[dtype][s]) / median(hourglass[s].fitSeconds)])) as Record<Solver, number>;
  const mseRelativeDifference = {} as Record<Solver, number>;
  for (const solver of SOLVERS) {
    mseRelativeDifference[solver] = Math.max(...ks.map((k) => Math.abs(hourglass[solver].testMse[k] / sklearn.testMse.full[k] - 1)));
  }
  const randomizedVsSklearnRandomized = Math.max(...ks.map((k) => Math.abs(hourglass.randomized.testMse[k] / sklearn.testMse.randomized[k] - 1)));

  const threads = os.cpus().length;
  const timeRows = [
    ...SOLVERS.map((s) => [`hourglass ${s}`, median(hourglass[s].fitSeconds).toFixed(3), hourglass[s].fitSeconds.map((t) => t.toFixed(3)).join(' '), '', '']),
    ...DTYPES.flatMap((dtype) =>
      SOLVERS.map((s) => [
        `scikit-learn ${sklearn.version} ${s}, ${dtype}`,
        median(sklearn.fitSeconds[dtype][s]).toFixed(3),
        sklearn.fitSeconds[dtype][s].map((t) => t.toFixed(3)).join(' '),
        `${speedup[dtype][s].toFixed(1)}x`,
        dtype === TARGET_DTYPE ? `>= ${SPEED_TARGETS[s]}x ${speedup[dtype][s] >= SPEED_TARGETS[s] ? 'ok' : 'MISSED'}` : '(for information)',
      ]),
    ),
  ];
  console.log(table(['fit k=' + timedK + ` (${threads} cores; hourglass in float32)`, 'median s', 'runs s', 'hourglass speed-up', 'target'], timeRows));
  console.log('');
  const relative = (a: number, b: number): string => (a / b - 1).toExponential(1);
  const mseRows = ks.map((k) => {
    const key = String(k);
    const exact = sklearn.testMse.full[key];
    return [
      `k=${k}`,
      ...SOLVERS.map((s) => hourglass[s].testMse[key].toFixed(6)),
      ...SOLVERS.map((s) => sklearn.testMse[s][key].toFixed(6)),
      MSE_TARGETS[key]?.toFixed(5) ?? '',
      relative(hourglass.full.testMse[key], exact),
      relative(hourglass.randomized.testMse[key], exact),
      relative(sklearn.testMse.randomized[key], exact),
    ];
  });
  console.log(
    table(
      ['test MSE', 'hourglass full', 'hourglass randomized', 'sklearn full', 'sklearn randomized', 'expected', 'hg full vs sk full', 'hg rand vs sk full', 'sk rand vs sk full'],
      mseRows,
    ),
  );
  const mseOk = SOLVERS.every((s) => mseRelativeDifference[s] <= MSE_TOLERANCE);
  console.log(
    `test MSE within ${MSE_TOLERANCE} (relative) of scikit-learn's exact solution: full ${mseRelativeDifference.full.toExponential(1)}, ` +
      `randomized ${mseRelativeDifference.randomized.toExponential(1)}: ${mseOk ? 'ok' : 'MISSED'} ` +
      `(hourglass randomized vs scikit-learn randomized: ${randomizedVsSklearnRandomized.toExponential(1)})`,
  );

  const result: PcaBenchResult = {
    name: 'pca',
    timedK,
    ks,
    hourglass,
    sklearn,
    speedup,
    mseRelativeDifference,
    randomizedVsSklearnRandomized,
    mseTargets: MSE_TARGETS,
    pass: {
      speedRandomized: speedup[TARGET_DTYPE].randomized >= SPEED_TARGETS.randomized,
      speedFull: speedup[TARGET_DTYPE].full >= SPEED_TARGETS.full,
      mse: mseOk,
    },
  };
  const file = writeResult('pca', result);
  console.log(`(wrote ${path.relative(repoRoot, file)})`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPca();
