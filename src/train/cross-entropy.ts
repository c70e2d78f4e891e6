import { HourglassError, invalid, shapeMismatch } from '../core/errors.js';
import { sameShape, shapeToString, sizeOf, tensor, type Tensor } from '../core/tensor.js';
import type { Loss } from './loss.js';

/**
 * Softmax cross-entropy on logits, as torch.nn.CrossEntropyLoss with probability targets
 * and reduction='mean': L = mean over rows of -sum_j t_j log softmax(z)_j.
 *
 * The log-softmax is taken as z_j - (max + log sum exp(z - max)), so large logits neither
 * overflow exp nor lose the loss to log(0). Targets are one-hot rows (see `oneHot`) or any
 * non-negative weights; the gradient (softmax * sum(t) - t) / rows is exact for both and
 * reduces to (softmax - onehot) / rows for one-hot targets.
 */
export class CrossEntropyLoss implements Loss {
  readonly kind = 'cross_entropy';

  value(pred: Tensor, target: Tensor, perSample: Float32Array | null = null): number {
    const { rows, classes } = this.check(pred, target, 'value');
    if (perSample && perSample.length < rows) throw shapeMismatch(`cross-entropy: perSample has ${perSample.length} slots for ${rows} rows`);
    const z = pred.data;
    const t = target.data;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * classes;
      const lse = logSumExp(z, o, classes);
      let loss = 0;
      for (let j = 0; j < classes; j++) {
        const w = t[o + j];
        if (w !== 0) loss += w * (lse - z[o + j]);
      }
      if (perSample) perSample[r] = loss;
      total += loss;
    }
    return rows === 0 ? 0 : total / rows;
  }

  gradient(pred: Tensor, target: Tensor, grad: Tensor): void {
    const { rows, classes } = this.check(pred, target, 'gradient');
    if (grad.data.length < rows * classes) throw shapeMismatch(`cross-entropy: gradient buffer ${shapeToString(grad.shape)} is smaller than the logits ${shapeToString(pred.shape)}`);
    const z = pred.data;
    const t = target.data;
    const g = grad.data;
    const inv = 1 / Math.max(rows, 1);
    for (let r = 0; r < rows; r++) {
      const o = r * classes;
      let max = -Infinity;
      for (let j = 0; j < classes; j++) if (z[o + j] > max) max = z[o + j];
      let sum = 0;
      let weight = 0;
      for (let j = 0; j < classes; j++) {
        sum += Math.exp(z[o + j] - max);
        weight += t[o + j];
      }
      for (let j = 0; j < classes; j++) g[o + j] = ((Math.exp(z[o + j] - max) / sum) * weight - t[o + j]) * inv;
    }
  }

  private check(pred: Tensor, target: Tensor, what: string): { rows: number; classes: number } {
    if (pred.shape.length < 2) throw shapeMismatch(`cross-entropy ${what}: logits must be [rows, classes], got ${shapeToString(pred.shape)}`);
    if (!sameShape(pred.shape, target.shape))
      throw shapeMismatch(
        `cross-entropy ${what}: targets have shape ${shapeToString(target.shape)}, the logits ${shapeToString(pred.shape)}; build one-hot targets with oneHot(labels, classes)`,
      );
    return { rows: pred.shape[0], classes: sizeOf(pred.shape.slice(1)) };
  }
}

/** log(sum_j exp(z[o + j])) over one row, shifted by the row's maximum. */
function logSumExp(z: Float32Array, o: number, classes: number): number {
  let max = -Infinity;
  for (let j = 0; j < classes; j++) if (z[o + j] > max) max = z[o + j];
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let j = 0; j < classes; j++) sum += Math.exp(z[o + j] - max);
  return max + Math.log(sum);
}

/** Row-wise softmax of logits [rows, classes] into a new tensor (or `out`). */
export function softmax(logits: Tensor, out: Tensor = tensor(logits.shape)): Tensor {
  const rows = logits.shape[0];
  const classes = sizeOf(logits.shape.slice(1));
  const z = logits.data;
  const p = out.data;
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) if (z[o + j] > max) max = z[o + j];
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(z[o + j] - max);
    for (let j = 0; j < classes; j++) p[o + j] = Math.exp(z[o + j] - max) / sum;
  }
  return out;
}

/**
 * Checks that every label is an integer class in [0, classes) and names the first that is
 * not, with the sample index, so bad label files fail with a message instead of a NaN loss.
 */
export function checkLabels(labels: ArrayLike<number>, classes: number, source = 'labels'): void {
  if (!Number.isInteger(classes) || classes < 1) throw invalid(`the number of classes must be a positive integer, got ${classes}`);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes)
      throw new HourglassError(
        'BAD_DATA',
        `${source}: label ${c} of sample ${i} is not a class; with ${classes} classes labels must be integers 0-${classes - 1}`,
      );
  }
}

/** Targets for CrossEntropyLoss: row i is 1 in column labels[i] and 0 elsewhere. */
export function oneHot(labels: ArrayLike<number>, classes: number): Tensor {
  checkLabels(labels, classes);
  const t = tensor([labels.length, classes]);
  for (let i = 0; i < labels.length; i++) t.data[i * classes + labels[i]] = 1;
  return t;
}
