import { shapeToString, tensor, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';
import { batchNorm2dBackward, batchNorm2dForward, type BatchNorm2dGeometry } from '../core/native/conv.js';
import type { Buffer, Layer, LayerConfig, Param } from './layer.js';
import { ensureBuffer } from './buffers.js';
import { expectBatch, expectGradient, expectImage, positiveInteger } from './spatial.js';

export interface BatchNorm2dOptions {
  numFeatures: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Weight of the newest batch in the running statistics. Default 0.1. */
  momentum?: number;
}

/**
 * Per-channel batch normalization of NCHW images, as torch.nn.BatchNorm2d: in training,
 * normalizes with the batch's mean and (biased) variance and folds them into running
 * averages (the variance unbiased, as PyTorch does); in inference, uses the running
 * averages. State-dict names: weight, bias, running_mean, running_var, num_batches_tracked.
 */
export class BatchNorm2d implements Layer {
  readonly type = 'batch_norm2d';
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weight: Param;
  readonly bias: Param;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  /** A float32 scalar here; PyTorch stores it as int64. */
  readonly numBatchesTracked: Tensor;
  private readonly batchMean: Float32Array;
  private readonly batchVar: Float32Array;
  private input: Tensor | null = null;
  private output: Tensor | null = null;
  private inputGrad: Tensor | null = null;

  constructor({ numFeatures, eps = 1e-5, momentum = 0.1 }: BatchNorm2dOptions) {
    this.numFeatures = positiveInteger('batch_norm2d', 'numFeatures', numFeatures);
    if (typeof eps !== 'number' || !(eps > 0 && eps <= 1)) throw invalid(`batch_norm2d: eps must be in (0, 1], got ${JSON.stringify(eps)}`);
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
      throw invalid(`batch_norm2d: momentum must be in [0, 1], got ${JSON.stringify(momentum)}`);
    this.eps = eps;
    this.momentum = momentum;
    const c = this.numFeatures;
    this.weight = { name: 'weight', value: tensor([c]), grad: tensor([c]) };
    this.bias = { name: 'bias', value: tensor([c]), grad: tensor([c]) };
    this.runningMean = tensor([c]);
    this.runningVar = tensor([c]);
    this.numBatchesTracked = tensor([]);
    this.batchMean = new Float32Array(c);
    this.batchVar = new Float32Array(c);
    this.reset();
  }

  static fromConfig(c: LayerConfig): BatchNorm2d {
    return new BatchNorm2d({ numFeatures: c.numFeatures as number, eps: c.eps as number | undefined, momentum: c.momentum as number | undefined });
  }

  private reset(): void {
    this.weight.value.data.fill(1);
    this.bias.value.data.fill(0);
    this.runningMean.data.fill(0);
    this.runningVar.data.fill(1);
    this.numBatchesTracked.data.fill(0);
  }

  outputShape(input: Shape): Shape {
    expectImage(this.type, input, this.numFeatures);
    return input;
  }

  initialize(): void {
    this.reset();
  }

  private geometry(x: Tensor): BatchNorm2dGeometry {
    return { batch: x.shape[0], channels: this.numFeatures, height: x.shape[2], width: x.shape[3], eps: this.eps };
  }

  forward(x: Tensor, training: boolean): Tensor {
    expectBatch(this.type, x, (s) => this.outputShape(s));
    const g = this.geometry(x);
    const count = g.batch * g.height * g.width;
    if (training && count < 2)
      throw shapeMismatch(
        `batch_norm2d: training needs more than one value per channel, got input ${shapeToString(x.shape)}; use a larger batch`,
      );
    const y = (this.output = ensureBuffer(this.output, x.shape));
    if (training) {
      batchNorm2dForward(g, true, x.data, this.weight.value.data, this.bias.value.data, y.data, this.batchMean, this.batchVar);
      const m = this.momentum;
      const unbias = count / (count - 1);
      const rm = this.runningMean.data;
      const rv = this.runningVar.data;
      for (let c = 0; c < this.numFeatures; c++) {
        rm[c] = (1 - m) * rm[c] + m * this.batchMean[c];
        rv[c] = (1 - m) * rv[c] + m * this.batchVar[c] * unbias;
      }
      this.numBatchesTracked.data[0] += 1;
      this.input = x;
    } else {
      batchNorm2dForward(g, false, x.data, this.weight.value.data, this.bias.value.data, y.data, this.runningMean.data, this.runningVar.data);
      this.input = null;
    }
    return y;
  }

  backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const x = this.input;
    if (!x || !this.output) throw invalid('batch_norm2d: backward() called without a training forward()');
    expectGradient(this.type, dy, this.output.shape);
    // oneDNN computes dx together with the parameter gradients, so it is always produced.
    const dx = (this.inputGrad = ensureBuffer(this.inputGrad, x.shape));
    batchNorm2dBackward(this.geometry(x), x.data, dy.data, this.weight.value.data, this.batchMean, this.batchVar, dx.data, this.weight.grad.data, this.bias.grad.data);
    return needInputGrad ? dx : null;
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }

  buffers(): Buffer[] {
    return [
      { name: 'running_mean', value: this.runningMean },
      { name: 'running_var', value: this.runningVar },
      { name: 'num_batches_tracked', value: this.numBatchesTracked },
    ];
  }

  config(): LayerConfig {
    return { type: this.type, numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum };
  }
}
