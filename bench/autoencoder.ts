// Reference autoencoders, hourglass vs PyTorch, same data and same batches, in one run:
// training samples/s (median over epochs), test MSE, inference rate (median of 5 passes), peak RSS.
import { writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EpochShuffler } from '../src/train/shuffler.js';
import { distBench, median, runJson, systemPython, repoRoot, table, torchThreadsEnv, writeResult } from './common.js';
import { measureMachinePeak, type MachinePeak } from './machine-peak.js';

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

/**
 * hourglass against PyTorch, both on all cores for `epochs` epochs (speed and quality),
 * and PyTorch with one thread for `singleThreadEpochs` epochs (speed only). PyTorch's
 * thread count is set explicitly (its default here is one thread), and so is OpenBLAS's:
 * Debian's PyTorch runs its matrix products through OpenBLAS, whose threads
 * torch.set_num_threads does not limit (torchThreadsEnv).
 */
export async function benchAutoencoder(arch: 'dense' | 'conv', { epochs, singleThreadEpochs, batchSize = 256 }: { epochs: number; singleThreadEpochs: number; batchSize?: number }): Promise<void> {
  console.log(`\n## ${TITLES[arch]}, Fashion-MNIST, MSE, Adam 1e-3, batch ${batchSize}, ${epochs} epochs`);
  // The batch order hourglass's fit() will use, handed to PyTorch so both see the same batches.
  const orderFile = path.join(os.tmpdir(), `hourglass-bench-order-${process.pid}.u32`);
  const shuffler = new EpochShuffler(60000, 0);
  const orders = new Uint32Array(60000 * epochs);
  for (let e = 0; e < epochs; e++) orders.set(shuffler.next(), e * 60000);
  writeFileSync(orderFile, orders);
  const torch = (threads: number, n: number) =>
    runJson<WorkerResult>(systemPython, [path.join(repoRoot, 'bench/torch_reference.py'), '--model', arch, '--order', orderFile, '--epochs', String(n), '--batch-size', String(batchSize), '--threads', String(threads)], torchThreadsEnv(threads));

  // Dense models also train in mixed precision (bfloat16 matrix operands), reported separately.
  const precisions = arch === 'dense' ? ['float32', 'bfloat16'] : ['float32'];
  const ours: (WorkerResult & { precision: string })[] = [];
  const theirs: WorkerResult[] = [];
  try {
    for (const precision of precisions)
      ours.push({ ...(await runJson<WorkerResult>(process.execPath, [path.join(distBench, 'autoencoder-worker.js'), arch, String(epochs), String(batchSize), precision])), precision });
    theirs.push(await torch(os.cpus().length, epochs));
    theirs.push(await torch(1, singleThreadEpochs));
  } finally {
    rmSync(orderFile, { force: true });
  }
  const best = Math.max(...theirs.map((r) => median(r.epochRates)));
  const mse = (r: WorkerResult) => (r.epochRates.length === epochs ? r.testMse.toFixed(5) : '-');
  const rows = [
    ...ours.map((r) => [`hourglass ${r.precision} (${os.cpus().length} threads)`, Math.round(median(r.epochRates)), (median(r.epochRates) / best).toFixed(2), mse(r), Math.round(r.inferenceRate), r.peakRssMb.toFixed(0)]),
    ...theirs.map((r) => [`pytorch ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${r.epochRates.length} epoch${r.epochRates.length === 1 ? '' : 's'}`, Math.round(median(r.epochRates)), '-', mse(r), Math.round(r.inferenceRate), r.peakRssMb.toFixed(0)]),
  ];
  console.log(table(['implementation', 'train samples/s (median)', "x PyTorch's faster setting", 'test MSE', 'inference samples/s', 'peak RSS MB'], rows));
  let peak: MachinePeak | null = null;
  if (arch === 'dense') {
    peak = await measureMachinePeak();
    printFloat32Bound(peak, ours.find((r) => r.precision === 'float32'), best);
  }
  const file = writeResult(arch, { epochs, batchSize, runs: [...ours, ...theirs], machinePeak: peak });
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
