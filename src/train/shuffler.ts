import { Rng } from '../core/rng.js';

/**
 * The sample order of each epoch: a seeded reshuffle of the previous order. Shared by
 * fit() and the benchmark, which hands the same batches to the reference implementation.
 */
export class EpochShuffler {
  private readonly order: Uint32Array;
  readonly rng: Rng;

  constructor(n: number, seed: number, private readonly shuffle = true) {
    this.order = new Uint32Array(n).map((_, i) => i);
    this.rng = new Rng(seed ^ 0x5eed);
  }

  /** The order for the next epoch (a view, valid until the next call). */
  next(): Uint32Array {
    if (this.shuffle) this.rng.shuffle(this.order);
    return this.order;
  }
}
