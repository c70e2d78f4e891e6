import { invalid } from '../errors.js';
import { callNative } from './addon.js';
import type { AffineForm } from '../../data/scaler.js';
import type { ActivationKind } from './dense.js';

/** Arithmetic of the matrix products in training: float32, or bfloat16 operands with float32 results. */
export type Precision = 'float32' | 'bfloat16';
export const PRECISIONS: readonly Precision[] = ['float32', 'bfloat16'];

/** One Dense layer of a chain and the activation applied to its output. */
export interface ChainLayer {
  /** [out, in], row-major (PyTorch's Linear layout). */
  weight: Float32Array;
  bias: Float32Array | null;
  inFeatures: number;
  outFeatures: number;
  activation: ActivationKind | 'identity';
  negativeSlope: number;
  /** Where a training step writes the gradients: [out, in] and [out] (null exactly when bias is). */
  weightGrad: Float32Array;
  biasGrad: Float32Array | null;
}

/** Per-feature input scaling done in double, as the scalers do (see Scaler.affineForm), or none. */
export type ChainScaling = AffineForm | null;

/**
 * Per-sample mean squared reconstruction error of a chain of Dense layers, in one native call
 * (native/src/dense_chain_score.cc): scaling, every layer and the error for blocks of 16 samples.
 * Returns -1, or the flat index of the first NaN or infinite input value.
 */
export function denseChainMse(x: Float32Array, n: number, d: number, scaling: ChainScaling, layers: readonly ChainLayer[], out: Float32Array): number {
  if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(d) || d < 1) throw invalid(`denseChainMse: bad shape [${n}, ${d}]`);
  if (x.length < n * d) throw invalid(`denseChainMse: x has ${x.length} values, needs ${n * d}`);
  if (out.length < n) throw invalid(`denseChainMse: out has ${out.length} values, needs ${n}`);
  const list = layers.map((l) => [l.weight, l.bias, l.inFeatures, l.outFeatures, l.activation, l.negativeSlope]);
  // Native scaling codes: 1 is (x - a) / b, 2 is x * a + b.
  if (!scaling) return callNative<number>('denseChainMse', x, n, d, 0, null, null, list, out);
  if (scaling.kind === 'subtract-divide') return callNative<number>('denseChainMse', x, n, d, 1, scaling.offset, scaling.factor, list, out);
  return callNative<number>('denseChainMse', x, n, d, 2, scaling.factor, scaling.offset, list, out);
}

/**
 * One training step's gradients for a chain of Dense layers under the mean squared error
 * against y ([n, last layer's width]): overwrites every weightGrad and biasGrad and returns the
 * loss. The batch is split across threads, each running its rows' forward and backward pass
 * (native/src/dense_chain_train.cc); the per-thread gradients are summed in a fixed order.
 * 'bfloat16' rounds the operands of the matrix products to bfloat16 (float32 results, about
 * twice the speed on CPUs with AVX512-BF16); everything else stays float32.
 */
export function denseChainTrainStep(x: Float32Array, y: Float32Array, n: number, layers: readonly ChainLayer[], precision: Precision = 'float32'): number {
  if (!Number.isSafeInteger(n) || n < 1) throw invalid(`denseChainTrainStep: n must be a positive integer, got ${n}`);
  if (layers.length === 0) throw invalid('denseChainTrainStep: no layers');
  const list = layers.map((l) => [l.weight, l.bias, l.inFeatures, l.outFeatures, l.activation, l.negativeSlope, l.weightGrad, l.biasGrad]);
  return callNative<number>('denseChainTrainStep', x, y, n, list, precision);
}
