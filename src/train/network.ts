import type { Shape, Tensor } from '../core/tensor.js';
import type { Buffer, Param } from '../layers/layer.js';

/** What fit() trains: anything that maps a batch forward, backpropagates, and exposes its parameters. */
export interface Network {
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  forward(x: Tensor, training: boolean): Tensor;
  /** Writes every parameter's gradient from dL/d(output). */
  backward(dy: Tensor): void;
  params(): Param[];
  buffers(): Buffer[];
}
