import { invalid, shapeMismatch } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { borderNormalisers, gaussianKernel } from './gaussian-window.js';
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
  /**
   * Which positions the map covers. 'valid' (the default, the metric of the papers):
   * only those where the window lies wholly inside the image. 'same': every pixel, the
   * window's weights that fall outside the image dropped and the rest renormalised; the
   * anomaly detector uses it so that its error map has one value per pixel and the score is
   * the map's mean (which 'valid' cannot give: a 28x28 image has 18x18 full windows).
   */
  border?: SsimBorder;
}

export type SsimBorder = 'valid' | 'same';

/**
 * Structural similarity (Wang, Bovik, Sheikh and Simoncelli, 2004) of two images stored
 * plane by plane ([c, h, w], c = a.length / (h * w)): the mean of the local SSIM map,
 * averaged over channels. Defaults are the paper's: an 11x11 Gaussian window with sigma 1.5,
 * K1 = 0.01, K2 = 0.03, a data range of 1, and the map restricted to the positions where the
 * window lies wholly inside the image ('valid'). That restriction is what the authors' MATLAB
 * code does and what scikit-image's structural_similarity (gaussian_weights=True,
 * use_sample_covariance=False) averages over, so the numbers agree with both.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, options: SsimOptions = {}): number {
  const plane = h * w;
  const map = new SsimMap(h, w, options);
  if (a.length !== b.length) throw shapeMismatch(`SSIM compares images of the same size; got ${a.length} and ${b.length} values`);
  if (a.length === 0 || a.length % plane !== 0)
    throw shapeMismatch(`SSIM: ${a.length} values are not whole ${h}x${w} planes`);
  const channels = a.length / plane;
  let sum = 0;
  for (let c = 0; c < channels; c++) sum += map.planeMean(a, b, c * plane);
  return sum / channels;
}

/** SSIM of every image of two batches [n, c, h, w] of the same shape. */
export function ssimPerImage(a: Tensor, b: Tensor, options: SsimOptions = {}): Float64Array {
  checkSameBatch(a, b, 'SSIM');
  if (a.shape.length !== 4) throw shapeMismatch(`SSIM works on image batches [n, c, h, w]; got shape [${a.shape.join(', ')}]`);
  const [n, c, h, w] = a.shape;
  const map = new SsimMap(h, w, options);
  const plane = h * w;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < c; k++) sum += map.planeMean(a.data, b.data, (i * c + k) * plane);
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
  return gaussianKernel(sigma, (size - 1) / 2);
}

/**
 * Where the window stands along one axis, for each output position i: it covers `count`
 * input positions from `start`, with the kernel's weights from `kernelStart`, and the sum is
 * multiplied by `norm` (1 for whole windows; 1 / the weights inside for cut ones).
 */
interface AxisPlan {
  size: number;
  start: Int32Array;
  kernelStart: Int32Array;
  count: Int32Array;
  norm: Float64Array;
}

function axisPlan(length: number, window: Float64Array, border: SsimBorder): AxisPlan {
  const k = window.length;
  const r = (k - 1) / 2;
  const size = border === 'valid' ? length - k + 1 : length;
  const plan: AxisPlan = { size, start: new Int32Array(size), kernelStart: new Int32Array(size), count: new Int32Array(size), norm: new Float64Array(size).fill(1) };
  if (border === 'valid') {
    for (let i = 0; i < size; i++) {
      plan.start[i] = i;
      plan.count[i] = k;
    }
    return plan;
  }
  plan.norm = borderNormalisers(window, length);
  for (let i = 0; i < size; i++) {
    const lo = Math.max(0, i - r);
    plan.start[i] = lo;
    plan.kernelStart[i] = lo - i + r;
    plan.count[i] = Math.min(length - 1, i + r) - lo + 1;
  }
  return plan;
}

/**
 * SSIM maps of image pairs of h x w, with scratch buffers for the five windowed means
 * (a, b, a^2, b^2, ab), filtered separably in double: rows first into [h, map width], then
 * columns into [map height, map width]. One plane at a time, so scoring a large batch
 * allocates nothing per image.
 */
export class SsimMap {
  /** Values per plane of the map: h * w for 'same', (h - k + 1) * (w - k + 1) for 'valid'. */
  readonly size: number;
  private readonly window: Float64Array;
  private readonly c1: number;
  private readonly c2: number;
  private readonly rowsPlan: AxisPlan;
  private readonly colsPlan: AxisPlan;
  private readonly rows: Float64Array[];

  constructor(
    readonly h: number,
    readonly w: number,
    options: SsimOptions = {},
  ) {
    const { dataRange = 1, windowSize = 11, sigma = 1.5, k1 = 0.01, k2 = 0.03, border = 'valid' } = options;
    if (!(dataRange > 0) || !Number.isFinite(dataRange)) throw invalid(`SSIM data range must be a positive number, got ${dataRange}`);
    if (!Number.isInteger(windowSize) || windowSize < 1 || windowSize % 2 === 0)
      throw invalid(`SSIM window size must be an odd positive integer, got ${windowSize}`);
    if (!(sigma > 0)) throw invalid(`SSIM window sigma must be positive, got ${sigma}`);
    if (!(k1 > 0) || !(k2 > 0)) throw invalid(`SSIM constants K1 and K2 must be positive, got ${k1} and ${k2}`);
    if (border !== 'valid' && border !== 'same') throw invalid(`SSIM border must be 'valid' or 'same', got '${String(border)}'`);
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw invalid(`SSIM: image size must be positive integers, got ${h}x${w}`);
    if (border === 'valid' && (h < windowSize || w < windowSize))
      throw invalid(`SSIM with a ${windowSize}x${windowSize} window needs images at least that large, got ${h}x${w}; pass a smaller odd windowSize`);
    this.window = gaussianWindow(windowSize, sigma);
    this.c1 = (k1 * dataRange) ** 2;
    this.c2 = (k2 * dataRange) ** 2;
    this.colsPlan = axisPlan(w, this.window, border);
    this.rowsPlan = axisPlan(h, this.window, border);
    this.size = this.rowsPlan.size * this.colsPlan.size;
    this.rows = Array.from({ length: 5 }, () => new Float64Array(h * this.colsPlan.size));
  }

  /** The maps of `planes` image pairs stored one after another (NCHW data: planes = n * c). */
  compute(a: ArrayLike<number>, b: ArrayLike<number>, planes: number, out: Float32Array = new Float32Array(planes * this.size)): Float32Array {
    const plane = this.h * this.w;
    if (a.length !== b.length || out.length !== planes * this.size)
      throw invalid(`SSIM: the image batches hold ${a.length} and ${b.length} values, the output ${out.length}`);
    if (a.length !== planes * plane) throw invalid(`SSIM: ${planes} planes of ${this.h}x${this.w} need ${planes * plane} values, got ${a.length}`);
    for (let p = 0; p < planes; p++) this.plane(a, b, p * plane, out, p * this.size);
    return out;
  }

  /** The mean of the map of the plane pair starting at `offset`. */
  planeMean(a: ArrayLike<number>, b: ArrayLike<number>, offset: number): number {
    return this.plane(a, b, offset, null, 0) / this.size;
  }

  /** Writes the plane's map into `out` at `to` (when given) and returns its sum. */
  private plane(a: ArrayLike<number>, b: ArrayLike<number>, offset: number, out: Float32Array | null, to: number): number {
    const { h, w, window, c1, c2, rowsPlan, colsPlan } = this;
    const outW = colsPlan.size;
    const [ra, rb, raa, rbb, rab] = this.rows;
    for (let y = 0; y < h; y++) {
      const rowStart = offset + y * w;
      for (let x = 0; x < outW; x++) {
        const from = rowStart + colsPlan.start[x];
        const k0 = colsPlan.kernelStart[x];
        const count = colsPlan.count[x];
        let sa = 0;
        let sb = 0;
        let saa = 0;
        let sbb = 0;
        let sab = 0;
        for (let t = 0; t < count; t++) {
          const g = window[k0 + t];
          const va = a[from + t];
          const vb = b[from + t];
          sa += g * va;
          sb += g * vb;
          saa += g * va * va;
          sbb += g * vb * vb;
          sab += g * va * vb;
        }
        const norm = colsPlan.norm[x];
        const at = y * outW + x;
        ra[at] = sa * norm;
        rb[at] = sb * norm;
        raa[at] = saa * norm;
        rbb[at] = sbb * norm;
        rab[at] = sab * norm;
      }
    }
    let total = 0;
    for (let y = 0; y < rowsPlan.size; y++) {
      const from = rowsPlan.start[y];
      const k0 = rowsPlan.kernelStart[y];
      const count = rowsPlan.count[y];
      const norm = rowsPlan.norm[y];
      for (let x = 0; x < outW; x++) {
        let ma = 0;
        let mb = 0;
        let maa = 0;
        let mbb = 0;
        let mab = 0;
        for (let t = 0; t < count; t++) {
          const g = window[k0 + t];
          const at = (from + t) * outW + x;
          ma += g * ra[at];
          mb += g * rb[at];
          maa += g * raa[at];
          mbb += g * rbb[at];
          mab += g * rab[at];
        }
        ma *= norm;
        mb *= norm;
        maa *= norm;
        mbb *= norm;
        mab *= norm;
        const varA = maa - ma * ma;
        const varB = mbb - mb * mb;
        const cov = mab - ma * mb;
        const value = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
        if (out) out[to + y * outW + x] = value;
        total += value;
      }
    }
    return total;
  }
}
