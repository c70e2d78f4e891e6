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

  const runs: WorkerResult[] = [];
  try {
    runs.push(await runJson<WorkerResult>(process.execPath, [path.join(distBench, 'autoencoder-worker.js'), arch, String(epochs), String(batchSize)]));
    runs.push(await torch(os.cpus().length, epochs));
    runs.push(await torch(1, singleThreadEpochs));
  } finally {
    rmSync(orderFile, { force: true });
  }
  const oursRate = median(runs[0].epochRates);
  const rows = runs.map((r, i) => {
    const rate = median(r.epochRates);
    const label = i === 0 ? `hourglass (${os.cpus().length} threads)` : `pytorch ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${r.epochRates.length} epoch${r.epochRates.length === 1 ? '' : 's'}`;
    return [label, Math.round(rate), i === 0 ? '-' : (oursRate / rate).toFixed(2), r.epochRates.length === epochs ? r.testMse.toFixed(5) : '-', Math.round(r.inferenceRate), r.peakRssMb.toFixed(0)];
  });
  console.log(table(['implementation', 'train samples/s (median)', 'hourglass speed-up', 'test MSE', 'inference samples/s', 'peak RSS MB'], rows));
  const file = writeResult(arch, { epochs, batchSize, runs });
  console.log(`(wrote ${path.relative(repoRoot, file)})`);
}
