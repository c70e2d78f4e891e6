// The large-image conv autoencoder, hourglass vs PyTorch on the same architecture (the conv
// preset's default for the size: stride-2 convolutions, batch norm, leaky ReLU, dense waist)
// and the same initial weights: PyTorch loads the untrained model file hourglass wrote.
// Speed only (synthetic images), in paired rounds: each round runs hourglass, then PyTorch on
// one thread and on all cores, and divides hourglass's rate by the faster PyTorch setting of
// that round; the median of those ratios, with its range. Peak RSS of every side.
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convAutoencoder, describeConvPreset, resolveConvPreset } from '../src/models/conv-preset.js';
import { Rng } from '../src/core/rng.js';
import { distBench, median, repoRoot, runJson, systemPython, table, torchThreadsEnv, writeResult } from './common.js';
import { cpuInfo } from './capabilities.js';

interface WorkerResult {
  impl: string;
  threads?: number;
  epochRates: number[];
  /** Process CPU milliseconds per sample, per epoch (every thread counted). */
  cpuMsPerSample: number[];
  loss: number;
  peakRssMb: number;
}

export interface ConvLargeBenchOptions {
  /** Image side (square, one channel unless `channels`). */
  size: number;
  channels?: number;
  /** Images per epoch. */
  samples: number;
  batchSize: number;
  rounds: number;
  /** Epochs per side per round; the last one (warm: primitives created, memory touched) is timed. */
  roundEpochs: number;
}

/**
 * Smooth random images in [0, 1]: a few Gaussian blobs on a gradient, like the bright and dark
 * regions of a scan. Content does not change the speed of dense arithmetic; it only keeps the
 * losses of the two sides meaningful.
 */
function syntheticImages(n: number, channels: number, size: number): Float32Array {
  const rng = new Rng(7);
  const out = new Float32Array(n * channels * size * size);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < channels; c++) {
      const blobs = Array.from({ length: 4 }, () => ({ x: rng.uniform() * size, y: rng.uniform() * size, r: (0.05 + 0.2 * rng.uniform()) * size, a: rng.uniform() - 0.3 }));
      const plane = out.subarray((i * channels + c) * size * size, (i * channels + c + 1) * size * size);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          let v = 0.3 + (0.2 * (x + y)) / (2 * size);
          for (const b of blobs) v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
          plane[y * size + x] = Math.min(1, Math.max(0, v));
        }
    }
  return out;
}

export async function benchConvLarge({ size, channels = 1, samples, batchSize, rounds, roundEpochs }: ConvLargeBenchOptions): Promise<void> {
  const cores = os.cpus().length;
  const inputShape = [channels, size, size];
  const settings = resolveConvPreset({ inputShape });
  const isa = process.env.ONEDNN_MAX_CPU_ISA ? `, ONEDNN_MAX_CPU_ISA=${process.env.ONEDNN_MAX_CPU_ISA}` : '';
  console.log(`\n## Conv autoencoder on ${channels}x${size}x${size} images, MSE, Adam 1e-3, batch ${batchSize}; ${rounds} paired rounds of ${samples} images per side${isa}`);
  console.log(`${describeConvPreset(settings)}`);
  const work = path.join(os.tmpdir(), `hourglass-bench-conv${size}-${process.pid}`);
  const modelFile = `${work}.safetensors`;
  const imagesFile = `${work}.f32`;
  const results: { round: number; hourglass: number; pytorch1: number; pytorchAll: number; ratio: number }[] = [];
  const cpu = { hourglass: [] as number[], pytorch1: [] as number[], pytorchAll: [] as number[] };
  const rss = { hourglass: [] as number[], pytorch1: [] as number[], pytorchAll: [] as number[] };
  const losses = { hourglass: 0, pytorch: 0 };
  try {
    await convAutoencoder({ inputShape, seed: 0 }).save(modelFile);
    writeFileSync(imagesFile, syntheticImages(samples, channels, size));
    const ours = () => runJson<WorkerResult>(process.execPath, [path.join(distBench, 'conv-large-worker.js'), modelFile, imagesFile, String(roundEpochs), String(batchSize)]);
    const torch = (threads: number) =>
      runJson<WorkerResult>(
        systemPython,
        [path.join(repoRoot, 'bench/conv_large_torch.py'), '--model', modelFile, '--images', imagesFile, '--epochs', String(roundEpochs), '--batch-size', String(batchSize), '--threads', String(threads)],
        torchThreadsEnv(threads),
      );
    const warm = (r: WorkerResult) => r.epochRates[r.epochRates.length - 1];
    const warmCpu = (r: WorkerResult) => r.cpuMsPerSample[r.cpuMsPerSample.length - 1];
    for (let round = 0; round < rounds; round++) {
      const hg = await ours();
      const t1 = await torch(1);
      const tn = await torch(cores);
      const best = Math.max(warm(t1), warm(tn));
      results.push({ round, hourglass: warm(hg), pytorch1: warm(t1), pytorchAll: warm(tn), ratio: warm(hg) / best });
      cpu.hourglass.push(warmCpu(hg));
      cpu.pytorch1.push(warmCpu(t1));
      cpu.pytorchAll.push(warmCpu(tn));
      rss.hourglass.push(hg.peakRssMb);
      rss.pytorch1.push(t1.peakRssMb);
      rss.pytorchAll.push(tn.peakRssMb);
      losses.hourglass = hg.loss;
      losses.pytorch = tn.loss;
      process.stderr.write(`  round ${round + 1}/${rounds}: hourglass ${warm(hg).toFixed(1)}, pytorch 1 thread ${warm(t1).toFixed(1)}, ${cores} threads ${warm(tn).toFixed(1)} samples/s: ${(results[round].ratio).toFixed(2)}x\n`);
    }
  } finally {
    rmSync(modelFile, { force: true });
    rmSync(imagesFile, { force: true });
  }
  const ratios = results.map((r) => r.ratio);
  const row = (label: string, rates: number[], cpuMs: number[], mem: number[]) => [
    label,
    median(rates).toFixed(1),
    `${Math.min(...rates).toFixed(1)} - ${Math.max(...rates).toFixed(1)}`,
    median(cpuMs).toFixed(1),
    Math.max(...mem).toFixed(0),
  ];
  // The load tells how much of the two cores the rounds had: wall-clock rates move with it, the
  // CPU time per sample much less.
  console.log(`CPU: ${cpuInfo().model}; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}\n`);
  console.log(
    table(
      ['implementation', 'train samples/s (median of rounds)', 'range', 'CPU ms per sample (median)', 'peak RSS MB'],
      [
        row(`hourglass (${cores} threads)`, results.map((r) => r.hourglass), cpu.hourglass, rss.hourglass),
        row('pytorch 1 thread', results.map((r) => r.pytorch1), cpu.pytorch1, rss.pytorch1),
        row(`pytorch ${cores} threads`, results.map((r) => r.pytorchAll), cpu.pytorchAll, rss.pytorchAll),
      ],
    ),
  );
  console.log(`\nhourglass / faster PyTorch setting of each round: median ${median(ratios).toFixed(2)}x, range ${Math.min(...ratios).toFixed(2)}x - ${Math.max(...ratios).toFixed(2)}x (mean training loss of the last epoch: hourglass ${losses.hourglass.toFixed(5)}, PyTorch ${losses.pytorch.toFixed(5)})`);
  const file = writeResult(`conv${size}`, { settings, samples, batchSize, rounds, roundEpochs, maxCpuIsa: process.env.ONEDNN_MAX_CPU_ISA ?? null, loadAverage: os.loadavg(), perRound: results, cpuMsPerSample: cpu, rss, ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } });
  console.log(`wrote ${path.relative(repoRoot, file)}`);
}
