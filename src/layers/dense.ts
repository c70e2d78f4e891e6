import { tensor, shapeToString, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { biasAdd, biasGrad } from '../core/native/dense.js';
import { gemm } from '../core/native/gemm.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';

export interface DenseOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  /** 'he' suits ReLU-family activations, 'glorot' suits sigmoid/tanh/linear outputs. */
  init?: 'he' | 'glorot';
}

/** Fully connected layer y = x W^T + b, with W laid out [out, in] as torch.nn.Linear. */
export class Dense implements Layer {
  readonly type = 'dense';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly hasBias: boolean;
  readonly init: 'he' | 'glorot';
  readonly weight: Param;
  readonly bias: Param | null;
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor({ inFeatures, outFeatures, bias = true, init = 'he' }: DenseOptions) {
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const)
      if (!Number.isInteger(v) || v < 1) throw invalid(`dense layer: ${name} must be a positive integer, got ${v}`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.hasBias = bias;
    this.init = init;
    this.weight = { name: 'weight', value: tensor([outFeatures, inFeatures]), grad: tensor([outFeatures, inFeatures]) };
    this.bias = bias ? { name: 'bias', value: tensor([outFeatures]), grad: tensor([outFeatures]) } : null;
  }

  static fromConfig(c: LayerConfig): Dense {
    return new Dense({
      inFeatures: c.inFeatures as number,
      outFeatures: c.outFeatures as number,
      bias: c.bias as boolean,
      init: (c.init as 'he' | 'glorot' | undefined) ?? 'he',
    });
  }

  outputShape(input: Shape): Shape {
    if (input.length !== 1 || input[0] !== this.inFeatures)
      throw shapeMismatch(
        `dense layer expects ${this.inFeatures} features per sample, got shape ${shapeToString(input)}` +
          (input.length > 1 ? ' (add a flatten layer before it)' : ''),
      );
    return [this.outFeatures];
  }

  initialize(rng: Rng): void {
    // He (Kaiming) normal keeps ReLU activations' variance stable; Glorot uniform for saturating units.
    const w = this.weight.value.data;
    if (this.init === 'he') {
      const std = Math.sqrt(2 / this.inFeatures);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    } else {
      const limit = Math.sqrt(6 / (this.inFeatures + this.outFeatures));
      for (let i = 0; i < w.length; i++) w[i] = (rng.uniform() * 2 - 1) * limit;
    }
    this.bias?.value.data.fill(0);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const batch = x.shape[0];
    this.outputShape(x.shape.slice(1));
    const y = (this.output = ensureBuffer(this.output, [batch, this.outFeatures]));
    gemm({ a: x.data, b: this.weight.value.data, c: y.data, m: batch, n: this.outFeatures, k: this.inFeatures, transB: true });
    if (this.bias) biasAdd(y.data, this.bias.value.data, batch, this.outFeatures);
    this.input = training ? x : null;
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const x = this.input;
    if (!x) throw invalid('dense layer: backward() called without a training forward()');
    const batch = x.shape[0];
    // dW = dy^T x ; db = column sums of dy ; dx = dy W
    gemm({ a: dy.data, b: x.data, c: this.weight.grad.data, m: this.outFeatures, n: this.inFeatures, k: batch, transA: true });
    if (this.bias) biasGrad(dy.data, batch, this.outFeatures, this.bias.grad.data);
    if (!needInputGrad) return null;
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, [batch, this.inFeatures]));
    gemm({ a: dy.data, b: this.weight.value.data, c: dx.data, m: batch, n: this.inFeatures, k: this.outFeatures });
    return dx;
  }

  params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  config(): LayerConfig {
    return { type: this.type, inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.hasBias, init: this.init };
  }
}
