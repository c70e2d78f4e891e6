import { sameShape, tensor, type Shape, type Tensor } from '../core/tensor.js';

/**
 * Returns `current` when it already has `shape`, else a new zeroed tensor. Layers keep
 * their outputs and gradients in such buffers so a training step allocates nothing once
 * the batch size is stable.
 */
export function ensureBuffer(current: Tensor | null, shape: Shape): Tensor {
  return current && sameShape(current.shape, shape) ? current : tensor(shape);
}
