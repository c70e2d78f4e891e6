import { sameShape, sizeOf, tensor, type Shape, type Tensor } from '../core/tensor.js';

/**
 * Returns a tensor of `shape` over `current`'s memory when that memory is large enough, else
 * a new zeroed tensor. Layers keep their outputs and gradients in such buffers so a training
 * step allocates nothing once the batch size is stable, and so a smaller batch (the last of
 * an epoch or of an inference call) reuses the larger batch's memory instead of replacing it.
 * Replacing it cost more than the allocation: the next full batch got fresh pages from the
 * kernel, and touching them took the first batch of every conv inference call 20x longer
 * than the others (a 1,024-row reconstruct ran at 5k rows/s instead of 13k). The contents
 * are whatever the previous call left: every kernel overwrites its output.
 */
export function ensureBuffer(current: Tensor | null, shape: Shape): Tensor {
  if (current && sameShape(current.shape, shape)) return current;
  const size = sizeOf(shape);
  if (current && current.data.buffer.byteLength - current.data.byteOffset >= size * 4)
    return { shape: [...shape], data: new Float32Array(current.data.buffer, current.data.byteOffset, size) };
  return tensor(shape);
}
