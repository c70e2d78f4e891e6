import type { Shape, Tensor } from '../core/tensor.js';
import type { Buffer, Param } from '../layers/layer.js';
import type { Loss } from './loss.js';
import type { Precision } from '../core/types.js';
import type { Rng } from '../core/rng.js';

/** What fit() trains: anything that maps a batch forward, backpropagates, and exposes its parameters. */
export interface Network {
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  forward(x: Tensor, training: boolean): Tensor;
  /** Writes every parameter's gradient from dL/d(output). */
  backward(dy: Tensor): void;
  params(): Param[];
  buffers(): Buffer[];
  /** Generators drawn from while training (e.g. dropout), saved and restored by a checkpoint; none when absent. */
  randomGenerators?(): Rng[];
  /**
   * Optional shortcut for one training step: computes the loss of `input` against `target`
   * and writes every parameter's gradient in one go (as forward + loss + backward would), or
   * returns null when it does not handle this network or loss, and fit() takes the general path
   * (only float32 exists there: fit() refuses another precision then).
   */
  fusedTrainStep?(input: Tensor, target: Tensor, loss: Loss, precision: Precision): number | null;
}
