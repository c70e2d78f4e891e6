import { invalid } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { Loss } from '../../train/loss.js';

/**
 * Minus the mean per-sample PSNR, up to a constant: the mean over the batch of
 * 10 log10(MSE_i + floor). Codecs are judged by the mean of per-image PSNR, and a plain MSE
 * loss spends the model's capacity on the hardest images, where an error reduction moves
 * their PSNR least; this loss weighs every image's error relative to its size instead.
 * `floor` (an MSE, i.e. a PSNR ceiling of -10 log10(floor) dB) keeps perfectly reproduced
 * samples from dominating the gradient.
 */
export class PsnrLoss implements Loss {
  readonly kind = 'psnr';
  private readonly scale = 10 / Math.LN10;

  constructor(private readonly floor = 1e-5) {
    if (!(floor > 0) || !Number.isFinite(floor)) throw invalid(`the PSNR loss floor must be a positive MSE, got ${floor}`);
  }

  value(pred: Tensor, target: Tensor, perSample: Float32Array | null = null): number {
    const n = pred.shape[0];
    const per = pred.data.length / n;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = this.scale * Math.log(this.mse(pred.data, target.data, i * per, per) + this.floor);
      if (perSample) perSample[i] = v;
      total += v;
    }
    return total / n;
  }

  gradient(pred: Tensor, target: Tensor, grad: Tensor): void {
    const n = pred.shape[0];
    const per = pred.data.length / n;
    for (let i = 0; i < n; i++) {
      const start = i * per;
      // d/dp of (1/n) * scale * ln(mse + floor), with mse = sum (p - t)^2 / per.
      const factor = (this.scale * 2) / (n * per * (this.mse(pred.data, target.data, start, per) + this.floor));
      for (let j = start; j < start + per; j++) grad.data[j] = factor * (pred.data[j] - target.data[j]);
    }
  }

  private mse(p: Float32Array, t: Float32Array, start: number, count: number): number {
    let sum = 0;
    for (let j = start; j < start + count; j++) {
      const d = p[j] - t[j];
      sum += d * d;
    }
    return sum / count;
  }
}
