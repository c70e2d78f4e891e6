import type { Shape, Tensor } from '../core/tensor.js';
import type { Buffer, Param } from '../layers/layer.js';
import type { Network } from './network.js';
import type { Rng } from '../core/rng.js';

/**
 * A term added to the training loss of a network. After the network's own backward pass for
 * a batch (which overwrites every parameter's gradient), `addGradients` adds this term's
 * gradient to the parameters' gradients and returns the term's value for the batch.
 * `params` are extra trainable parameters the term owns (e.g. a decoder); they are optimised
 * and snapshotted with the network's but not saved with it.
 */
export interface TrainingRegularizer<N extends Network = Network> {
  readonly name: string;
  params(): Param[];
  addGradients(model: N): number;
  /** Called at the start of each fit() that uses the term. */
  reset?(): void;
}

/** A network plus regularizer terms as a Network for fit(): the terms add their gradients after each backward pass. */
export class RegularizedNetwork<N extends Network> implements Network {
  constructor(
    private readonly model: N,
    private readonly terms: readonly TrainingRegularizer<N>[],
  ) {}
  get inputShape(): Shape {
    return this.model.inputShape;
  }
  get outputShape(): Shape {
    return this.model.outputShape;
  }
  forward(x: Tensor, training: boolean): Tensor {
    return this.model.forward(x, training);
  }
  backward(dy: Tensor): void {
    this.model.backward(dy);
    for (const t of this.terms) t.addGradients(this.model);
  }
  params(): Param[] {
    return [...this.model.params(), ...this.terms.flatMap((t) => t.params())];
  }
  buffers(): Buffer[] {
    return this.model.buffers();
  }
  randomGenerators(): Rng[] {
    return this.model.randomGenerators?.() ?? [];
  }
}
