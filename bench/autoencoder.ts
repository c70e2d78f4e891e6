// Reference autoencoders, hourglass vs PyTorch, same data and same batches, in one run.
// Quality: one full run per side (test MSE, inference rate, peak RSS). Speed: paired rounds,
// hourglass then PyTorch for a few epochs each, repeated, so both sides see the same share of
// whatever else the machine is doing; the median of the per-round ratios, with its range.
import { writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EpochShuffler } from '../src/train/shuffler.js';
import { distBench, median, runJson, systemPython, repoRoot, table, torchThreadsEnv, writeResult } from './common.js';
import { measureMachinePeak, type MachinePeak } from './machine-peak.js';
import { bf16Precheck, cpuInfo, notAvailable, runIfAvailable, type Availability, type Outcome } from './capabilities.js';

interface WorkerResult {
  impl: string;
  threads?: number;
  epochRates: number[];
  testMse: number;
  inferenceRate: number;
  peakRssMb: number;
}

const TITLES = {
  dense: 'Dense autoencoder 784-256-64-32-64-256-784',
  conv: 'Convolutional autoencoder conv(32)-pool-conv(64)-pool-convT(32)-convT(1)',
};

export interface AutoencoderBenchOptions {
  /** Epochs of the quality runs (one per side). */
  epochs: number;
  /** Epochs of PyTorch on one thread (speed only). */
  singleThreadEpochs: number;
  /** Paired speed rounds, and epochs per side in each. */
  rounds: number;
  roundEpochs: number;
  batchSize?: number;
}

/**
 * hourglass against PyTorch, both on all cores: one run of `epochs` epochs each (quality),
 * `rounds` paired rounds of `roundEpochs` epochs each (speed), and PyTorch with one thread
 * for `singleThreadEpochs` epochs (speed only). PyTorch's thread count is set explicitly
 * (its default here is one thread), and so is OpenBLAS's: Debian's PyTorch runs its matrix
 * products through OpenBLAS, whose threads torch.set_num_threads does not limit
 * (torchThreadsEnv). bfloat16 rows (dense only) print "not available on this CPU (...)"
 * when the engine cannot build bfloat16 matrix products here, or when
 * HOURGLASS_BENCH_FORCE_NO_BF16=1.
 */
export async function benchAutoencoder(arch: 'dense' | 'conv', { epochs, singleThreadEpochs, rounds, roundEpochs, batchSize = 256 }: AutoencoderBenchOptions): Promise<void> {
  const cores = os.cpus().length;
  console.log(`\n## ${TITLES[arch]}, Fashion-MNIST, MSE, Adam 1e-3, batch ${batchSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}; speed from ${rounds} paired rounds of ${roundEpochs} epoch${roundEpochs === 1 ? '' : 's'} per side`);
  // The batch order hourglass's fit() will use, handed to PyTorch so both see the same batches.
  const orderFile = path.join(os.tmpdir(), `hourglass-bench-order-${process.pid}.u32`);
  const orderEpochs = Math.max(epochs, roundEpochs, singleThreadEpochs);
  const shuffler = new EpochShuffler(60000, 0);
  const orders = new Uint32Array(60000 * orderEpochs);
  for (let e = 0; e < orderEpochs; e++) orders.set(shuffler.next(), e * 60000);
  writeFileSync(orderFile, orders);
  const torch = (threads: number, n: number) =>
    runJson<WorkerResult>(systemPython, [path.join(repoRoot, 'bench/torch_reference.py'), '--model', arch, '--order', orderFile, '--epochs', String(n), '--batch-size', String(batchSize), '--threads', String(threads)], torchThreadsEnv(threads));
  const ours = (precision: string, n: number) =>
    runJson<WorkerResult>(process.execPath, [path.join(distBench, 'autoencoder-worker.js'), arch, String(n), String(batchSize), precision], {}, { quiet: precision !== 'float32' });

  // Dense models also train in mixed precision (bfloat16 matrix operands), reported separately.
  const precheck: Record<string, Availability> = { float32: { available: true } };
  if (arch === 'dense') precheck.bfloat16 = bf16Precheck(process.env);
  const precisions = Object.keys(precheck);
  const quality: Record<string, Outcome<WorkerResult>> = {};
  const theirs: WorkerResult[] = [];
  const roundResults: { round: number; precision: string; hourglass: number; pytorch: number; ratio: number }[] = [];
  try {
    for (const precision of precisions) quality[precision] = await runIfAvailable(precheck[precision], () => ours(precision, epochs));
    theirs.push(await torch(cores, epochs));
    theirs.push(await torch(1, singleThreadEpochs));
    const available = precisions.filter((p) => quality[p].ok);
    for (let round = 0; round < rounds; round++) {
      const hg: Record<string, number> = {};
      for (const precision of available) hg[precision] = median((await ours(precision, roundEpochs)).epochRates);
      const pt = median((await torch(cores, roundEpochs)).epochRates);
      for (const precision of available) roundResults.push({ round, precision, hourglass: hg[precision], pytorch: pt, ratio: hg[precision] / pt });
      process.stderr.write(`  round ${round + 1}/${rounds}: ${available.map((p) => `${p} ${(hg[p] / pt).toFixed(2)}x`).join(', ')}\n`);
    }
  } finally {
    rmSync(orderFile, { force: true });
  }

  const best = Math.max(...theirs.map((r) => median(r.epochRates)));
  const mse = (r: WorkerResult) => (r.epochRates.length === epochs ? r.testMse.toFixed(5) : '-');
  const label = (precision: string) => `hourglass ${precision} (${cores} threads)`;
  const torchLabel = (r: WorkerResult) => `pytorch ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${r.epochRates.length} epoch${r.epochRates.length === 1 ? '' : 's'}`;
  const qualityRows = [
    ...precisions.map((p) => {
      const q = quality[p];
      return q.ok
        ? [label(p), Math.round(median(q.result.epochRates)), mse(q.result), Math.round(q.result.inferenceRate), q.result.peakRssMb.toFixed(0)]
        : ([label(p), { note: notAvailable(q.reason) }] as [string, { note: string }]);
    }),
    ...theirs.map((r) => [torchLabel(r), Math.round(median(r.epochRates)), mse(r), Math.round(r.inferenceRate), r.peakRssMb.toFixed(0)]),
  ];
  console.log(`CPU: ${cpuInfo().model}\n`);
  console.log(table(['implementation', 'train samples/s (median epoch)', 'test MSE', 'inference samples/s', 'peak RSS MB'], qualityRows));

  const speed = precisions.map((p) => {
    const ratios = roundResults.filter((r) => r.precision === p).map((r) => r.ratio);
    return ratios.length
      ? { precision: p, ratios, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }
      : { precision: p, ratios, unavailable: (quality[p] as { reason: string }).reason };
  });
  const speedRows = speed.map((s) =>
    'unavailable' in s
      ? ([label(s.precision), { note: notAvailable(s.unavailable!) }] as [string, { note: string }])
      : [label(s.precision), `${s.median.toFixed(2)}x`, `${s.min.toFixed(2)}x - ${s.max.toFixed(2)}x`],
  );
  console.log(`\nSpeed, ${rounds} paired rounds (${roundEpochs} epoch${roundEpochs === 1 ? '' : 's'} of hourglass, then of PyTorch ${cores} threads):`);
  console.log(table(['implementation', 'x PyTorch (median of rounds)', 'range (min - max)'], speedRows));

  let peak: MachinePeak | null = null;
  const f32 = quality.float32;
  if (arch === 'dense') {
    peak = await measureMachinePeak();
    printFloat32Bound(peak, f32.ok ? f32.result : undefined, best);
  }
  const runs = [
    ...precisions.map((p) => (quality[p].ok ? { ...(quality[p] as { result: WorkerResult }).result, precision: p } : { impl: 'hourglass', precision: p, unavailable: (quality[p] as { reason: string }).reason })),
    ...theirs,
  ];
  const file = writeResult(arch, { epochs, batchSize, rounds, roundEpochs, runs, speed, roundResults, machinePeak: peak });
  console.log(`(wrote ${path.relative(repoRoot, file)})`);
}

/** The reference dense autoencoder's layer widths, input to output. */
const DENSE_WIDTHS = [784, 256, 64, 32, 64, 256, 784];

/**
 * Matrix-product FLOPs per training sample of a dense chain: forward and weight gradient
 * 2 * in * out each per layer, the input gradient too except for the first layer.
 */
function denseTrainingFlops(widths: readonly number[]): number {
  let flops = 0;
  for (let l = 0; l + 1 < widths.length; l++) flops += (l === 0 ? 4 : 6) * widths[l] * widths[l + 1];
  return flops;
}

/** What the machine's float32 peak allows for this model, next to what each side reaches. */
function printFloat32Bound(peak: MachinePeak, hourglass: WorkerResult | undefined, pytorchBest: number): void {
  const flops = denseTrainingFlops(DENSE_WIDTHS);
  const top = Math.max(peak.oneThread, peak.allCoresTogether);
  const bound = top / flops * 1e9;
  const rate = (samples: number) => `${((samples * flops) / 1e9).toFixed(0)} GFLOP/s = ${((samples * flops) / 1e9 / top * 100).toFixed(0)}% of it`;
  console.log(
    `\nfloat32 matrix-product peak of this machine (sgemm 2048^3): one thread ${peak.oneThread.toFixed(0)} GFLOP/s, ` +
      `${peak.cores} single-thread processes together ${peak.allCoresTogether.toFixed(0)} GFLOP/s` +
      (peak.allCoresTogether < 1.3 * peak.oneThread ? ' (the cores share their arithmetic units)' : '') +
      `.\nThis model costs ${(flops / 1e6).toFixed(2)} MFLOP of matrix products per training sample, so float32 training is bounded at ` +
      `${Math.round(bound)} samples/s = ${(bound / pytorchBest).toFixed(2)}x PyTorch's faster setting. ` +
      `PyTorch reaches ${rate(pytorchBest)}` +
      (hourglass ? `; hourglass float32 ${rate(median(hourglass.epochRates))}.` : '.'),
  );
}
