import { tensor, type Tensor } from '../../core/tensor.js';
import type { Reconstructor } from '../../models/contract.js';

export interface Explanation {
  /**
   * Contribution of every value to the reconstruction score, shaped like the input: its mean
   * is the reconstruction score (with several score kinds, the sum of each kind's map divided
   * by that kind's normal std, so its mean is the reconstruction part of the score up to a constant).
   */
  map: Tensor;
  /** Reconstructions, in data units. */
  reconstruction: Tensor;
  scores: Float32Array;
}

/** The explanation of checked samples from their weighted error map and reconstructions in model space, mapped back to data units. */
export function explanationOf(model: Reconstructor, input: Tensor, map: Float32Array, reconstructed: Float32Array, scores: Float32Array): Explanation {
  const inModelSpace = tensor(input.shape, reconstructed);
  return {
    map: tensor(input.shape, map),
    reconstruction: model.scaler ? model.scaler.inverseTransform(inModelSpace) : inModelSpace,
    scores,
  };
}
