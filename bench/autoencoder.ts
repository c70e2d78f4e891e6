// Reference autoencoders, hourglass vs PyTorch, same data and same batches, in one run:
// training samples/s (median over epochs), test MSE, inference rate, peak RSS.
import { writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EpochShuffler } from '../src/train/shuffler.js';
import { distBench, median, runJson, systemPython, repoRoot, table, writeResult } from './common.js';

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
 * thread count is set explicitly: its default here is one thread.
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
    runJson<WorkerResult>(systemPython, [path.join(repoRoot, 'bench/torch_reference.py'), '--model', arch, '--order', orderFile, '--epochs', String(n), '--batch-size', String(batchSize), '--threads', String(threads)]);

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
  const file = writeResult(arch, { epochs, batchSize, runs: [...ours, ...theirs] });
  console.log(`(wrote ${path.relative(repoRoot, file)})`);
}
