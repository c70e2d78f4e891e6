import { invalid } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { lossBackward, lossForward } from '../core/native/dense.js';
import type { LossKind } from '../core/types.js';

export type { LossKind } from '../core/types.js';
export const LOSS_KINDS: readonly LossKind[] = ['mse', 'bce', 'mae'];

export function checkLossKind(kind: string): LossKind {
  if (!(LOSS_KINDS as readonly string[]).includes(kind))
    throw invalid(`unknown loss '${kind}' (use one of: ${LOSS_KINDS.join(', ')})`);
  return kind as LossKind;
}

/** What fit() minimises: a mean over the batch, and its gradient with respect to the prediction. */
export interface Loss {
  readonly kind: string;
  /** Mean loss of the batch; with `perSample`, also each sample's loss. */
  value(pred: Tensor, target: Tensor, perSample?: Float32Array | null): number;
  /** Writes dL/dpred into grad. */
  gradient(pred: Tensor, target: Tensor, grad: Tensor): void;
}

/**
 * Reconstruction losses averaged over every element, as torch's MSELoss / L1Loss /
 * BCELoss with reduction='mean': L(x, x') = mean((x - x')^2) for MSE.
 */
export class ReconstructionLoss implements Loss {
  readonly kind: LossKind;
  constructor(kind: LossKind = 'mse') {
    this.kind = checkLossKind(kind);
  }

  /** Mean loss of the batch; with `perSample`, also each row's mean. */
  value(pred: Tensor, target: Tensor, perSample: Float32Array | null = null): number {
    const rows = pred.shape[0];
    return lossForward(this.kind, pred.data, target.data, rows, sizeOf(pred.shape.slice(1)), perSample);
  }

  /** Writes dL/dpred into grad. */
  gradient(pred: Tensor, target: Tensor, grad: Tensor): void {
    lossBackward(this.kind, pred.data, target.data, pred.data.length, grad.data);
  }
}
