import { invalid, shapeMismatch } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { checkSameBatch } from './psnr.js';

export interface SsimOptions {
  /** Distance between the smallest and largest possible value: 1 for [0, 1] images, 255 for bytes. */
  dataRange?: number;
  /** Side of the square Gaussian window, odd. */
  windowSize?: number;
  /** Standard deviation of the Gaussian window, in pixels. */
  sigma?: number;
  k1?: number;
  k2?: number;
}

interface ResolvedSsimOptions {
  window: Float64Array;
  c1: number;
  c2: number;
}

/**
 * Structural similarity (Wang, Bovik, Sheikh and Simoncelli, 2004) of two images stored
 * plane by plane ([c, h, w], c = a.length / (h * w)): the mean of the local SSIM map over
 * every position where the window lies wholly inside the image, averaged over channels.
 * Defaults are the paper's: an 11x11 Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03,
 * and a data range of 1. Restricting the map to full windows is what the authors' MATLAB
 * code does and what scikit-image's structural_similarity (gaussian_weights=True,
 * use_sample_covariance=False) averages over, so the numbers agree with both.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, options: SsimOptions = {}): number {
  const resolved = resolveOptions(options, h, w);
  const plane = h * w;
  if (a.length !== b.length) throw shapeMismatch(`SSIM compares images of the same size; got ${a.length} and ${b.length} values`);
  if (a.length === 0 || a.length % plane !== 0)
    throw shapeMismatch(`SSIM: ${a.length} values are not whole ${h}x${w} planes`);
  const workspace = new SsimWorkspace(h, w, resolved.window.length);
  const channels = a.length / plane;
  let sum = 0;
  for (let c = 0; c < channels; c++) sum += workspace.planeSsim(a, b, c * plane, resolved);
  return sum / channels;
}

/** SSIM of every image of two batches [n, c, h, w] of the same shape. */
export function ssimPerImage(a: Tensor, b: Tensor, options: SsimOptions = {}): Float64Array {
  checkSameBatch(a, b, 'SSIM');
  if (a.shape.length !== 4) throw shapeMismatch(`SSIM works on image batches [n, c, h, w]; got shape [${a.shape.join(', ')}]`);
  const [n, c, h, w] = a.shape;
  const resolved = resolveOptions(options, h, w);
  const workspace = new SsimWorkspace(h, w, resolved.window.length);
  const plane = h * w;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < c; k++) sum += workspace.planeSsim(a.data, b.data, (i * c + k) * plane, resolved);
    out[i] = sum / c;
  }
  return out;
}

/** Mean SSIM over a batch of images [n, c, h, w]. */
export function meanSsim(a: Tensor, b: Tensor, options: SsimOptions = {}): number {
  const values = ssimPerImage(a, b, options);
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The normalised 1-D Gaussian whose outer product is the SSIM window. */
export function gaussianWindow(size: number, sigma: number): Float64Array {
  const radius = (size - 1) / 2;
  const g = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    g[i] = Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma));
    total += g[i];
  }
  for (let i = 0; i < size; i++) g[i] /= total;
  return g;
}

function resolveOptions(options: SsimOptions, h: number, w: number): ResolvedSsimOptions {
  const { dataRange = 1, windowSize = 11, sigma = 1.5, k1 = 0.01, k2 = 0.03 } = options;
  if (!(dataRange > 0) || !Number.isFinite(dataRange)) throw invalid(`SSIM data range must be a positive number, got ${dataRange}`);
  if (!Number.isInteger(windowSize) || windowSize < 1 || windowSize % 2 === 0)
    throw invalid(`SSIM window size must be an odd positive integer, got ${windowSize}`);
  if (!(sigma > 0)) throw invalid(`SSIM window sigma must be positive, got ${sigma}`);
  if (!(k1 > 0) || !(k2 > 0)) throw invalid(`SSIM constants K1 and K2 must be positive, got ${k1} and ${k2}`);
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw invalid(`SSIM: image size must be positive integers, got ${h}x${w}`);
  if (h < windowSize || w < windowSize)
    throw invalid(`SSIM with a ${windowSize}x${windowSize} window needs images at least that large, got ${h}x${w}; pass a smaller odd windowSize`);
  return { window: gaussianWindow(windowSize, sigma), c1: (k1 * dataRange) ** 2, c2: (k2 * dataRange) ** 2 };
}

/**
 * Scratch buffers for the five windowed means (a, b, a^2, b^2, ab), filtered separably:
 * rows first into [h, w - k + 1], then columns into [h - k + 1, w - k + 1].
 */
class SsimWorkspace {
  private readonly outH: number;
  private readonly outW: number;
  private readonly rows: Float64Array[];

  constructor(
    private readonly h: number,
    private readonly w: number,
    private readonly k: number,
  ) {
    this.outH = h - k + 1;
    this.outW = w - k + 1;
    this.rows = Array.from({ length: 5 }, () => new Float64Array(h * this.outW));
  }

  planeSsim(a: ArrayLike<number>, b: ArrayLike<number>, offset: number, { window, c1, c2 }: ResolvedSsimOptions): number {
    const { h, w, k, outH, outW } = this;
    const [ra, rb, raa, rbb, rab] = this.rows;
    for (let y = 0; y < h; y++) {
      const rowStart = offset + y * w;
      for (let x = 0; x < outW; x++) {
        let sa = 0;
        let sb = 0;
        let saa = 0;
        let sbb = 0;
        let sab = 0;
        for (let t = 0; t < k; t++) {
          const g = window[t];
          const va = a[rowStart + x + t];
          const vb = b[rowStart + x + t];
          sa += g * va;
          sb += g * vb;
          saa += g * va * va;
          sbb += g * vb * vb;
          sab += g * va * vb;
        }
        const at = y * outW + x;
        ra[at] = sa;
        rb[at] = sb;
        raa[at] = saa;
        rbb[at] = sbb;
        rab[at] = sab;
      }
    }
    let total = 0;
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < outW; x++) {
        let ma = 0;
        let mb = 0;
        let maa = 0;
        let mbb = 0;
        let mab = 0;
        for (let t = 0; t < k; t++) {
          const g = window[t];
          const at = (y + t) * outW + x;
          ma += g * ra[at];
          mb += g * rb[at];
          maa += g * raa[at];
          mbb += g * rbb[at];
          mab += g * rab[at];
        }
        const varA = maa - ma * ma;
        const varB = mbb - mb * mb;
        const cov = mab - ma * mb;
        total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
      }
    return total / (outH * outW);
  }
}
