import { reshape, shapeToString, sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';

/**
 * Layers that only change how the same memory is viewed: Identity, Flatten
 * (torch.nn.Flatten) and Reshape (torch.nn.Unflatten(1, shape)). No copies either way.
 */
abstract class ViewLayer implements Layer {
  abstract readonly type: string;
  private inputShape: Shape | null = null;

  abstract outputShape(input: Shape): Shape;

  initialize(): void {}

  forward(x: Tensor): Tensor {
    this.inputShape = x.shape;
    return reshape(x, [x.shape[0], ...this.outputShape(x.shape.slice(1))]);
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    if (!needInputGrad) return null;
    if (!this.inputShape) throw invalid(`${this.type}: backward() called before forward()`);
    return reshape(dy, this.inputShape);
  }

  params(): Param[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  abstract config(): LayerConfig;
}

export class Identity extends ViewLayer {
  readonly type = 'identity';
  outputShape(input: Shape): Shape {
    return input;
  }
  config(): LayerConfig {
    return { type: this.type };
  }
}

export class Flatten extends ViewLayer {
  readonly type = 'flatten';
  outputShape(input: Shape): Shape {
    return [sizeOf(input)];
  }
  config(): LayerConfig {
    return { type: this.type };
  }
}

export class Reshape extends ViewLayer {
  readonly type = 'reshape';
  readonly shape: Shape;

  constructor(shape: Shape) {
    super();
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1))
      throw invalid(`reshape: target shape must be positive integers, got ${shapeToString(shape)}`);
    this.shape = [...shape];
  }

  static fromConfig(c: LayerConfig): Reshape {
    return new Reshape(c.shape as number[]);
  }

  outputShape(input: Shape): Shape {
    if (sizeOf(input) !== sizeOf(this.shape))
      throw shapeMismatch(`reshape: cannot view ${shapeToString(input)} (${sizeOf(input)} values) as ${shapeToString(this.shape)}`);
    return this.shape;
  }

  config(): LayerConfig {
    return { type: this.type, shape: [...this.shape] };
  }
}
