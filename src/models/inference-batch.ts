import { sizeOf, sliceRows, tensor, type Shape, type Tensor } from '../core/tensor.js';
import type { Sequential } from '../layers/sequential.js';

/**
 * Inference runs in batches: large enough that every layer's kernels run efficiently, small
 * enough that the activations of one batch stay bounded. Each layer keeps its output in a
 * buffer of its own (layers/buffers.ts), so a model holds one batch's activations of every
 * layer; 2^25 values (128 MB) caps that. A dense
 * model of Fashion-MNIST size gets the 1,024-row maximum; the conv reference model (about
 * 99,000 activation values per image) gets 339, which cut its peak RSS in the benchmark from
 * 1.06 GB to about 0.6 GB.
 */
const ACTIVATION_BUDGET = 2 ** 25;
const MAX_ROWS = 1024;
const MIN_ROWS = 16;

export function inferenceBatchRows(...networks: Sequential[]): number {
  let perSample = 0;
  for (const net of networks) for (const shape of net.shapes) perSample += sizeOf(shape);
  return Math.max(MIN_ROWS, Math.min(MAX_ROWS, Math.floor(ACTIVATION_BUDGET / Math.max(1, perSample))));
}

/** Runs `run` over x in batches of `rows` samples and gathers the outputs ([n, ...outShape]); `run`'s result may be a reused buffer. */
export function mapInBatches(x: Tensor, outShape: Shape, rows: number, run: (batch: Tensor) => Tensor): Tensor {
  const n = x.shape[0];
  const out = tensor([n, ...outShape]);
  const per = sizeOf(outShape);
  for (let lo = 0; lo < n; lo += rows) {
    const hi = Math.min(n, lo + rows);
    out.data.set(run(sliceRows(x, lo, hi)).data, lo * per);
  }
  return out;
}
