import { callNative } from './addon.js';
import { checkDimension, checkFloat32Array, checkFloat64Array, checkOneOf, checkPositive, checkRange } from './check.js';
import { nativeAdamUpdate, type ActivationKind, type AdamUpdate } from './dense.js';
import { invalid } from '../errors.js';
import { PRECISIONS, type AffineForm, type Precision } from '../types.js';

/** Widest layer (in or out features) the fused kernels accept: kMaxWidth of native/src/dense_chain.h, which bounds their per-thread buffers. */
export const DENSE_CHAIN_MAX_WIDTH = 1 << 14;

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

/*
 * The one place where the named descriptions meet the addon's positional arguments
 * (native/src/dense_chain.h and dense_chain_score.cc read them in this order); the native
 * side validates every field again.
 */

/** A layer as the addon reads it: [weight, bias, in, out, activation, slope] (+ [weightGrad, biasGrad] in training). */
function nativeLayer(l: ChainLayer, withGrads: boolean): unknown[] {
  const scoring = [l.weight, l.bias, l.inFeatures, l.outFeatures, l.activation, l.negativeSlope];
  return withGrads ? [...scoring, l.weightGrad, l.biasGrad] : scoring;
}

/** The addon's scaling code and its two per-feature arrays: 0 none, 1 (x - a) / b, 2 x * a + b. */
function nativeScaling(scaling: ChainScaling): [0 | 1 | 2, Float64Array | null, Float64Array | null] {
  if (scaling === null) return [0, null, null];
  if (scaling.kind === 'subtract-divide') return [1, scaling.offset, scaling.factor];
  return [2, scaling.factor, scaling.offset];
}

/**
 * Per-sample mean squared reconstruction error of a chain of Dense layers, in one native call
 * (native/src/dense_chain_score.cc): scaling, every layer and the error for blocks of 16 samples.
 * x is [n, d], out [n]. Returns -1, or the flat index of the first NaN or infinite input value.
 */
export function denseChainMse(x: Float32Array, n: number, d: number, scaling: ChainScaling, layers: readonly ChainLayer[], out: Float32Array): number {
  const fn = 'denseChainMse';
  checkDimension(fn, 'n', n);
  checkPositive(fn, 'd', d);
  checkFloat32Array(fn, 'x', x, n * d, `[${n}, ${d}]`);
  checkFloat32Array(fn, 'out', out, n, `[${n}]`);
  if (scaling !== null) {
    checkOneOf(fn, 'scaling kind', scaling.kind, ['subtract-divide', 'multiply-add'] as const);
    checkFloat64Array(fn, 'scaling.factor', scaling.factor, d, `one per feature, d = ${d}`);
    checkFloat64Array(fn, 'scaling.offset', scaling.offset, d, `one per feature, d = ${d}`);
  }
  checkRange(fn, 'layers.length', layers.length, layers.length > 0, 'at least 1');
  return callNative<number>(fn, x, n, d, ...nativeScaling(scaling), layers.map((l) => nativeLayer(l, false)), out);
}

/** What else a training step does besides the gradients. */
export interface TrainStepOptions {
  /** The batch is x[rows] and y[rows] (n indices), gathered by the step's threads; without it, the first n rows of x and y. */
  rows?: Uint32Array;
  /** Adam's update, applied by the step once the gradients are summed (the gradients stay in weightGrad and biasGrad). */
  update?: AdamUpdate;
}

/**
 * One training step's gradients for a chain of Dense layers under the mean squared error
 * against y ([n, last layer's width]): overwrites every weightGrad and biasGrad and returns the
 * loss. The batch is split across threads, each running its rows' forward and backward pass
 * (native/src/dense_chain_train.cc); the per-thread gradients are summed in a fixed order.
 * 'bfloat16' rounds the operands of the matrix products to bfloat16 (float32 results, about
 * twice the speed on CPUs with AVX512-BF16); everything else stays float32. With `rows` the
 * step gathers its batch itself, and with `update` it applies the optimizer too: one native
 * call per batch, all of it on every core.
 */
export function denseChainTrainStep(x: Float32Array, y: Float32Array, n: number, layers: readonly ChainLayer[], precision: Precision = 'float32', options: TrainStepOptions = {}): number {
  const fn = 'denseChainTrainStep';
  checkPositive(fn, 'n', n);
  checkRange(fn, 'layers.length', layers.length, layers.length > 0, 'at least 1');
  checkOneOf(fn, 'precision', precision, PRECISIONS);
  const { rows, update } = options;
  if (rows !== undefined && !(rows instanceof Uint32Array && rows.length === n)) throw invalid(`${fn}: rows must be a Uint32Array of n = ${n} row indices`);
  const updateArgs = update ? nativeAdamUpdate(fn, update) : [null, 0, 0, 0, 0, 0];
  return callNative<number>(fn, x, y, n, layers.map((l) => nativeLayer(l, true)), precision, rows ?? null, ...updateArgs);
}
