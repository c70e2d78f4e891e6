import { invalid } from '../../core/errors.js';
import { borderNormalisers, gaussianKernel } from '../../metrics/gaussian-window.js';

/** The smoothing kernel of 'smoothed-mse': the Gaussian cut at radius ceil(3 sigma). */
export function smoothingKernel(sigma: number): Float64Array {
  if (!(sigma > 0) || !Number.isFinite(sigma) || sigma > 64) throw invalid(`smoothing sigma must be in (0, 64] pixels, got ${sigma}`);
  return gaussianKernel(sigma, Math.max(1, Math.ceil(3 * sigma)));
}

/**
 * Separable Gaussian smoothing of `planes` images of h x w stored one after another (NCHW
 * data: planes = n * c). Near the border the weights that fall outside are dropped and the
 * rest renormalised, so a constant image stays constant and the border is not darkened.
 * `out` may not alias `src`.
 */
export class GaussianSmoother {
  private readonly kernel: Float64Array;
  private readonly radius: number;
  private readonly rowWeights: Float64Array;
  private readonly colWeights: Float64Array;
  private readonly scratch: Float32Array;

  constructor(
    readonly sigma: number,
    readonly h: number,
    readonly w: number,
  ) {
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw invalid(`image size must be positive integers, got ${h}x${w}`);
    this.kernel = smoothingKernel(sigma);
    this.radius = (this.kernel.length - 1) / 2;
    this.rowWeights = borderNormalisers(this.kernel, w);
    this.colWeights = borderNormalisers(this.kernel, h);
    this.scratch = new Float32Array(h * w);
  }

  smooth(src: Float32Array, planes: number, out: Float32Array = new Float32Array(src.length)): Float32Array {
    const size = this.h * this.w;
    if (src.length !== planes * size) throw invalid(`smoothing: ${planes} planes of ${this.h}x${this.w} need ${planes * size} values, got ${src.length}`);
    if (out.length !== src.length) throw invalid(`smoothing: output holds ${out.length} values, input ${src.length}`);
    for (let p = 0; p < planes; p++) this.smoothPlane(src, p * size, out, p * size);
    return out;
  }

  /** Smooths the h x w plane of `src` starting at `from` into `out` at `to` (no checks: callers own the layout). */
  smoothPlane(src: Float32Array, from: number, out: Float32Array, to: number): void {
    const { h, w, kernel, radius, scratch, rowWeights, colWeights } = this;
    for (let y = 0; y < h; y++) {
      const row = from + y * w;
      for (let x = 0; x < w; x++) {
        const lo = x < radius ? 0 : x - radius;
        const hi = x + radius < w ? x + radius : w - 1;
        let acc = 0;
        for (let t = lo, k = lo - x + radius; t <= hi; t++, k++) acc += kernel[k] * src[row + t];
        scratch[y * w + x] = acc * rowWeights[x];
      }
    }
    for (let y = 0; y < h; y++) {
      const lo = y < radius ? 0 : y - radius;
      const hi = y + radius < h ? y + radius : h - 1;
      const norm = colWeights[y];
      const dst = to + y * w;
      for (let x = 0; x < w; x++) out[dst + x] = 0;
      for (let t = lo, k = lo - y + radius; t <= hi; t++, k++) {
        const weight = kernel[k] * norm;
        const line = t * w;
        for (let x = 0; x < w; x++) out[dst + x] += weight * scratch[line + x];
      }
    }
  }
}
