// Dense autoencoder, hourglass vs PyTorch, same data and same batches, in one run:
// training samples/s (median over epochs), test MSE, inference rate, peak RSS.
import { writeFileSync } from 'node:fs';
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

export async function benchDense({ epochs = 20, batchSize = 256 } = {}): Promise<void> {
  console.log(`\n## Dense autoencoder 784-256-64-32-64-256-784, Fashion-MNIST, Adam 1e-3, batch ${batchSize}, ${epochs} epochs`);
  // The batch order hourglass's fit() will use, handed to PyTorch so both see the same batches.
  const orderFile = path.join(os.tmpdir(), `hourglass-bench-order-${process.pid}.u32`);
  const shuffler = new EpochShuffler(60000, 0);
  const orders = new Uint32Array(60000 * epochs);
  for (let e = 0; e < epochs; e++) orders.set(shuffler.next(), e * 60000);
  writeFileSync(orderFile, orders);

  const runs: WorkerResult[] = [];
  runs.push(await runJson<WorkerResult>(process.execPath, [path.join(distBench, 'dense-worker.js'), String(epochs), String(batchSize)]));
  for (const threads of [1, 0]) {
    const args = [path.join(repoRoot, 'bench/dense_torch.py'), '--order', orderFile, '--epochs', String(epochs), '--batch-size', String(batchSize), '--threads', String(threads)];
    runs.push(await runJson<WorkerResult>(systemPython, args));
  }
  const ours = runs[0];
  const oursRate = median(ours.epochRates);
  const rows = runs.map((r) => {
    const rate = median(r.epochRates);
    const label = r.impl === 'hourglass' ? `hourglass (${os.cpus().length} threads)` : `pytorch (${r.threads} thread${r.threads === 1 ? '' : 's'})`;
    return [label, Math.round(rate), r.impl === 'hourglass' ? '1.00' : (oursRate / rate).toFixed(2), r.testMse.toFixed(5), Math.round(r.inferenceRate), r.peakRssMb.toFixed(0)];
  });
  console.log(table(['implementation', 'train samples/s (median)', 'hourglass speed-up', 'test MSE', 'inference samples/s', 'peak RSS MB'], rows));
  const file = writeResult('dense', { epochs, batchSize, runs });
  console.log(`(wrote ${path.relative(repoRoot, file)})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDense({ epochs: Number(process.argv[2] ?? 20) });
