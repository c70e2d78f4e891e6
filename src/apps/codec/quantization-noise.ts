import { invalid } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { sizeOf, type Shape, type Tensor } from '../../core/tensor.js';
import type { Buffer, Param } from '../../layers/layer.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import type { Network } from '../../train/network.js';
import type { StepMode } from './latent-quantizer.js';

export interface QuantizationNoiseOptions {
  /** One depth, or [min, max] to draw a depth per batch (a model good at several depths). */
  bits: number | readonly [number, number];
  /** How steps are chosen, as the codec will quantise (see StepMode). */
  step: StepMode;
  /**
   * Weight of the rate estimate in the loss, in loss units per bit per input value: the
   * loss becomes reconstruction loss + rateWeight * (estimated bits per sample) / (values per sample).
   * 0 trains for distortion alone.
   */
  rateWeight: number;
}

/**
 * The autoencoder as fit() sees it while training a codec: encoder -> code + uniform noise
 * -> decoder. The noise is one quantisation step wide, with steps measured on the batch
 * the way the codec measures them on the training set (a dimension's range, or the widest
 * range with a shared step, divided by 2^bits), so the decoder learns to cope with the
 * rounding the codec will apply. The noise is additive, so gradients pass through it.
 *
 * With a rate weight, each dimension's cost in bits is estimated as the capacity of a
 * Gaussian channel, 0.5 log2(1 + 12 var / step^2) (uniform noise of one step has variance
 * step^2 / 12), and its gradient pushes the codes of dimensions that are not worth their
 * bits together. Only a shared step makes that pay: a dimension with its own step keeps
 * 2^bits levels whatever its spread.
 *
 * Used only for training; the saved model is the plain autoencoder.
 */
export class QuantizationNoiseNetwork implements Network {
  private noisy: Tensor | null = null;
  private code: Tensor | null = null;
  private mean = new Float64Array(0);
  private variance = new Float64Array(0);
  private stepSquared = new Float64Array(0);
  /** Estimated bits per sample of the last training batch. */
  lastRate = 0;

  constructor(
    private readonly model: Autoencoder,
    private readonly options: QuantizationNoiseOptions,
    private readonly rng: Rng,
  ) {
    const { bits, rateWeight } = options;
    const [lo, hi] = typeof bits === 'number' ? [bits, bits] : bits;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo || hi > 16)
      throw invalid(`training noise bit depth must be an integer, or a [min, max] pair, between 1 and 16; got ${JSON.stringify(bits)}`);
    if (!(rateWeight >= 0) || !Number.isFinite(rateWeight)) throw invalid(`rate weight must be a non-negative number, got ${rateWeight}`);
  }

  get inputShape(): Shape {
    return this.model.inputShape;
  }
  get outputShape(): Shape {
    return this.model.outputShape;
  }

  forward(x: Tensor, training: boolean): Tensor {
    const code = this.model.encoder.forward(x, training);
    if (!training) return this.model.decoder.forward(code, false);
    const n = code.shape[0];
    const size = code.data.length / n;
    if (!this.noisy || this.noisy.data.length !== code.data.length) this.noisy = { shape: [...code.shape], data: new Float32Array(code.data.length) };
    if (this.mean.length !== size) {
      this.mean = new Float64Array(size);
      this.variance = new Float64Array(size);
      this.stepSquared = new Float64Array(size);
    }
    const { bits } = this.options;
    const depth = typeof bits === 'number' ? bits : bits[0] + this.rng.int(bits[1] - bits[0] + 1);
    const levels = 2 ** depth;
    const ranges = new Float64Array(size);
    for (let d = 0; d < size; d++) {
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = code.data[i * size + d];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        sum += v;
      }
      ranges[d] = hi - lo;
      const mean = sum / n;
      let sq = 0;
      for (let i = 0; i < n; i++) sq += (code.data[i * size + d] - mean) ** 2;
      this.mean[d] = mean;
      this.variance[d] = sq / n;
    }
    const widest = Math.max(...ranges);
    const out = this.noisy.data;
    let rate = 0;
    for (let d = 0; d < size; d++) {
      const step = (this.options.step === 'shared' ? widest : ranges[d]) / levels;
      this.stepSquared[d] = step * step;
      if (step > 0) rate += 0.5 * Math.log2(1 + (12 * this.variance[d]) / this.stepSquared[d]);
      for (let i = 0; i < n; i++) out[i * size + d] = code.data[i * size + d] + (this.rng.uniform() - 0.5) * step;
    }
    this.lastRate = rate;
    this.code = code;
    return this.model.decoder.forward(this.noisy, true);
  }

  backward(dy: Tensor): void {
    const dz = this.model.decoder.backward(dy, true) as Tensor;
    const weight = this.options.rateWeight;
    if (weight > 0 && this.code) {
      // d/dz of rateWeight * sum_d 0.5 log2(1 + 12 var_d / step_d^2) / values, averaged over the batch
      // like the reconstruction loss; steps are held fixed (they follow the codes' range).
      const n = this.code.shape[0];
      const size = this.code.data.length / n;
      const perValue = weight / sizeOf(this.model.inputShape);
      for (let d = 0; d < size; d++) {
        if (!(this.stepSquared[d] > 0)) continue;
        const dRateDVar = (0.5 / Math.LN2) * (12 / (this.stepSquared[d] + 12 * this.variance[d]));
        const scale = (perValue * dRateDVar * 2) / n;
        for (let i = 0; i < n; i++) dz.data[i * size + d] += scale * (this.code.data[i * size + d] - this.mean[d]);
      }
    }
    this.model.encoder.backward(dz, false);
  }

  params(): Param[] {
    return this.model.params();
  }

  buffers(): Buffer[] {
    return this.model.buffers();
  }
}
