// Reference autoencoders, hourglass vs PyTorch, same data and same batches, in one run.
// Quality: one full run per side (test MSE, inference rate, peak RSS). Speed: paired rounds:
// in each, hourglass (float32; bfloat16 where the CPU has it; float32 on the AVX2 code path),
// then PyTorch on one thread and on all cores, then (dense) the machine's float32 peak, all
// for a few epochs, repeated. Every side sees the same share of whatever else the machine is
// doing; hourglass is compared with the faster PyTorch setting of the same round, and the
// median of the per-round ratios is reported with its range.
import { writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EpochShuffler } from '../src/train/shuffler.js';
import { cpuCapabilities } from '../src/core/cpu-capabilities.js';
import { distBench, median, runJson, systemPython, repoRoot, table, torchThreadsEnv, writeResult } from './common.js';
import { measureMachinePeak, peakOf, type MachinePeak } from './machine-peak.js';
import { avx2PathAvailability, bf16Precheck, notAvailable, runIfAvailable, type Availability, type Outcome } from './capabilities.js';

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
  /** Paired speed rounds, and epochs per side in each. */
  rounds: number;
  roundEpochs: number;
  batchSize?: number;
}

/** One hourglass configuration timed in every round. */
interface Variant {
  key: 'float32' | 'bfloat16' | 'float32-avx2';
  label: string;
  precision: 'float32' | 'bfloat16';
  env: NodeJS.ProcessEnv;
  availability: Availability;
  /** Whether it also gets a full quality run (test MSE): not the AVX2 path, same model. */
  quality: boolean;
}

interface Round {
  round: number;
  hourglass: Record<string, number>;
  pytorch1: number;
  pytorchAll: number;
  /** Dense only: the float32 peak (GFLOP/s) of the default path and of the AVX2 path. */
  peak?: number;
  peakAvx2?: number;
}

/** The reference dense autoencoder's layer widths, input to output. */
const DENSE_WIDTHS = [784, 256, 64, 32, 64, 256, 784];

/**
 * Matrix-product FLOPs per training sample of a dense chain: forward and weight gradient
 * 2 * in * out each per layer, the input gradient too except for the first layer.
 */
export function denseTrainingFlops(widths: readonly number[]): number {
  let flops = 0;
  for (let l = 0; l + 1 < widths.length; l++) flops += (l === 0 ? 4 : 6) * widths[l] * widths[l + 1];
  return flops;
}

const summary = (values: number[]) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });
const samples = (v: number) => Math.round(v).toLocaleString('en-US');

/**
 * hourglass against PyTorch: one run of `epochs` epochs each (quality, PyTorch on all cores),
 * then `rounds` paired rounds of `roundEpochs` epochs per side (speed). PyTorch's thread count
 * is set explicitly (its default here is one thread), and so is OpenBLAS's: Debian's PyTorch
 * runs its matrix products through OpenBLAS, whose threads torch.set_num_threads does not
 * limit (torchThreadsEnv). A configuration the CPU cannot run (bfloat16 without bfloat16
 * products, the AVX2 path without AVX2) is a row "not available on this CPU (...)".
 */
export async function benchAutoencoder(arch: 'dense' | 'conv', { epochs, rounds, roundEpochs, batchSize = 256 }: AutoencoderBenchOptions): Promise<void> {
  const cores = os.cpus().length;
  const caps = cpuCapabilities();
  const perSide = `${roundEpochs} epoch${roundEpochs === 1 ? '' : 's'}`;
  console.log(`\n## ${TITLES[arch]}, Fashion-MNIST, MSE, Adam 1e-3, batch ${batchSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}; speed from ${rounds} paired rounds of ${perSide} per side`);
  // The batch order hourglass's fit() will use, handed to PyTorch so both see the same batches.
  const orderFile = path.join(os.tmpdir(), `hourglass-bench-order-${process.pid}.u32`);
  const orderEpochs = Math.max(epochs, roundEpochs);
  const shuffler = new EpochShuffler(60000, 0);
  const orders = new Uint32Array(60000 * orderEpochs);
  for (let e = 0; e < orderEpochs; e++) orders.set(shuffler.next(), e * 60000);
  writeFileSync(orderFile, orders);
  const torch = (threads: number, n: number) =>
    runJson<WorkerResult>(systemPython, [path.join(repoRoot, 'bench/torch_reference.py'), '--model', arch, '--order', orderFile, '--epochs', String(n), '--batch-size', String(batchSize), '--threads', String(threads)], torchThreadsEnv(threads));
  const ours = (v: Variant, n: number) =>
    runJson<WorkerResult>(process.execPath, [path.join(distBench, 'autoencoder-worker.js'), arch, String(n), String(batchSize), v.precision], v.env, { quiet: v.precision !== 'float32' });

  const variants: Variant[] = [
    { key: 'float32', label: `hourglass float32, ${caps.level} kernels`, precision: 'float32', env: {}, availability: { available: true }, quality: true },
  ];
  // Dense models also train in mixed precision (bfloat16 matrix operands), reported separately.
  if (arch === 'dense')
    variants.push({ key: 'bfloat16', label: 'hourglass bfloat16', precision: 'bfloat16', env: {}, availability: bf16Precheck(process.env, caps), quality: true });
  variants.push({ key: 'float32-avx2', label: 'hourglass float32, avx2 kernels (HOURGLASS_MAX_ISA=avx2)', precision: 'float32', env: { HOURGLASS_MAX_ISA: 'avx2' }, availability: avx2PathAvailability(caps), quality: false });

  const quality: Record<string, Outcome<WorkerResult>> = {};
  let theirs: WorkerResult;
  const roundResults: Round[] = [];
  try {
    for (const v of variants) if (v.quality) quality[v.key] = await runIfAvailable(v.availability, () => ours(v, epochs));
    theirs = await torch(cores, epochs);
    const timed = variants.filter((v) => v.availability.available && (!v.quality || quality[v.key].ok));
    for (let round = 0; round < rounds; round++) {
      const r: Round = { round, hourglass: {}, pytorch1: 0, pytorchAll: 0 };
      for (const v of timed) {
        r.hourglass[v.key] = median((await ours(v, roundEpochs)).epochRates);
        // The peak of a float32 code path right after its run: the two share the machine's load.
        if (arch === 'dense' && v.key === 'float32') r.peak = peakOf(await measureMachinePeak());
        if (arch === 'dense' && v.key === 'float32-avx2') r.peakAvx2 = peakOf(await measureMachinePeak(v.env));
      }
      r.pytorch1 = median((await torch(1, roundEpochs)).epochRates);
      r.pytorchAll = cores === 1 ? r.pytorch1 : median((await torch(cores, roundEpochs)).epochRates);
      roundResults.push(r);
      const best = Math.max(r.pytorch1, r.pytorchAll);
      process.stderr.write(
        `  round ${round + 1}/${rounds}: ${timed.map((v) => `${v.key} ${samples(r.hourglass[v.key])} (${(r.hourglass[v.key] / best).toFixed(2)}x)`).join(', ')}; ` +
          `pytorch 1 thread ${samples(r.pytorch1)}, ${cores} threads ${samples(r.pytorchAll)}` +
          (r.peak ? `; peak ${r.peak.toFixed(0)} GFLOP/s${r.peakAvx2 ? `, avx2 ${r.peakAvx2.toFixed(0)}` : ''}` : '') +
          '\n',
      );
    }
  } finally {
    rmSync(orderFile, { force: true });
  }

  const mse = (r: WorkerResult) => (r.epochRates.length === epochs ? r.testMse.toFixed(5) : '-');
  const unavailableRow = (label: string, reason: string) => [label, { note: notAvailable(reason) }] as [string, { note: string }];
  const reasonOf = (v: Variant) => (!v.availability.available ? v.availability.reason : v.quality && !quality[v.key].ok ? (quality[v.key] as { reason: string }).reason : null);
  const qualityRows = [
    ...variants
      .filter((v) => v.quality)
      .map((v) => {
        const q = quality[v.key];
        return q.ok
          ? [v.label, samples(median(q.result.epochRates)), mse(q.result), samples(q.result.inferenceRate), q.result.peakRssMb.toFixed(0)]
          : unavailableRow(v.label, (q as { reason: string }).reason);
      }),
    [`pytorch ${theirs.threads} threads`, samples(median(theirs.epochRates)), mse(theirs), samples(theirs.inferenceRate), theirs.peakRssMb.toFixed(0)],
  ];
  console.log(`CPU: ${os.cpus()[0]?.model ?? 'unknown'}; engine: kernels ${caps.level}, oneDNN ${caps.onednnIsa}\n`);
  console.log(table(['implementation', 'train samples/s (median epoch)', 'test MSE', 'inference samples/s', 'peak RSS MB'], qualityRows));

  // Speed: per round, each configuration against the faster PyTorch setting of that round.
  const flops = arch === 'dense' ? denseTrainingFlops(DENSE_WIDTHS) : 0;
  const speed = variants.map((v) => {
    const reason = reasonOf(v);
    if (reason !== null) return { key: v.key, label: v.label, unavailable: reason };
    const rates = roundResults.map((r) => r.hourglass[v.key]);
    const ratios = roundResults.map((r) => r.hourglass[v.key] / Math.max(r.pytorch1, r.pytorchAll));
    const peaks = roundResults.map((r) => (v.key === 'float32-avx2' ? r.peakAvx2 : r.peak));
    const ofPeak = arch === 'dense' && v.precision === 'float32' ? rates.map((rate, i) => (rate * flops) / 1e9 / peaks[i]! * 100) : null;
    return { key: v.key, label: v.label, rates, ratios, rate: summary(rates), ratio: summary(ratios), ofPeak: ofPeak && summary(ofPeak), ofPeakPerRound: ofPeak };
  });
  const range = (s: { min: number; max: number }, digits: number, unit: string) => `${s.min.toFixed(digits)}${unit} - ${s.max.toFixed(digits)}${unit}`;
  const speedRows = [
    ...speed.map((s) =>
      'unavailable' in s
        ? unavailableRow(s.label, s.unavailable!)
        : [
            s.label,
            samples(s.rate!.median),
            `${s.ratio!.median.toFixed(2)}x`,
            range(s.ratio!, 2, 'x'),
            ...(arch === 'dense' ? [s.ofPeak ? `${s.ofPeak.median.toFixed(0)}% (${range(s.ofPeak, 0, '%')})` : '-'] : []),
          ],
    ),
    ...[
      ['pytorch 1 thread', roundResults.map((r) => r.pytorch1)],
      [`pytorch ${cores} threads`, roundResults.map((r) => r.pytorchAll)],
    ].map(([label, rates]) => {
      const rs = rates as number[];
      const won = roundResults.filter((r, i) => rs[i] === Math.max(r.pytorch1, r.pytorchAll)).length;
      const ofPeak = arch === 'dense' ? rs.map((rate, i) => (rate * flops) / 1e9 / roundResults[i].peak! * 100) : null;
      return [label as string, samples(median(rs)), `faster in ${won} of ${rounds}`, '', ...(ofPeak ? [`${median(ofPeak).toFixed(0)}% (${range(summary(ofPeak), 0, '%')})`] : [])];
    }),
  ];
  console.log(
    `\nSpeed, ${rounds} paired rounds (${perSide} of each row per round, in table order${arch === 'dense' ? ', each float32 hourglass row followed by the float32 peak of its code path' : ''}); ` +
      'ratios against the faster PyTorch setting of the same round:',
  );
  console.log(
    table(['implementation', 'train samples/s (median)', 'x PyTorch faster (median)', 'range', ...(arch === 'dense' ? ['% of float32 peak (median, range)'] : [])], speedRows),
  );
  if (arch === 'dense') printFloat32Bound(roundResults, flops);
  const runs = [
    ...variants.filter((v) => v.quality).map((v) => (quality[v.key].ok ? { ...(quality[v.key] as { result: WorkerResult }).result, variant: v.key } : { impl: 'hourglass', variant: v.key, unavailable: (quality[v.key] as { reason: string }).reason })),
    theirs,
  ];
  const file = writeResult(arch, { epochs, batchSize, rounds, roundEpochs, engine: caps, runs, speed, roundResults });
  console.log(`(wrote ${path.relative(repoRoot, file)})`);
}

/** The float32 peak measured in the rounds, and the training rate it allows for this model. */
function printFloat32Bound(rounds: Round[], flops: number): void {
  const peak = summary(rounds.map((r) => r.peak!));
  const avx2 = rounds.every((r) => r.peakAvx2 !== undefined) ? summary(rounds.map((r) => r.peakAvx2!)) : null;
  console.log(
    `\nfloat32 matrix-product peak of this machine (sgemm 2048^3, the larger of one thread and one single-thread process per core), ` +
      `measured in each round: median ${peak.median.toFixed(0)} GFLOP/s (${peak.min.toFixed(0)} - ${peak.max.toFixed(0)})` +
      (avx2 ? `; on the AVX2 path ${avx2.median.toFixed(0)} GFLOP/s (${avx2.min.toFixed(0)} - ${avx2.max.toFixed(0)})` : '') +
      `.\nThis model costs ${(flops / 1e6).toFixed(2)} MFLOP of matrix products per training sample, so float32 training is bounded at ` +
      `${samples((peak.median / flops) * 1e9)} samples/s` +
      (avx2 ? ` (${samples((avx2.median / flops) * 1e9)} on the AVX2 path)` : '') +
      '.',
  );
}
