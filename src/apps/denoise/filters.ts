import { invalid, shapeMismatch } from '../../core/errors.js';
import { shapeToString, tensor, type Tensor } from '../../core/tensor.js';
import { gaussianKernel } from '../../metrics/gaussian-window.js';
import { meanPsnr } from '../../metrics/psnr.js';

/**
 * The classic denoisers the autoencoder is measured against. Both work plane by plane on
 * image batches [n, c, h, w] and extend the image past its border by mirroring it
 * (... c b a | a b c ... : the edge pixel is repeated), as scipy.ndimage does by default.
 */

/** Median of the size x size neighbourhood of every pixel (size odd; 3 is the classic choice). */
export function medianFilter(x: Tensor, size = 3): Tensor {
  const [n, c, h, w] = checkImages(x, 'median filter');
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw invalid(`median filter size must be an odd positive integer, got ${size}`);
  const r = (size - 1) / 2;
  const out = tensor(x.shape);
  const window = new Float64Array(size * size);
  const rowIndex = Array.from({ length: h + 2 * r }, (_, i) => mirrorIndex(i - r, h));
  const colIndex = Array.from({ length: w + 2 * r }, (_, i) => mirrorIndex(i - r, w));
  const mid = (size * size - 1) / 2;
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let k = 0;
        for (let dy = 0; dy < size; dy++) {
          const row = base + rowIndex[y + dy] * w;
          for (let dx = 0; dx < size; dx++) {
            // Insertion sort as values arrive: 9 values, faster than sorting an array object.
            const v = x.data[row + colIndex[xx + dx]];
            let j = k++;
            while (j > 0 && window[j - 1] > v) {
              window[j] = window[j - 1];
              j--;
            }
            window[j] = v;
          }
        }
        out.data[base + y * w + xx] = window[mid];
      }
  }
  return out;
}

/**
 * Gaussian blur with standard deviation `sigma` pixels, the kernel cut at `truncate` sigmas
 * (radius round(truncate * sigma), scipy.ndimage.gaussian_filter's rule) and normalised.
 */
export function gaussianBlur(x: Tensor, sigma: number, truncate = 4): Tensor {
  const [n, c, h, w] = checkImages(x, 'Gaussian blur');
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw invalid(`Gaussian blur sigma must be a positive number, got ${sigma}`);
  if (!(truncate > 0)) throw invalid(`Gaussian blur truncate must be positive, got ${truncate}`);
  const kernel = blurKernel(sigma, truncate);
  const r = (kernel.length - 1) / 2;
  const rowIndex = Array.from({ length: h + 2 * r }, (_, i) => mirrorIndex(i - r, h));
  const colIndex = Array.from({ length: w + 2 * r }, (_, i) => mirrorIndex(i - r, w));
  const out = tensor(x.shape);
  const across = new Float64Array(h * w);
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let s = 0;
        for (let t = 0; t < kernel.length; t++) s += kernel[t] * x.data[base + y * w + colIndex[xx + t]];
        across[y * w + xx] = s;
      }
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let s = 0;
        for (let t = 0; t < kernel.length; t++) s += kernel[t] * across[rowIndex[y + t] * w + xx];
        out.data[base + y * w + xx] = s;
      }
  }
  return out;
}

/** The blur's kernel: the Gaussian cut at radius round(truncate * sigma), as scipy cuts it. */
export function blurKernel(sigma: number, truncate = 4): Float64Array {
  return gaussianKernel(sigma, Math.max(0, Math.round(truncate * sigma)));
}

/** Blur strengths tried when choosing the best one: 0.3 to 3 pixels. */
export const BLUR_SIGMAS: readonly number[] = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.35, 1.5, 1.75, 2, 2.5, 3];

/**
 * The blur sigma with the highest mean PSNR against the clean images: a fair, tuned
 * baseline. Choose it on validation images, not on the images being reported.
 */
export function bestBlurSigma(noisy: Tensor, clean: Tensor, candidates: readonly number[] = BLUR_SIGMAS): { sigma: number; psnr: number } {
  if (candidates.length === 0) throw invalid('bestBlurSigma needs at least one candidate sigma');
  let best = { sigma: candidates[0], psnr: -Infinity };
  for (const sigma of candidates) {
    const value = meanPsnr(clip(gaussianBlur(noisy, sigma)), clean);
    if (value > best.psnr) best = { sigma, psnr: value };
  }
  return best;
}

/** Values clamped to [low, high], in a new tensor. */
export function clip(x: Tensor, low = 0, high = 1): Tensor {
  const out = tensor(x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i];
    out.data[i] = v < low ? low : v > high ? high : v;
  }
  return out;
}

/** Index into [0, n) of position i of the mirrored extension (half-sample symmetric). */
export function mirrorIndex(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

function checkImages(x: Tensor, what: string): [number, number, number, number] {
  if (x.shape.length !== 4 || x.shape.some((d) => !(d >= 1)))
    throw shapeMismatch(`${what} works on image batches [n, c, h, w]; got ${shapeToString(x.shape)}`);
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}
