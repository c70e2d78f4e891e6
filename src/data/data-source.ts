import { invalid } from '../core/errors.js';
import { gatherRows, type Tensor } from '../core/tensor.js';

/**
 * Training data that need not be in memory: a known number of samples of one shape, served
 * as batches of the rows the training loop asks for. fit() accepts one wherever it accepts a
 * tensor; it keeps the sample order (its seeded per-epoch shuffle), so a source and the same
 * samples in a tensor give the same batches, the same steps and the same model.
 */
export interface DataSource {
  /** Number of samples. */
  readonly length: number;
  /** Shape of one sample, e.g. [3, 128, 128]. */
  readonly sampleShape: readonly number[];
  /**
   * The samples at `rows`, in that order, `batchSize` at a time (the last batch may be
   * shorter). A source may work ahead (decode the next batches while the current one
   * trains); a batch stays valid until the next one is requested. Breaking out of the loop
   * stops the work ahead.
   */
  batches(rows: Uint32Array, batchSize: number): AsyncIterable<Tensor>;
  /** A one-line description for logs ('streaming 120,000 images from ...'). */
  readonly description?: string;
}

export function isDataSource(x: unknown): x is DataSource {
  return typeof x === 'object' && x !== null && typeof (x as DataSource).batches === 'function' && typeof (x as DataSource).length === 'number';
}

/** A tensor as a DataSource (tests, and callers that hold some data in memory and stream the rest). */
export function tensorSource(x: Tensor): DataSource {
  if (x.shape.length < 2) throw invalid(`a data source needs samples of at least one dimension, got shape [${x.shape.join(', ')}]`);
  return {
    length: x.shape[0],
    sampleShape: x.shape.slice(1),
    async *batches(rows: Uint32Array, batchSize: number): AsyncIterable<Tensor> {
      for (let lo = 0; lo < rows.length; lo += batchSize) yield gatherRows(x, rows.subarray(lo, Math.min(rows.length, lo + batchSize)));
    },
  };
}
