import type { Shape, Tensor } from '../core/tensor.js';
import { invalid } from '../core/errors.js';
import { upsampleNearest2dBackward, upsampleNearest2dForward, type Upsample2dGeometry } from '../core/native/conv.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';
import { expectBatch, expectGradient, expectImage, toPair, type PairOption } from './spatial.js';

export interface Upsampling2dOptions {
  /** Integer factor for both dimensions, or [height, width] factors. Default 2. */
  scale?: PairOption;
}

/**
 * Nearest-neighbour upsampling by integer factors, as torch.nn.Upsample(scale_factor,
 * mode='nearest'): each pixel becomes a scaleH x scaleW block. With a convolution after it,
 * the decoder's alternative to a transposed convolution (no checkerboard artifacts).
 */
export class Upsampling2d implements Layer {
  readonly type = 'upsampling2d';
  readonly scale: [number, number];
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;
  private trainedGeometry: Upsample2dGeometry | null = null;

  constructor({ scale = 2 }: Upsampling2dOptions = {}) {
    this.scale = toPair('upsampling2d', 'scale', scale, 1);
  }

  static fromConfig(c: LayerConfig): Upsampling2d {
    return new Upsampling2d({ scale: c.scale as PairOption });
  }

  outputShape(input: Shape): Shape {
    const [c, h, w] = expectImage(this.type, input);
    return [c, h * this.scale[0], w * this.scale[1]];
  }

  initialize(): void {}

  forward(x: Tensor, training: boolean): Tensor {
    const batch = expectBatch(this.type, x, (s) => this.outputShape(s));
    const y = (this.output = ensureBuffer(this.output, [batch, ...this.outputShape(x.shape.slice(1))]));
    const g: Upsample2dGeometry = { batch, channels: x.shape[1], height: x.shape[2], width: x.shape[3], scale: this.scale };
    upsampleNearest2dForward(g, x.data, y.data);
    this.trainedGeometry = training ? g : null;
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const g = this.trainedGeometry;
    if (!g || !this.output) throw invalid('upsampling2d: backward() called without a training forward()');
    expectGradient(this.type, dy, this.output.shape);
    if (!needInputGrad) return null;
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, [g.batch, g.channels, g.height, g.width]));
    upsampleNearest2dBackward(g, dy.data, dx.data);
    return dx;
  }

  params(): Param[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  config(): LayerConfig {
    return { type: this.type, scale: [...this.scale] };
  }
}
