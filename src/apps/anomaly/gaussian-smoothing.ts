import { invalid } from '../../core/errors.js';

/** Normalised 1-D Gaussian weights over [-radius, radius], radius = ceil(3 sigma). */
export function gaussianKernel(sigma: number): Float64Array {
  if (!(sigma > 0) || !Number.isFinite(sigma) || sigma > 64) throw invalid(`smoothing sigma must be in (0, 64] pixels, got ${sigma}`);
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const w = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += w[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < w.length; i++) w[i] /= sum;
  return w;
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
    this.kernel = gaussianKernel(sigma);
    this.radius = (this.kernel.length - 1) / 2;
    this.rowWeights = this.borderNormalisers(w);
    this.colWeights = this.borderNormalisers(h);
    this.scratch = new Float32Array(h * w);
  }

  smooth(src: Float32Array, planes: number, out: Float32Array = new Float32Array(src.length)): Float32Array {
    const { h, w, kernel, radius, scratch } = this;
    const size = h * w;
    if (src.length !== planes * size) throw invalid(`smoothing: ${planes} planes of ${h}x${w} need ${planes * size} values, got ${src.length}`);
    if (out.length !== src.length) throw invalid(`smoothing: output holds ${out.length} values, input ${src.length}`);
    for (let p = 0; p < planes; p++) {
      const base = p * size;
      for (let y = 0; y < h; y++) {
        const row = base + y * w;
        for (let x = 0; x < w; x++) {
          const lo = Math.max(0, x - radius);
          const hi = Math.min(w - 1, x + radius);
          let acc = 0;
          for (let t = lo; t <= hi; t++) acc += kernel[t - x + radius] * src[row + t];
          scratch[y * w + x] = acc * this.rowWeights[x];
        }
      }
      for (let y = 0; y < h; y++) {
        const lo = Math.max(0, y - radius);
        const hi = Math.min(h - 1, y + radius);
        const norm = this.colWeights[y];
        for (let x = 0; x < w; x++) {
          let acc = 0;
          for (let t = lo; t <= hi; t++) acc += kernel[t - y + radius] * scratch[t * w + x];
          out[base + y * w + x] = acc * norm;
        }
      }
    }
    return out;
  }

  /** 1 / (sum of the kernel weights inside the image) at each position of a line of `length`. */
  private borderNormalisers(length: number): Float64Array {
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      let s = 0;
      for (let t = Math.max(0, i - this.radius); t <= Math.min(length - 1, i + this.radius); t++) s += this.kernel[t - i + this.radius];
      out[i] = 1 / s;
    }
    return out;
  }
}
