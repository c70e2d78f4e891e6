import { invalid } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { gatherRows, type Tensor } from '../core/tensor.js';

export interface ValidationSplit {
  train: Tensor;
  validation: Tensor;
  /** Rows of the input that went to each part, ascending: use them to split labels the same way. */
  trainIndices: Uint32Array;
  validationIndices: Uint32Array;
}

/**
 * Holds out round(n * fraction) randomly chosen samples for validation. The choice depends
 * only on the generator's seed; within each part the rows keep their original order.
 */
export function splitValidation(x: Tensor, fraction: number, rng: Rng): ValidationSplit {
  if (x.shape.length < 1) throw invalid('splitValidation: expected a batch-first tensor [samples, ...], got a scalar');
  const { trainIndices, validationIndices } = validationRows(x.shape[0], fraction, rng);
  return {
    train: gatherRows(x, trainIndices),
    validation: gatherRows(x, validationIndices),
    trainIndices,
    validationIndices,
  };
}

/** Rows of a seeded hold-out, both parts in the permutation's (shuffled) order. */
export interface HeldOutRows {
  /** The permutation's first round(n * fraction) rows: the test or validation part. */
  held: Uint32Array;
  /** The rest, to train on. */
  kept: Uint32Array;
}

/**
 * Holds out round(n * fraction) rows chosen by a seeded permutation of n, for test or
 * validation data (`what` names it in errors). Unlike splitValidation, the parts keep the
 * permutation's order and are never adjusted: a fraction that leaves either part empty is
 * refused.
 */
export function holdOutRows(n: number, fraction: number, rng: Rng, what: string): HeldOutRows {
  if (!(fraction > 0 && fraction < 1)) throw invalid(`${what}: the fraction held out must be in (0, 1), got ${fraction}`);
  const held = Math.round(n * fraction);
  if (held < 1 || held >= n) throw invalid(`${what}: ${n} samples are too few to hold out ${fraction} of them`);
  const order = rng.permutation(n);
  return { held: order.subarray(0, held), kept: order.subarray(held) };
}

/** The rows splitValidation chooses for n samples, without copying any data. */
export function validationRows(n: number, fraction: number, rng: Rng): { trainIndices: Uint32Array; validationIndices: Uint32Array } {
  if (!(fraction >= 0 && fraction < 1))
    throw invalid(`validation fraction must be in [0, 1), got ${fraction}`);
  let held = Math.round(n * fraction);
  // A non-zero fraction of a small set still validates on something and trains on something.
  if (fraction > 0 && held === 0 && n >= 2) held = 1;
  if (held >= n && n > 0) held = n - 1;
  const order = rng.permutation(n);
  return { validationIndices: order.slice(0, held).sort(), trainIndices: order.slice(held).sort() };
}

/** The samples at `indices` (in that order, repeats allowed), copied into a new tensor. */
export function subset(x: Tensor, indices: ArrayLike<number>): Tensor {
  if (x.shape.length < 1) throw invalid('subset: expected a batch-first tensor [samples, ...], got a scalar');
  const n = x.shape[0];
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!Number.isInteger(k) || k < 0 || k >= n)
      throw invalid(`subset: index ${k} (position ${i}) is out of range for ${n} samples`);
  }
  return gatherRows(x, indices);
}
