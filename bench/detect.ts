// Anomaly detection: the Fashion-MNIST one-class protocol (autoencoder detector vs the PCA
// baseline, several scores), scoring throughput of the dense detector next to PyTorch
// inference of the same model, and the peak memory of scoring a 1,000,000-row CSV.
import { createWriteStream, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Rng } from '../src/core/rng.js';
import { gatherRows, tensor, type Tensor } from '../src/core/tensor.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { writeNpy } from '../src/data/npy.js';
import { StandardScaler } from '../src/data/scaler.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import type { Autoencoder } from '../src/models/autoencoder.js';
import { PCA } from '../src/models/pca.js';
import { AnomalyDetector, scoringBatchRows } from '../src/apps/anomaly/anomaly-detector.js';
import { oneClassFashionMnist, type ScoreVariant } from '../src/apps/anomaly/one-class-benchmark.js';
import { formatOneClassTable } from '../src/cli/commands/detect-bench.js';
import { distBench, median, repoRoot, runJson, systemPython, table, torchThreadsEnv, writeResult } from './common.js';

export interface DetectBenchOptions {
  classes?: number[];
  epochs?: number;
  streamRows?: number;
}

const VARIANTS: ScoreVariant[] = [
  { name: 'mse', score: 'mse' },
  { name: 'smoothed-mse', score: 'smoothed-mse' },
  { name: 'ssim', score: 'ssim' },
  { name: 'smoothed-mse+ssim', score: ['smoothed-mse', 'ssim'] },
  { name: 'smoothed-mse+ssim+latent', score: ['smoothed-mse', 'ssim'], latentWeight: 1 },
];

export async function benchDetect({ classes, epochs = 30, streamRows = 1_000_000 }: DetectBenchOptions = {}): Promise<void> {
  // An empty class list skips the protocol (the throughput and memory parts alone take a minute).
  const protocol = classes && classes.length === 0 ? null : await runProtocol(classes, epochs);
  const throughput = await benchThroughput();
  const streaming = await benchStreaming(streamRows);
  const file = writeResult(protocol ? 'detect' : 'detect-speed', { epochs, protocol, throughput, streaming });
  console.log(`(wrote ${path.relative(repoRoot, file)})`);
}

async function runProtocol(classes: number[] | undefined, epochs: number): Promise<unknown> {
  console.log(`\n## Anomaly detection: Fashion-MNIST one-class protocol (train on class K only, AUROC on the 10,000 test images)`);
  console.log(`dense autoencoder 784-256-64-32 (Adam 1e-3, batch 64, ${epochs} epochs) vs PCA with 32 components; each scored five ways`);
  const protocol = await oneClassFashionMnist({
    classes,
    methods: [
      {
        name: 'dense AE',
        model: (k) => denseAutoencoder({ inputShape: [1, 28, 28], hidden: [256, 64], bottleneck: 32, seed: k }),
        fit: { epochs, batchSize: 64, learningRate: 1e-3, seed: 0 },
        variants: VARIANTS,
      },
      { name: 'PCA-32', model: () => new PCA({ nComponents: 32 }), variants: VARIANTS },
    ],
    onClass: (k, method, aurocs, seconds) =>
      console.log(`  class ${k} ${method}: ${Object.entries(aurocs).map(([v, a]) => `${v} ${a.toFixed(4)}`).join(', ')} (${seconds.toFixed(0)}s)`),
  });
  console.log('\nAUROC per normal class');
  console.log(formatOneClassTable(protocol));
  return protocol;
}

interface TorchResult {
  threads: number;
  rates: number[];
  scoreSum: number;
}

interface ThroughputCase {
  what: string;
  detector: AnomalyDetector;
  model: Autoencoder;
  /** Data in data units; PyTorch standardises it per batch as the detector does. */
  x: Tensor;
  unit: string;
}

/**
 * Samples scored per second (MSE score) by a trained dense detector (the fused native kernel for
 * the small table model, sgemm batches of about a million values for the image model) and by
 * PyTorch running the same weights, in batches of 1024 and with the whole set as one batch.
 */
async function benchThroughput(): Promise<unknown> {
  console.log('\n## Scoring throughput: trained dense detectors, MSE score, hourglass vs PyTorch inference of the same weights');
  const train = await loadFashionMnist({ split: 'train' });
  const test = await loadFashionMnist({ split: 'test' });
  const rows: number[] = [];
  train.labels.forEach((l, i) => l === 0 && rows.push(i));
  const imageModel = denseAutoencoder({ inputShape: [1, 28, 28], hidden: [256, 64], bottleneck: 32, seed: 0 });
  const imageDetector = await new AnomalyDetector({ model: imageModel }).fit(gatherRows(train.images, rows), { epochs: 5, batchSize: 64, seed: 0 });
  const table30 = syntheticTable(30, 5, 7);
  const tableModel = denseAutoencoder({ inputDim: 30, hidden: [16], bottleneck: 5, outputActivation: 'linear', scaler: new StandardScaler(), seed: 0 });
  const tableDetector = await new AnomalyDetector({ model: tableModel }).fit(table30(20000), { epochs: 3, batchSize: 256, seed: 0 });
  const rowsX = table30(200000);
  const cases: ThroughputCase[] = [
    { what: 'images: 784-256-64-32 autoencoder, 10,000 test images', detector: imageDetector, model: imageModel, x: test.images, unit: 'images/s' },
    { what: 'rows: 30-16-5 autoencoder, standardised inputs, 200,000 rows', detector: tableDetector, model: tableModel, x: rowsX, unit: 'rows/s' },
  ];
  const results: unknown[] = [];
  for (const c of cases) results.push(await throughputCase(c));
  return results;
}

async function throughputCase(c: ThroughputCase): Promise<unknown> {
  const n = c.x.shape[0];
  const dir = os.tmpdir();
  const modelFile = path.join(dir, `hourglass-detect-bench-${process.pid}.safetensors`);
  const inputFile = path.join(dir, `hourglass-detect-bench-${process.pid}.npy`);
  const scaleFile = path.join(dir, `hourglass-detect-bench-${process.pid}-scale.npy`);
  await c.model.save(modelFile);
  await writeNpy(inputFile, c.x);
  const scaler = c.detector.inputScaler;
  if (scaler) {
    if (scaler.kind !== 'standard') throw new Error('the PyTorch side reproduces standard scaling only');
    await writeNpy(scaleFile, tensor([2, scaler.mean!.length], Float32Array.from([...scaler.mean!, ...scaler.std!])));
  }
  // The machine is shared and its load drifts: hourglass and each PyTorch setting take turns,
  // three rounds of three runs, and each side's median is over all its runs.
  const rounds = 3;
  const reps = 3;
  const ours: number[] = [];
  let scores: Float32Array = new Float32Array(0);
  const settings = [1024, n].flatMap((batch) => [1, 2].map((threads) => ({ batch, threads })));
  const torch = settings.map((t) => ({ ...t, rates: [] as number[], scoreSum: NaN }));
  for (let round = 0; round < rounds; round++) {
    for (let r = 0; r < reps; r++) {
      const start = performance.now();
      scores = c.detector.score(c.x);
      ours.push(n / ((performance.now() - start) / 1000));
    }
    for (const t of torch) {
      const args = [path.join(repoRoot, 'bench/detect_torch.py'), modelFile, '--input', inputFile, '--reps', String(reps), '--threads', String(t.threads), '--batch-size', String(t.batch)];
      if (scaler) args.push('--standardize', scaleFile);
      const result = await runJson<TorchResult>(systemPython, args, torchThreadsEnv(t.threads));
      t.rates.push(...result.rates);
      t.scoreSum = result.scoreSum;
    }
  }
  for (const f of [modelFile, inputFile, scaleFile]) rmSync(f, { force: true });
  const ourSum = scores.reduce((s, v) => s + v, 0);
  const oursRate = median(ours);
  console.log(`\n${c.what}`);
  console.log(
    table(
      ['implementation', 'batch', `${c.unit} (median of ${rounds * reps})`, 'hourglass speed-up', 'sum of scores'],
      [
        [`hourglass (${os.cpus().length} threads)`, c.model.denseChain(false) ? 'all, fused' : scoringBatchRows(n > 0 ? c.x.data.length / n : 1), Math.round(oursRate), '1.00', ourSum.toFixed(3)],
        ...torch.map((t) => [`pytorch (${t.threads} thread${t.threads === 1 ? '' : 's'})`, t.batch, Math.round(median(t.rates)), (oursRate / median(t.rates)).toFixed(2), t.scoreSum.toFixed(3)]),
      ],
    ),
  );
  const sameBatch = Math.max(...torch.filter((t) => t.batch === 1024).map((t) => median(t.rates)));
  const best = Math.max(...torch.map((t) => median(t.rates)));
  console.log(`hourglass vs PyTorch's faster thread setting at batch 1024: ${(oursRate / sameBatch).toFixed(2)}x; vs PyTorch's best setting: ${(oursRate / best).toFixed(2)}x`);
  return { what: c.what, hourglass: { rates: ours, scoreSum: ourSum }, pytorch: torch, speedupSameBatch: oursRate / sameBatch, speedupVsBest: oursRate / best };
}

/** Rows near a `rank`-dimensional subspace of `columns` columns, plus noise; the same generator for training and scoring. */
function syntheticTable(columns: number, rank: number, seed: number): (rows: number) => Tensor {
  const rng = new Rng(seed);
  const mixing = Array.from({ length: rank * columns }, () => rng.normal());
  return (rows) => {
    const x = tensor([rows, columns]);
    const z = new Float64Array(rank);
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < rank; k++) z[k] = rng.normal();
      for (let j = 0; j < columns; j++) {
        let v = 0.1 * rng.normal();
        for (let k = 0; k < rank; k++) v += z[k] * mixing[k * columns + j];
        x.data[i * columns + j] = v;
      }
    }
    return x;
  };
}

/** Peak RSS of scoring a generated CSV of `rows` x 30 columns, chunk by chunk, in a separate process. */
async function benchStreaming(rows: number): Promise<unknown> {
  const columns = 30;
  console.log(`\n## Streaming: scoring a ${rows.toLocaleString('en-US')}-row x ${columns}-column CSV (generated in ${os.tmpdir()}, removed afterwards)`);
  const dir = os.tmpdir();
  const csv = path.join(dir, `hourglass-detect-stream-${process.pid}.csv`);
  const out = path.join(dir, `hourglass-detect-stream-${process.pid}-scores.csv`);
  const modelFile = path.join(dir, `hourglass-detect-stream-${process.pid}.safetensors`);
  const makeRows = syntheticTable(columns, 5, 11);
  const normal = makeRows(20000);
  const names = Array.from({ length: columns }, (_, j) => `x${j}`);
  const detector = new AnomalyDetector({
    model: denseAutoencoder({ inputDim: columns, hidden: [16], bottleneck: 5, outputActivation: 'linear', scaler: new StandardScaler(), seed: 0 }),
    featureNames: names,
  });
  await detector.fit(normal, { epochs: 5, batchSize: 256, seed: 0 });
  await detector.save(modelFile);

  const writer = createWriteStream(csv);
  writer.write(names.join(',') + '\n');
  for (let lo = 0; lo < rows; lo += 10000) {
    const block = makeRows(Math.min(10000, rows - lo));
    const lines: string[] = [];
    for (let i = 0; i < block.shape[0]; i++) lines.push(Array.from(block.data.subarray(i * columns, (i + 1) * columns), (v) => v.toFixed(4)).join(','));
    if (!writer.write(lines.join('\n') + '\n')) await once(writer, 'drain');
  }
  writer.end();
  await once(writer, 'finish');
  const sizeMb = statSync(csv).size / 2 ** 20;
  const result = await runJson<{ rows: number; seconds: number; rowsPerSecond: number; flagged: number; peakRssMb: number }>(process.execPath, [
    path.join(distBench, 'detect-stream-worker.js'),
    modelFile,
    csv,
    out,
  ]);
  rmSync(csv, { force: true });
  rmSync(out, { force: true });
  rmSync(modelFile, { force: true });
  console.log(
    table(
      ['rows', 'CSV MB', 'seconds', 'rows/s', 'flagged', 'peak RSS MB (limit 500)'],
      [[result.rows.toLocaleString('en-US'), sizeMb.toFixed(0), result.seconds.toFixed(1), Math.round(result.rowsPerSecond), result.flagged, result.peakRssMb.toFixed(0)]],
    ),
  );
  return { ...result, columns, csvMb: sizeMb };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = process.argv[2];
  const classes = arg === 'none' ? [] : arg ? arg.split(',').map(Number) : undefined;
  await benchDetect({ classes, epochs: Number(process.argv[3] ?? 30), streamRows: Number(process.argv[4] ?? 1_000_000) });
}
