import { Rng } from '../core/rng.js';
import { RANDOM_STREAMS } from '../core/random-streams.js';

/**
 * The sample order of each epoch: a seeded reshuffle of the previous order. Shared by
 * fit() and the benchmark, which hands the same batches to the reference implementation.
 */
export class EpochShuffler {
  private readonly order: Uint32Array;
  readonly rng: Rng;

  constructor(n: number, seed: number, private readonly shuffle = true) {
    this.order = new Uint32Array(n).map((_, i) => i);
    this.rng = new Rng(RANDOM_STREAMS.epochShuffle(seed));
  }

  /** The order for the next epoch (a view, valid until the next call). */
  next(): Uint32Array {
    if (this.shuffle) this.rng.shuffle(this.order);
    return this.order;
  }
}
