import type { Shape, Tensor } from '../core/tensor.js';
import { invalid } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';

/** Inverted dropout as torch.nn.Dropout: zeroes units with probability p while training and scales the rest by 1/(1-p). */
export class Dropout implements Layer {
  readonly type = 'dropout';
  readonly p: number;
  private rng = new Rng(0);
  private mask: Float32Array | null = null;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor(p: number) {
    if (!(p >= 0 && p < 1)) throw invalid(`dropout: p must be in [0, 1), got ${p}`);
    this.p = p;
  }

  static fromConfig(c: LayerConfig): Dropout {
    return new Dropout(c.p as number);
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  /** Dropout draws its masks from its own stream so that adding it does not change other layers' initialisation. */
  initialize(rng: Rng): void {
    this.rng = rng.fork();
  }

  forward(x: Tensor, training: boolean): Tensor {
    if (!training || this.p === 0) {
      this.mask = null;
      return x;
    }
    const y = (this.output = ensureBuffer(this.output, x.shape));
    if (!this.mask || this.mask.length !== x.data.length) this.mask = new Float32Array(x.data.length);
    const keep = 1 - this.p;
    const scale = 1 / keep;
    const mask = this.mask;
    for (let i = 0; i < mask.length; i++) {
      mask[i] = this.rng.uniform() < keep ? scale : 0;
      y.data[i] = x.data[i] * mask[i];
    }
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    if (!needInputGrad) return null;
    if (!this.mask) return dy;
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, dy.shape));
    for (let i = 0; i < dx.data.length; i++) dx.data[i] = dy.data[i] * this.mask[i];
    return dx;
  }

  params(): Param[] {
    return [];
  }

  randomGenerators(): Rng[] {
    return [this.rng];
  }

  buffers(): Buffer[] {
    return [];
  }

  config(): LayerConfig {
    return { type: this.type, p: this.p };
  }
}
