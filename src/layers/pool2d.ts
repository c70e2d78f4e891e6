import { shapeToString, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';
import { pool2dBackward, pool2dForward, pool2dWorkspaceBytes, type Pool2dGeometry } from '../core/native/conv.js';
import type { PoolKind } from '../core/types.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';
import { expectBatch, expectGradient, expectImage, toPair, windowOutput, type PairOption } from './spatial.js';

export interface Pool2dOptions {
  kernelSize: PairOption;
  /** Default: the kernel size (non-overlapping windows), as PyTorch. */
  stride?: PairOption;
  /** Implicit padding on each side, at most half the kernel. Default 0. */
  padding?: PairOption;
}

/**
 * What max and average pooling share: options, output size (floor mode, as PyTorch), the
 * checks, and the buffers. Max pooling additionally keeps, between a training forward and
 * its backward, the native workspace recording where each maximum came from.
 */
export abstract class Pool2d implements Layer {
  abstract readonly type: string;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;
  private trainedGeometry: Pool2dGeometry | null = null;
  private workspace: Uint8Array | null = null;

  protected constructor(
    private readonly kind: PoolKind,
    layer: string,
    { kernelSize, stride, padding = 0 }: Pool2dOptions,
  ) {
    this.kernelSize = toPair(layer, 'kernelSize', kernelSize, 1);
    this.stride = stride === undefined ? [...this.kernelSize] : toPair(layer, 'stride', stride, 1);
    this.padding = toPair(layer, 'padding', padding, 0);
    if (2 * this.padding[0] > this.kernelSize[0] || 2 * this.padding[1] > this.kernelSize[1])
      throw invalid(`${layer}: padding ${this.padding.join('x')} must be at most half the kernel size ${this.kernelSize.join('x')}`);
  }

  outputShape(input: Shape): Shape {
    const [c, h, w] = expectImage(this.type, input);
    const oh = windowOutput(h, this.kernelSize[0], this.stride[0], this.padding[0]);
    const ow = windowOutput(w, this.kernelSize[1], this.stride[1], this.padding[1]);
    if (oh < 1 || ow < 1)
      throw shapeMismatch(
        `${this.type}: window ${this.kernelSize.join('x')} does not fit input ${shapeToString(input)} ` +
          `(padded to ${h + 2 * this.padding[0]}x${w + 2 * this.padding[1]}); it accepts images of at least ` +
          `${Math.max(1, this.kernelSize[0] - 2 * this.padding[0])}x${Math.max(1, this.kernelSize[1] - 2 * this.padding[1])}: ` +
          `use fewer pooling layers or a smaller kernel`,
      );
    return [c, oh, ow];
  }

  initialize(): void {}

  private geometry(x: Tensor): Pool2dGeometry {
    return {
      batch: x.shape[0],
      channels: x.shape[1],
      height: x.shape[2],
      width: x.shape[3],
      kernel: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
    };
  }

  forward(x: Tensor, training: boolean): Tensor {
    const batch = expectBatch(this.type, x, (s) => this.outputShape(s));
    const y = (this.output = ensureBuffer(this.output, [batch, ...this.outputShape(x.shape.slice(1))]));
    const g = this.geometry(x);
    let workspace: Uint8Array | null = null;
    if (training && this.kind === 'max') {
      const bytes = pool2dWorkspaceBytes(this.kind, g);
      if (this.workspace?.length !== bytes) this.workspace = new Uint8Array(bytes);
      workspace = this.workspace;
    }
    pool2dForward(this.kind, g, x.data, y.data, workspace);
    this.trainedGeometry = training ? g : null;
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const g = this.trainedGeometry;
    if (!g || !this.output) throw invalid(`${this.type}: backward() called without a training forward()`);
    expectGradient(this.type, dy, this.output.shape);
    if (!needInputGrad) return null;
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, [g.batch, g.channels, g.height, g.width]));
    pool2dBackward(this.kind, g, dy.data, dx.data, this.kind === 'max' ? this.workspace : null);
    return dx;
  }

  params(): Param[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  config(): LayerConfig {
    return { type: this.type, kernelSize: [...this.kernelSize], stride: [...this.stride], padding: [...this.padding] };
  }
}

export function pool2dOptionsFromConfig(c: LayerConfig): Pool2dOptions {
  return {
    kernelSize: c.kernelSize as PairOption,
    stride: c.stride as PairOption | undefined,
    padding: c.padding as PairOption | undefined,
  };
}
