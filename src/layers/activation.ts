import type { Shape, Tensor } from '../core/tensor.js';
import { invalid } from '../core/errors.js';
import { activationForward, activationBackward } from '../core/native/dense.js';
import type { ActivationKind } from '../core/types.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';

/**
 * Element-wise non-linearity. Backward uses the forward output (all supported functions
 * have derivatives expressible through it), so the input need not be kept.
 */
export class Activation implements Layer {
  readonly type: ActivationKind;
  readonly negativeSlope: number;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;
  private trainedOutput: Tensor | null = null;

  constructor(kind: ActivationKind, negativeSlope = 0.01) {
    if (kind === 'leaky_relu' && !(negativeSlope > 0 && negativeSlope < 1))
      throw invalid(`leaky_relu: negativeSlope must be in (0, 1), got ${negativeSlope}`);
    this.type = kind;
    this.negativeSlope = negativeSlope;
  }

  static fromConfig(c: LayerConfig): Activation {
    return new Activation(c.type as ActivationKind, (c.negativeSlope as number | undefined) ?? 0.01);
  }

  outputShape(input: Shape): Shape {
    return input;
  }

  initialize(): void {}

  forward(x: Tensor, training: boolean): Tensor {
    const y = (this.output = ensureBuffer(this.output, x.shape));
    activationForward(this.type, x.data, y.data, x.data.length, this.negativeSlope);
    this.trainedOutput = training ? y : null;
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    if (!needInputGrad) return null;
    const y = this.trainedOutput;
    if (!y) throw invalid(`${this.type}: backward() called without a training forward()`);
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, dy.shape));
    activationBackward(this.type, y.data, dy.data, dx.data, dy.data.length, this.negativeSlope);
    return dx;
  }

  params(): Param[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  config(): LayerConfig {
    return this.type === 'leaky_relu' ? { type: this.type, negativeSlope: this.negativeSlope } : { type: this.type };
  }
}
