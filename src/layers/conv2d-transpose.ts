import { shapeToString, tensor, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { deconv2dBackwardData, deconv2dBackwardWeights, deconv2dForward, type Deconv2dGeometry } from '../core/native/conv.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';
import { expectBatch, expectGradient, expectImage, positiveInteger, toPair, type PairOption } from './spatial.js';

export interface Conv2dTransposeOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: PairOption;
  /** Default 1. */
  stride?: PairOption;
  /** Rows/columns removed from each side of the full output. Default 0. */
  padding?: PairOption;
  /** Extra rows/columns at the bottom/right, each smaller than the stride; picks among the output sizes a strided convolution maps back from. Default 0. */
  outputPadding?: PairOption;
  /** Default true. */
  bias?: boolean;
}

/**
 * Transposed 2-D convolution (the gradient of a convolution with respect to its input), as
 * torch.nn.ConvTranspose2d: weight [in, out, kh, kw], bias [out], output size
 * (in - 1) stride - 2 padding + kernel + outputPadding. The decoder's way to upsample.
 */
export class Conv2dTranspose implements Layer {
  readonly type = 'conv2d_transpose';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly hasBias: boolean;
  readonly weight: Param;
  readonly bias: Param | null;
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor({ inChannels, outChannels, kernelSize, stride = 1, padding = 0, outputPadding = 0, bias = true }: Conv2dTransposeOptions) {
    const name = 'conv2d_transpose';
    this.inChannels = positiveInteger(name, 'inChannels', inChannels);
    this.outChannels = positiveInteger(name, 'outChannels', outChannels);
    this.kernelSize = toPair(name, 'kernelSize', kernelSize, 1);
    this.stride = toPair(name, 'stride', stride, 1);
    this.padding = toPair(name, 'padding', padding, 0);
    this.outputPadding = toPair(name, 'outputPadding', outputPadding, 0);
    if (this.outputPadding[0] >= this.stride[0] || this.outputPadding[1] >= this.stride[1])
      throw invalid(
        `conv2d_transpose: outputPadding ${this.outputPadding.join('x')} must be smaller than the stride ${this.stride.join('x')} in each dimension`,
      );
    if (typeof bias !== 'boolean') throw invalid(`conv2d_transpose: bias must be true or false, got ${JSON.stringify(bias)}`);
    this.hasBias = bias;
    const weightShape = [this.inChannels, this.outChannels, ...this.kernelSize];
    this.weight = { name: 'weight', value: tensor(weightShape), grad: tensor(weightShape) };
    this.bias = bias ? { name: 'bias', value: tensor([this.outChannels]), grad: tensor([this.outChannels]) } : null;
  }

  static fromConfig(c: LayerConfig): Conv2dTranspose {
    return new Conv2dTranspose({
      inChannels: c.inChannels as number,
      outChannels: c.outChannels as number,
      kernelSize: c.kernelSize as PairOption,
      stride: c.stride as PairOption,
      padding: c.padding as PairOption,
      outputPadding: c.outputPadding as PairOption,
      bias: c.bias as boolean,
    });
  }

  outputShape(input: Shape): Shape {
    const [, h, w] = expectImage(this.type, input, this.inChannels);
    const size = (i: 0 | 1, n: number): number => (n - 1) * this.stride[i] - 2 * this.padding[i] + this.kernelSize[i] + this.outputPadding[i];
    const oh = size(0, h);
    const ow = size(1, w);
    if (oh < 1 || ow < 1) {
      // Smallest input whose output survives the padding.
      const least = (i: 0 | 1): number =>
        Math.max(1, Math.ceil((2 * this.padding[i] - this.kernelSize[i] - this.outputPadding[i] + 1) / this.stride[i]) + 1);
      throw shapeMismatch(
        `conv2d_transpose: padding ${this.padding.join('x')} removes the whole output (${oh}x${ow}) of input ${shapeToString(input)}; ` +
          `it accepts images of at least ${least(0)}x${least(1)}`,
      );
    }
    return [this.outChannels, oh, ow];
  }

  initialize(rng: Rng): void {
    // He (Kaiming) normal with the fan-in an output pixel actually sees: on average
    // kernel/stride taps per dimension of each input channel.
    const fanIn = Math.max(1, (this.inChannels * this.kernelSize[0] * this.kernelSize[1]) / (this.stride[0] * this.stride[1]));
    const std = Math.sqrt(2 / fanIn);
    const w = this.weight.value.data;
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    this.bias?.value.data.fill(0);
  }

  private geometry(x: Tensor): Deconv2dGeometry {
    return {
      batch: x.shape[0],
      inChannels: this.inChannels,
      height: x.shape[2],
      width: x.shape[3],
      outChannels: this.outChannels,
      kernel: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
    };
  }

  forward(x: Tensor, training: boolean): Tensor {
    const batch = expectBatch(this.type, x, (s) => this.outputShape(s));
    const y = (this.output = ensureBuffer(this.output, [batch, ...this.outputShape(x.shape.slice(1))]));
    deconv2dForward(this.geometry(x), x.data, this.weight.value.data, this.bias?.value.data ?? null, y.data);
    this.input = training ? x : null;
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const x = this.input;
    if (!x || !this.output) throw invalid('conv2d_transpose: backward() called without a training forward()');
    expectGradient(this.type, dy, this.output.shape);
    const g = this.geometry(x);
    deconv2dBackwardWeights(g, x.data, dy.data, this.weight.grad.data, this.bias?.grad.data ?? null);
    if (!needInputGrad) return null;
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, x.shape));
    deconv2dBackwardData(g, dy.data, this.weight.value.data, dx.data);
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
      outputPadding: [...this.outputPadding],
      bias: this.hasBias,
    };
  }
}
