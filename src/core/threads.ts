import { callNative } from './native/addon.js';
import { checkArgumentCount, checkInteger, checkRange } from './native/check.js';

/**
 * Sets how many threads the native engine uses from now on, for the whole process (OpenMP's
 * default for every later parallel region: element-wise kernels, the fused dense-chain
 * steps, oneDNN's matrix products and convolutions). The initial value is OpenMP's: the
 * OMP_NUM_THREADS environment variable, else one per core.
 *
 * Results depend on it: the fused dense training step splits each batch into one row range
 * per thread and sums their gradients, so a model trained on 1 thread can differ from one
 * trained on 2; the same seed, data and thread count give the same weights bit for bit
 * (README, Reproducibility).
 */
export function setThreads(threads: number): void {
  checkArgumentCount('setThreads', arguments, 1);
  checkInteger('setThreads', 'threads', threads, 1);
  checkRange('setThreads', 'threads', threads, threads <= 4096, 'at most 4096');
  callNative<void>('setThreads', threads);
}

/** How many threads the native engine uses (see setThreads). */
export function getThreads(): number {
  return callNative<number>('getThreads');
}
