import { shapeMismatch } from '../core/errors.js';
import { shapeToString, sameShape, type Shape, type Tensor } from '../core/tensor.js';
import type { Rng } from '../core/rng.js';
import type { Buffer, Layer, Param } from './layer.js';

/**
 * A chain of layers, checked end to end when built so that a configuration whose shapes
 * do not fit fails before any training. Parameter names are prefixed by the layer index,
 * as in torch.nn.Sequential's state_dict ("0.weight", "2.bias").
 */
export class Sequential {
  readonly layers: readonly Layer[];
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Shape after each layer (batch excluded). */
  readonly shapes: readonly Shape[];

  constructor(layers: readonly Layer[], inputShape: Shape) {
    this.layers = layers;
    this.inputShape = [...inputShape];
    const shapes: Shape[] = [];
    let shape: Shape = inputShape;
    layers.forEach((layer, i) => {
      try {
        shape = layer.outputShape(shape);
      } catch (e) {
        (e as Error).message = `layer ${i} (${layer.type}): ${(e as Error).message}`;
        throw e;
      }
      shapes.push(shape);
    });
    this.shapes = shapes;
    this.outputShape = shape;
  }

  initialize(rng: Rng): void {
    for (const layer of this.layers) layer.initialize(rng);
  }

  forward(x: Tensor, training: boolean): Tensor {
    if (!sameShape(x.shape.slice(1), this.inputShape))
      throw shapeMismatch(`expected input of shape [n, ${this.inputShape.join(', ')}], got ${shapeToString(x.shape)}`);
    let y = x;
    for (const layer of this.layers) y = layer.forward(y, training);
    return y;
  }

  /** Backpropagates dL/d(output); returns dL/d(input) only when asked (e.g. chaining two Sequentials). */
  backward(dy: Tensor, needInputGrad = false): Tensor | null {
    let g: Tensor | null = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const needed = i > 0 || needInputGrad;
      g = this.layers[i].backward(g as Tensor, needed);
      if (!needed) return g;
    }
    return g;
  }

  params(prefix = ''): Param[] {
    return this.layers.flatMap((layer, i) => layer.params().map((p) => ({ ...p, name: `${prefix}${i}.${p.name}` })));
  }

  randomGenerators(): Rng[] {
    return this.layers.flatMap((layer) => layer.randomGenerators?.() ?? []);
  }

  buffers(prefix = ''): Buffer[] {
    return this.layers.flatMap((layer, i) => layer.buffers().map((b) => ({ ...b, name: `${prefix}${i}.${b.name}` })));
  }
}
