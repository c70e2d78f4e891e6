import { shapeToString, tensor, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { conv2dBackwardData, conv2dBackwardWeights, conv2dForward, type Conv2dGeometry } from '../core/native/conv.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';
import { expectBatch, expectGradient, expectImage, positiveInteger, toPair, windowOutput, type PairOption } from './spatial.js';

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: PairOption;
  /** Default 1. */
  stride?: PairOption;
  /** Zero padding on each side; 'same' keeps the size (stride 1, odd kernel); 'valid' is 0. Default 0. */
  padding?: PairOption | 'same' | 'valid';
  /** Default true. */
  bias?: boolean;
}

/**
 * 2-D convolution over NCHW images, as torch.nn.Conv2d: weight [out, in, kh, kw], bias [out],
 * output size floor((in + 2 padding - kernel) / stride) + 1.
 */
export class Conv2d implements Layer {
  readonly type = 'conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly hasBias: boolean;
  readonly weight: Param;
  readonly bias: Param | null;
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor({ inChannels, outChannels, kernelSize, stride = 1, padding = 0, bias = true }: Conv2dOptions) {
    const name = 'conv2d';
    this.inChannels = positiveInteger(name, 'inChannels', inChannels);
    this.outChannels = positiveInteger(name, 'outChannels', outChannels);
    this.kernelSize = toPair(name, 'kernelSize', kernelSize, 1);
    this.stride = toPair(name, 'stride', stride, 1);
    if (padding === 'valid') this.padding = [0, 0];
    else if (padding === 'same') {
      if (this.stride[0] !== 1 || this.stride[1] !== 1 || this.kernelSize[0] % 2 === 0 || this.kernelSize[1] % 2 === 0)
        throw invalid(
          `conv2d: padding 'same' needs stride 1 and an odd kernel, got stride ${this.stride.join('x')} and kernel ${this.kernelSize.join('x')}; give the padding as numbers instead`,
        );
      this.padding = [(this.kernelSize[0] - 1) / 2, (this.kernelSize[1] - 1) / 2];
    } else this.padding = toPair(name, 'padding', padding, 0);
    if (typeof bias !== 'boolean') throw invalid(`conv2d: bias must be true or false, got ${JSON.stringify(bias)}`);
    this.hasBias = bias;
    const weightShape = [this.outChannels, this.inChannels, ...this.kernelSize];
    this.weight = { name: 'weight', value: tensor(weightShape), grad: tensor(weightShape) };
    this.bias = bias ? { name: 'bias', value: tensor([this.outChannels]), grad: tensor([this.outChannels]) } : null;
  }

  static fromConfig(c: LayerConfig): Conv2d {
    return new Conv2d({
      inChannels: c.inChannels as number,
      outChannels: c.outChannels as number,
      kernelSize: c.kernelSize as PairOption,
      stride: c.stride as PairOption,
      padding: c.padding as PairOption,
      bias: c.bias as boolean,
    });
  }

  outputShape(input: Shape): Shape {
    const [, h, w] = expectImage(this.type, input, this.inChannels);
    const oh = windowOutput(h, this.kernelSize[0], this.stride[0], this.padding[0]);
    const ow = windowOutput(w, this.kernelSize[1], this.stride[1], this.padding[1]);
    if (oh < 1 || ow < 1)
      throw shapeMismatch(
        `conv2d: kernel ${this.kernelSize.join('x')} is larger than the padded input ${h + 2 * this.padding[0]}x${w + 2 * this.padding[1]} ` +
          `(input ${shapeToString(input)}, padding ${this.padding.join('x')}); it accepts images of at least ` +
          `${Math.max(1, this.kernelSize[0] - 2 * this.padding[0])}x${Math.max(1, this.kernelSize[1] - 2 * this.padding[1])}`,
      );
    return [this.outChannels, oh, ow];
  }

  initialize(rng: Rng): void {
    // He (Kaiming) normal: keeps the variance of ReLU activations stable through the stack.
    const fanIn = this.inChannels * this.kernelSize[0] * this.kernelSize[1];
    const std = Math.sqrt(2 / fanIn);
    const w = this.weight.value.data;
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    this.bias?.value.data.fill(0);
  }

  private geometry(x: Tensor): Conv2dGeometry {
    return {
      batch: x.shape[0],
      inChannels: this.inChannels,
      height: x.shape[2],
      width: x.shape[3],
      outChannels: this.outChannels,
      kernel: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
    };
  }

  forward(x: Tensor, training: boolean): Tensor {
    const batch = expectBatch(this.type, x, (s) => this.outputShape(s));
    const y = (this.output = ensureBuffer(this.output, [batch, ...this.outputShape(x.shape.slice(1))]));
    conv2dForward(this.geometry(x), x.data, this.weight.value.data, this.bias?.value.data ?? null, y.data);
    this.input = training ? x : null;
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const x = this.input;
    if (!x || !this.output) throw invalid('conv2d: backward() called without a training forward()');
    expectGradient(this.type, dy, this.output.shape);
    const g = this.geometry(x);
    conv2dBackwardWeights(g, x.data, dy.data, this.weight.grad.data, this.bias?.grad.data ?? null);
    if (!needInputGrad) return null;
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, x.shape));
    conv2dBackwardData(g, dy.data, this.weight.value.data, dx.data);
    return dx;
  }

  params(): Param[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  config(): LayerConfig {
    return {
      type: this.type,
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: [...this.kernelSize],
      stride: [...this.stride],
      padding: [...this.padding],
      bias: this.hasBias,
    };
  }
}
