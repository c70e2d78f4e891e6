// ONNX export, hourglass's own inference vs ONNX Runtime (onnxruntime-node, CPU) running the
// exported file, on the same Fashion-MNIST rows in one process: paired rounds (hourglass,
// then ONNX Runtime, repeated), the median per-round ratio with its range. Also the largest
// relative difference between the two sides' outputs on the benchmark data.
import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { sliceRows, type Tensor } from '../src/core/tensor.js';
import { getThreads } from '../src/core/threads.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { toOnnx } from '../src/apps/export-onnx.js';
import { envCount } from './capabilities.js';
import { median, table, writeResult } from './common.js';

interface Case {
  name: string;
  rows: number;
  ours: (x: Tensor) => Float32Array;
  bytes: Uint8Array;
  output: string;
}

interface CaseResult {
  name: string;
  rows: number;
  hourglassRowsPerSecond: number[];
  onnxRuntimeRowsPerSecond: number[];
  ratios: number[];
  maxRelativeDifference: number;
}

function relativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

export async function benchOnnx(): Promise<unknown> {
  const rounds = envCount(process.env, 'HOURGLASS_BENCH_ROUNDS', 7);
  const threads = getThreads();
  const train = await loadFashionMnist({ split: 'train', limit: 6000 });
  const test = await loadFashionMnist({ split: 'test', limit: 4096 });
  const flat = (x: Tensor): Tensor => ({ shape: [x.shape[0], 784], data: x.data });

  const dense = denseAutoencoder({ inputShape: [784], hidden: [256, 64], bottleneck: 32, seed: 1 });
  const detector = await new AnomalyDetector({ model: dense }).fit(flat(train.images), { epochs: 1, batchSize: 64 });
  const conv = convAutoencoder({ inputShape: [1, 28, 28], filters: [32, 64], seed: 2 });
  await conv.fit(sliceRows(train.images, 0, 2000), { epochs: 1, batchSize: 64 });
  const convDetector = await new AnomalyDetector({ model: conv, score: ['smoothed-mse', 'ssim'] }).fit(sliceRows(train.images, 0, 2000), { trainModel: false });

  const cases: Case[] = [
    { name: 'dense detector score (784-256-64-32)', rows: 4096, ours: (x) => detector.score(flat(x)), bytes: toOnnx(detector), output: 'score' },
    { name: 'conv autoencoder reconstruct [32,64]', rows: 1024, ours: (x) => conv.reconstruct(x).data, bytes: toOnnx(conv), output: 'reconstruction' },
    { name: 'conv detector score (smoothed-MSE + SSIM)', rows: 1024, ours: (x) => convDetector.score(x), bytes: toOnnx(convDetector), output: 'score' },
  ];
  const results: CaseResult[] = [];
  for (const c of cases) {
    const x = sliceRows(test.images, 0, c.rows);
    const input = c.name.startsWith('dense') ? flat(x) : x;
    const session = await ort.InferenceSession.create(c.bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
    const feed = { input: new ort.Tensor('float32', input.data, input.shape) };
    const runOrt = async () => (await session.run(feed))[c.output].data as Float32Array;
    const diff = relativeDifference(c.ours(x), await runOrt());
    const r: CaseResult = { name: c.name, rows: c.rows, hourglassRowsPerSecond: [], onnxRuntimeRowsPerSecond: [], ratios: [], maxRelativeDifference: diff };
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      c.ours(x);
      const ours = c.rows / ((performance.now() - t) / 1000);
      t = performance.now();
      await runOrt();
      const theirs = c.rows / ((performance.now() - t) / 1000);
      r.hourglassRowsPerSecond.push(ours);
      r.onnxRuntimeRowsPerSecond.push(theirs);
      r.ratios.push(ours / theirs);
    }
    results.push(r);
  }
  const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
  console.log(`\nONNX export: hourglass vs ONNX Runtime ${ort.env.versions.common} (CPU, ${threads} threads each) on the exported model, ${rounds} paired rounds`);
  console.log(
    table(
      ['model', 'rows', 'hourglass rows/s (median)', 'ONNX Runtime rows/s (median)', 'ratio median [min, max]', 'max rel. difference'],
      results.map((r) => [
        r.name,
        r.rows,
        fmt(median(r.hourglassRowsPerSecond)),
        fmt(median(r.onnxRuntimeRowsPerSecond)),
        `${median(r.ratios).toFixed(2)}x [${Math.min(...r.ratios).toFixed(2)}, ${Math.max(...r.ratios).toFixed(2)}]`,
        r.maxRelativeDifference.toExponential(1),
      ]),
    ),
  );
  const file = writeResult('onnx', { name: 'onnx', threads, rounds, onnxRuntime: ort.env.versions.common, results });
  console.log(`wrote ${file}`);
  return results;
}
