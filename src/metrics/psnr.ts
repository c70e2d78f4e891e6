import { invalid, shapeMismatch } from '../core/errors.js';
import { shapeToString, sizeOf, type Tensor } from '../core/tensor.js';

/** Mean squared difference of two equally long arrays, accumulated in double precision. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw shapeMismatch(`cannot compare ${a.length} values with ${b.length}`);
  if (a.length === 0) throw invalid('cannot compare empty arrays');
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return sum / a.length;
}

/**
 * Peak signal-to-noise ratio in decibels, 10 log10(peak^2 / MSE), where `peak` is the
 * data range (1 for images scaled to [0, 1], 255 for bytes). Identical inputs give
 * Infinity, as in scikit-image's peak_signal_noise_ratio.
 */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, peak = 1): number {
  if (!(peak > 0) || !Number.isFinite(peak)) throw invalid(`PSNR peak (data range) must be a positive number, got ${peak}`);
  const mse = meanSquaredError(a, b);
  if (Number.isNaN(mse)) return NaN;
  return 10 * Math.log10((peak * peak) / mse);
}

/** PSNR of every sample of two batches [n, ...] of the same shape. */
export function psnrPerImage(a: Tensor, b: Tensor, peak = 1): Float64Array {
  checkSameBatch(a, b, 'PSNR');
  const n = a.shape[0];
  const per = sizeOf(a.shape.slice(1));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = psnr(a.data.subarray(i * per, (i + 1) * per), b.data.subarray(i * per, (i + 1) * per), peak);
  return out;
}

/**
 * Mean of per-image PSNR, the figure denoising papers report. An image reproduced exactly
 * would make the mean infinite, so such images are counted at `cap` dB (default 100).
 */
export function meanPsnr(a: Tensor, b: Tensor, { peak = 1, cap = 100 }: { peak?: number; cap?: number } = {}): number {
  const values = psnrPerImage(a, b, peak);
  let sum = 0;
  for (const v of values) sum += Math.min(v, cap);
  return sum / values.length;
}

export function checkSameBatch(a: Tensor, b: Tensor, metric: string): void {
  if (a.shape.length < 2 || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
    throw shapeMismatch(`${metric} compares batches of the same shape [n, ...]; got ${shapeToString(a.shape)} and ${shapeToString(b.shape)}`);
  if (a.shape[0] < 1) throw invalid(`${metric}: the batches are empty`);
}
