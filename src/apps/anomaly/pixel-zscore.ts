import { invalid } from '../../core/errors.js';
import { tensor, type Tensor } from '../../core/tensor.js';
import { ErrorMap } from './error-map.js';
import type { ScoreKind } from './score-kind.js';

/**
 * The simplest pixel-level baseline: each pixel's healthy mean and standard deviation over
 * the training images, and a test pixel's distance from that mean in standard deviations.
 * No model, no learning of structure: what an autoencoder must beat to be worth training.
 */
export class PixelZScore {
  private mean: Float32Array | null = null;
  private std: Float32Array | null = null;
  private shape: number[] = [];

  /** Learns the per-pixel mean and std of healthy images [n, c, h, w]. */
  fit(x: Tensor): this {
    if (x.shape.length !== 4 || x.shape[0] < 2) throw invalid('the pixel z-score needs at least 2 healthy images [n, c, h, w]');
    const [n, ...sample] = x.shape;
    const per = x.data.length / n;
    const mean = new Float64Array(per);
    const square = new Float64Array(per);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < per; p++) {
        const v = x.data[i * per + p];
        mean[p] += v;
        square[p] += v * v;
      }
    this.mean = new Float32Array(per);
    this.std = new Float32Array(per);
    let meanStd = 0;
    for (let p = 0; p < per; p++) {
      const m = mean[p] / n;
      this.mean[p] = m;
      this.std[p] = Math.sqrt(Math.max(0, square[p] / n - m * m));
      meanStd += this.std[p] / per;
    }
    // A floor on the std: pixels that never vary (the background) would turn any change into an infinite z.
    const floor = Math.max(1e-3, 0.1 * meanStd);
    for (let p = 0; p < per; p++) this.std[p] = Math.max(this.std[p], floor);
    this.shape = sample;
    return this;
  }

  /** The mean healthy image, as a 'reconstruction' for pictures. */
  meanImage(n: number): Tensor {
    const mean = this.fitted().mean;
    const out = new Float32Array(n * mean.length);
    for (let i = 0; i < n; i++) out.set(mean, i * mean.length);
    return tensor([n, ...this.shape], out);
  }

  /**
   * Maps [n, 1, h, w] of images [n, c, h, w]: 'mse' is the squared z-score, 'mae' its absolute
   * value, 'smoothed-mse' the square of the Gaussian-smoothed z-score, and 'ssim' one minus
   * the local structural similarity with the mean healthy image; channels averaged.
   */
  maps(x: Tensor, kind: ScoreKind, smoothingSigma: number): Tensor {
    const { mean, std } = this.fitted();
    const [n, c, h, w] = x.shape;
    const per = mean.length;
    if (x.data.length !== n * per) throw invalid(`images of shape [${x.shape.join(', ')}] do not match the fitted [${this.shape.join(', ')}]`);
    const map = new ErrorMap({ kind, features: per, imageShape: [c, h, w], smoothingSigma, dynamicRange: 1 });
    let values: Float32Array;
    if (kind === 'ssim') {
      values = map.compute(x.data, this.meanImage(n).data, n);
    } else {
      // The z-scores against a zero "reconstruction": every error kind then measures z.
      const z = new Float32Array(n * per);
      for (let i = 0; i < n; i++) for (let p = 0; p < per; p++) z[i * per + p] = (x.data[i * per + p] - mean[p]) / std[p];
      values = map.compute(z, new Float32Array(n * per), n);
    }
    const plane = h * w;
    const out = new Float32Array(n * plane);
    for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) out[i * plane + p] += values[(i * c + k) * plane + p] / c;
    return tensor([n, 1, h, w], out);
  }

  private fitted(): { mean: Float32Array; std: Float32Array } {
    if (!this.mean || !this.std) throw invalid('PixelZScore: call fit(healthyImages) first');
    return { mean: this.mean, std: this.std };
  }
}
