import { invalid } from '../core/errors.js';
import { Rng, type RngState } from '../core/rng.js';
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

  /** The last order and the generator's position: restore() continues with the same epochs. */
  state(): { order: Uint32Array; rng: RngState } {
    return { order: Uint32Array.from(this.order), rng: this.rng.getState() };
  }

  restore(state: { order: Uint32Array; rng: RngState }): void {
    if (state.order.length !== this.order.length)
      throw invalid(`the saved epoch order has ${state.order.length} samples, the training data ${this.order.length}`);
    this.order.set(state.order);
    this.rng.setState(state.rng);
  }
}
