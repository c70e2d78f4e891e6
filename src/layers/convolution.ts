import { tensor, type Shape, type Tensor } from '../core/tensor.js';
import { invalid } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Conv2dGeometry } from '../core/types.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';
import { expectBatch, expectGradient, positiveInteger, toPair, type PairOption } from './spatial.js';

/** The native kernels of one kind of convolution, all taking its geometry. */
export interface ConvolutionKernels<G extends Conv2dGeometry> {
  forward(g: G, x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array): void;
  backwardWeights(g: G, x: Float32Array, dy: Float32Array, dweight: Float32Array, dbias: Float32Array | null): void;
  backwardData(g: G, dy: Float32Array, weight: Float32Array, dx: Float32Array): void;
  /** backwardWeights then backwardData, dy staged once for both. */
  backward(g: G, x: Float32Array, dy: Float32Array, weight: Float32Array, dweight: Float32Array, dbias: Float32Array | null, dx: Float32Array): void;
}

/** The settings both convolutions validate alike; padding is each one's own. */
export interface ConvolutionSettings {
  inChannels: number;
  outChannels: number;
  kernelSize: PairOption;
  stride?: PairOption;
  bias?: boolean;
}

/**
 * What Conv2d and Conv2dTranspose share: the validated settings, the weight and bias, the
 * forward/backward plumbing around their native kernels, He initialisation and the config.
 * A subclass supplies its padding, weight layout, output size, fan-in and geometry.
 */
export abstract class ConvolutionLayer<G extends Conv2dGeometry> implements Layer {
  abstract readonly type: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly hasBias: boolean;
  abstract readonly padding: [number, number];
  readonly weight: Param;
  readonly bias: Param | null;
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  /** `weightLayout` orders the weight's channel axes: torch's Conv2d is [out, in, kh, kw], ConvTranspose2d [in, out, kh, kw]. */
  protected constructor(
    name: string,
    { inChannels, outChannels, kernelSize, stride = 1, bias = true }: ConvolutionSettings,
    weightLayout: 'out-in' | 'in-out',
    private readonly kernels: ConvolutionKernels<G>,
  ) {
    this.inChannels = positiveInteger(name, 'inChannels', inChannels);
    this.outChannels = positiveInteger(name, 'outChannels', outChannels);
    this.kernelSize = toPair(name, 'kernelSize', kernelSize, 1);
    this.stride = toPair(name, 'stride', stride, 1);
    if (typeof bias !== 'boolean') throw invalid(`${name}: bias must be true or false, got ${JSON.stringify(bias)}`);
    this.hasBias = bias;
    const channels = weightLayout === 'out-in' ? [this.outChannels, this.inChannels] : [this.inChannels, this.outChannels];
    const weightShape = [...channels, ...this.kernelSize];
    this.weight = { name: 'weight', value: tensor(weightShape), grad: tensor(weightShape) };
    this.bias = bias ? { name: 'bias', value: tensor([this.outChannels]), grad: tensor([this.outChannels]) } : null;
  }

  abstract outputShape(input: Shape): Shape;

  /** The number of inputs each output sees, for He initialisation. */
  protected abstract fanIn(): number;

  /** The native kernels' description of a batch x. */
  protected abstract geometry(x: Tensor): G;

  /** Settings beyond the shared ones, for config(). */
  protected abstract extraConfig(): Record<string, unknown>;

  initialize(rng: Rng): void {
    // He (Kaiming) normal: keeps the variance of ReLU activations stable through the stack.
    const std = Math.sqrt(2 / this.fanIn());
    const w = this.weight.value.data;
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    this.bias?.value.data.fill(0);
  }

  protected baseGeometry(x: Tensor): Conv2dGeometry {
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
    this.kernels.forward(this.geometry(x), x.data, this.weight.value.data, this.bias?.value.data ?? null, y.data);
    this.input = training ? x : null;
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const x = this.input;
    if (!x || !this.output) throw invalid(`${this.type}: backward() called without a training forward()`);
    expectGradient(this.type, dy, this.output.shape);
    const g = this.geometry(x);
    if (!needInputGrad) {
      this.kernels.backwardWeights(g, x.data, dy.data, this.weight.grad.data, this.bias?.grad.data ?? null);
      return null;
    }
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, x.shape));
    this.kernels.backward(g, x.data, dy.data, this.weight.value.data, this.weight.grad.data, this.bias?.grad.data ?? null, dx.data);
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
      ...this.extraConfig(),
      bias: this.hasBias,
    };
  }
}
