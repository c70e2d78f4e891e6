import type { Shape, Tensor } from '../core/tensor.js';
import type { Buffer, Param } from '../layers/layer.js';
import type { Loss } from './loss.js';
import type { Precision } from '../core/types.js';
import type { Rng } from '../core/rng.js';
import type { AdamUpdate } from '../core/types.js';

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
   * (only float32 exists there: fit() refuses another precision then). With `extras.rows`,
   * input and target are the whole data and the batch is their rows `rows`; with
   * `extras.update`, the step also applies that optimizer update (when it returns a loss).
   */
  fusedTrainStep?(input: Tensor, target: Tensor, loss: Loss, precision: Precision, extras?: FusedStepExtras): number | null;
}

/** What a fused training step may take over from fit(): gathering the batch and updating the parameters. */
export interface FusedStepExtras {
  rows?: Uint32Array;
  update?: AdamUpdate;
}
