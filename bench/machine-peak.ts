// How much float32 arithmetic this machine has, measured rather than assumed: the speed
// targets are ratios against PyTorch, and what bounds any implementation is the machine's
// matrix-product peak. Measured with the addon's sgemm on one thread, and with one
// single-threaded process per core at once (their sum: whether the cores add arithmetic, which
// two vCPUs that are hyperthreads of one physical core would not). The autoencoder benches
// measure it in every paired round, so a peak and the rates it bounds share the machine's load;
// with HOURGLASS_MAX_ISA in `env`, oneDNN's sgemm is capped too (the peak of that code path).
import os from 'node:os';
import path from 'node:path';
import { distBench, runJson } from './common.js';

export interface MachinePeak {
  /** One process, one thread. */
  oneThread: number;
  /** One process per core, one thread each, at the same time: their sum. */
  allCoresTogether: number;
  cores: number;
}

/** The larger of the two: what a program on all cores could reach. */
export function peakOf(p: MachinePeak): number {
  return Math.max(p.oneThread, p.allCoresTogether);
}

export async function measureMachinePeak(env: NodeJS.ProcessEnv = {}): Promise<MachinePeak> {
  const worker = path.join(distBench, 'peak-worker.js');
  const single = () => runJson<{ gflops: number }>(process.execPath, [worker], { ...env, OMP_NUM_THREADS: '1' });
  const oneThread = (await single()).gflops;
  const cores = os.cpus().length;
  const together = await Promise.all(Array.from({ length: cores }, single));
  return { oneThread, allCoresTogether: together.reduce((s, r) => s + r.gflops, 0), cores };
}
