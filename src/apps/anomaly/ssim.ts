import { invalid } from '../../core/errors.js';
import { GaussianSmoother } from './gaussian-smoothing.js';

/** The Gaussian window of Wang et al. (2004): sigma 1.5 pixels. */
export const SSIM_WINDOW_SIGMA = 1.5;

/**
 * Structural similarity maps of image pairs (Wang, Bovik, Sheikh & Simoncelli, 2004) with a
 * Gaussian window: SSIM = (2 mu_x mu_y + C1)(2 cov_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(var_x + var_y + C2)),
 * C1 = (0.01 L)^2, C2 = (0.03 L)^2, L the dynamic range of the data (1 for images in [0, 1]).
 * 1 where the two images agree, lower where their local structure differs.
 */
export class SsimMap {
  private readonly smoother: GaussianSmoother;
  private readonly c1: number;
  private readonly c2: number;

  constructor(h: number, w: number, dynamicRange = 1, sigma = SSIM_WINDOW_SIGMA) {
    if (!(dynamicRange > 0) || !Number.isFinite(dynamicRange)) throw invalid(`SSIM dynamic range must be a positive number, got ${dynamicRange}`);
    this.smoother = new GaussianSmoother(sigma, h, w);
    this.c1 = (0.01 * dynamicRange) ** 2;
    this.c2 = (0.03 * dynamicRange) ** 2;
  }

  /** SSIM at every pixel of `planes` image pairs (NCHW data: planes = n * c). */
  compute(x: Float32Array, y: Float32Array, planes: number, out: Float32Array = new Float32Array(x.length)): Float32Array {
    if (x.length !== y.length || out.length !== x.length) throw invalid(`SSIM: the image batches hold ${x.length} and ${y.length} values, the output ${out.length}`);
    const size = this.smoother.h * this.smoother.w;
    if (x.length !== planes * size) throw invalid(`SSIM: ${planes} planes of ${this.smoother.h}x${this.smoother.w} need ${planes * size} values, got ${x.length}`);
    // One plane at a time through small scratch buffers: scoring a large batch allocates nothing per image.
    const products = [new Float32Array(size), new Float32Array(size), new Float32Array(size)];
    const smoothed = [new Float32Array(size), new Float32Array(size), new Float32Array(size), new Float32Array(size), new Float32Array(size)];
    const [xx, yy, xy] = products;
    const [mx, my, sxx, syy, sxy] = smoothed;
    const { c1, c2, smoother } = this;
    for (let p = 0; p < planes; p++) {
      const base = p * size;
      for (let i = 0; i < size; i++) {
        const a = x[base + i];
        const b = y[base + i];
        xx[i] = a * a;
        yy[i] = b * b;
        xy[i] = a * b;
      }
      smoother.smoothPlane(x, base, mx, 0);
      smoother.smoothPlane(y, base, my, 0);
      smoother.smoothPlane(xx, 0, sxx, 0);
      smoother.smoothPlane(yy, 0, syy, 0);
      smoother.smoothPlane(xy, 0, sxy, 0);
      for (let i = 0; i < size; i++) {
        const ux = mx[i];
        const uy = my[i];
        const vx = sxx[i] - ux * ux;
        const vy = syy[i] - uy * uy;
        const cov = sxy[i] - ux * uy;
        out[base + i] = ((2 * ux * uy + c1) * (2 * cov + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      }
    }
    return out;
  }
}
