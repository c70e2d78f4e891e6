import { invalid } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { Shape, Tensor } from '../../core/tensor.js';
import type { Buffer, Param } from '../../layers/layer.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import type { Network } from '../../train/network.js';

/**
 * The autoencoder as fit() sees it while training a codec: encoder -> code + uniform noise
 * -> decoder. The noise has the width of one quantisation step at `bits` (each dimension's
 * step is its range in the batch divided by 2^bits), so the decoder learns to cope with
 * the rounding the codec will apply, and the encoder learns to spread information over
 * steps that survive it. The noise is additive, so gradients pass through it unchanged.
 * Scaling the codes up does not escape the noise: the step is relative to their range.
 *
 * Used only for training; the saved model is the plain autoencoder.
 */
export class QuantizationNoiseNetwork implements Network {
  private noisy: Tensor | null = null;

  /** `bits`: one depth, or [min, max] to draw a depth per batch (a model good at several depths). */
  constructor(
    private readonly model: Autoencoder,
    private readonly bits: number | readonly [number, number],
    private readonly rng: Rng,
  ) {
    const [lo, hi] = typeof bits === 'number' ? [bits, bits] : bits;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo || hi > 16)
      throw invalid(`training noise bit depth must be an integer, or a [min, max] pair, between 1 and 16; got ${JSON.stringify(bits)}`);
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
    const out = this.noisy.data;
    const bits = typeof this.bits === 'number' ? this.bits : this.bits[0] + this.rng.int(this.bits[1] - this.bits[0] + 1);
    const levels = 2 ** bits;
    for (let d = 0; d < size; d++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = code.data[i * size + d];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const step = (hi - lo) / levels;
      for (let i = 0; i < n; i++) out[i * size + d] = code.data[i * size + d] + (this.rng.uniform() - 0.5) * step;
    }
    return this.model.decoder.forward(this.noisy, true);
  }

  backward(dy: Tensor): void {
    const dz = this.model.decoder.backward(dy, true);
    this.model.encoder.backward(dz as Tensor, false);
  }

  params(): Param[] {
    return this.model.params();
  }

  buffers(): Buffer[] {
    return this.model.buffers();
  }
}
