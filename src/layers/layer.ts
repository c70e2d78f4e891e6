import type { Shape, Tensor } from '../core/tensor.js';
import type { Rng } from '../core/rng.js';

/** A trainable tensor and its gradient, named as in PyTorch's state_dict ("weight", "bias"). */
export interface Param {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
  /** Multiplies the optimizer's learning rate for this parameter: 0 freezes it (e.g. a frozen pre-trained encoder). Default 1. */
  readonly learningRateScale?: number;
}

/** State that is saved with the model but not trained (e.g. BatchNorm running statistics). */
export interface Buffer {
  readonly name: string;
  readonly value: Tensor;
}

/** JSON description from which layerFromConfig() rebuilds the layer (weights excluded). */
export interface LayerConfig {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * One stage of a sequential network. Autoencoders are sequential, so backpropagation is
 * layer by layer and no general autograd is needed.
 *
 * Memory contract: forward() and backward() return tensors owned by the layer and reused
 * on the next call with the same batch size; a caller that needs them longer copies them.
 */
export interface Layer {
  readonly type: string;
  /** Checks the input shape (batch dimension excluded) and returns the output shape; throws a clear error if it does not fit. */
  outputShape(input: Shape): Shape;
  /** Fills parameters with their initial values (Glorot/He, as the layer prefers). */
  initialize(rng: Rng): void;
  /** Keeps what backward needs when `training` is true. */
  forward(x: Tensor, training: boolean): Tensor;
  /**
   * Given dL/dy, writes (overwrites) the parameter gradients and returns dL/dx.
   * With needInputGrad false (first layer) the returned tensor may be skipped and is then null.
   */
  backward(dy: Tensor, needInputGrad: boolean): Tensor | null;
  params(): Param[];
  buffers(): Buffer[];
  config(): LayerConfig;
  /** Generators the layer draws from while training (e.g. dropout's masks), so a checkpoint can save and restore their positions. */
  randomGenerators?(): Rng[];
}
