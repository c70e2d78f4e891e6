import { invalid } from '../errors.js';
import { callNative } from './addon.js';
import {
  checkArgumentCount,
  checkBoolean,
  checkDimension,
  checkFloat32Array,
  checkNumber,
  checkOneOf,
  checkOptionalFloat32Array,
  checkRange,
} from './check.js';

/**
 * Typed wrappers over the native kernels of dense networks: bias, activations, optimizers
 * and losses (native/src/{bias,activation,optimizer,loss}.cc); the matrix product is gemm.ts.
 * Arrays are row-major float32, used in place without copies. The element-wise kernels work
 * on a prefix: on the first n elements (or rows x cols), the rest of a longer array left
 * untouched; parameter-shaped arrays (bias, dbias, adamStepAll's entries) are exact. Every wrapper checks its arguments here (check.ts), naming the function
 * and the argument, and the native side checks them again, so a wrong call throws and never
 * crashes.
 */

import type { ActivationKind, AdamEntry, AdamUpdate, LossKind } from '../types.js';
export type { ActivationKind, AdamEntry, AdamUpdate, LossKind } from '../types.js';

const ACTIVATION_KINDS: readonly ActivationKind[] = ['relu', 'leaky_relu', 'sigmoid', 'tanh'];
const LOSS_KINDS: readonly LossKind[] = ['mse', 'bce', 'mae'];

/** y[r * cols + c] += bias[c]: adds the bias to every row of y [rows, cols] (its first rows x cols elements). */
export function biasAdd(y: Float32Array, bias: Float32Array, rows: number, cols: number): void {
  const fn = 'biasAdd';
  checkArgumentCount(fn, arguments, 4);
  checkDimension(fn, 'rows', rows);
  checkDimension(fn, 'cols', cols);
  checkFloat32Array(fn, 'y', y, { atLeast: rows * cols }, `${rows} rows x ${cols} columns`);
  checkFloat32Array(fn, 'bias', bias, cols, `${cols} columns`);
  callNative('biasAdd', y, bias, rows, cols);
}

/** dbias[c] = sum over rows of dy[r * cols + c], summed in double; overwrites dbias. */
export function biasGrad(dy: Float32Array, rows: number, cols: number, dbias: Float32Array): void {
  const fn = 'biasGrad';
  checkArgumentCount(fn, arguments, 4);
  checkDimension(fn, 'rows', rows);
  checkDimension(fn, 'cols', cols);
  checkFloat32Array(fn, 'dy', dy, { atLeast: rows * cols }, `${rows} rows x ${cols} columns`);
  checkFloat32Array(fn, 'dbias', dbias, cols, `${cols} columns`);
  callNative('biasGrad', dy, rows, cols, dbias);
}

function checkActivation(fn: string, kind: ActivationKind, alpha: number): void {
  checkOneOf(fn, 'activation', kind, ACTIVATION_KINDS);
  checkNumber(fn, 'alpha', alpha);
  // Backward reads the derivative off the sign of the output, which needs a non-negative slope.
  if (kind === 'leaky_relu') checkRange(fn, 'alpha (the leaky_relu negative slope)', alpha, alpha >= 0, '>= 0');
}

/**
 * y = f(x) over the first n elements. y may be the same array as x (in place). alpha is
 * the negative slope of leaky_relu and is ignored by the other kinds.
 */
export function activationForward(kind: ActivationKind, x: Float32Array, y: Float32Array, n: number, alpha: number): void {
  const fn = 'activationForward';
  checkArgumentCount(fn, arguments, 5);
  checkActivation(fn, kind, alpha);
  checkDimension(fn, 'n', n);
  checkFloat32Array(fn, 'x', x, { atLeast: n }, `n = ${n}`);
  checkFloat32Array(fn, 'y', y, { atLeast: n }, `n = ${n}`);
  callNative('activationForward', kind, x, y, n, alpha);
}

/**
 * dx = dy * f'(x), with f' taken from the forward OUTPUT y: relu y > 0, leaky_relu
 * y > 0 ? 1 : alpha, sigmoid y (1 - y), tanh 1 - y^2. dx may be the same array as dy.
 */
export function activationBackward(
  kind: ActivationKind,
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  n: number,
  alpha: number,
): void {
  const fn = 'activationBackward';
  checkArgumentCount(fn, arguments, 6);
  checkActivation(fn, kind, alpha);
  checkDimension(fn, 'n', n);
  checkFloat32Array(fn, 'y', y, { atLeast: n }, `n = ${n}`);
  checkFloat32Array(fn, 'dy', dy, { atLeast: n }, `n = ${n}`);
  checkFloat32Array(fn, 'dx', dx, { atLeast: n }, `n = ${n}`);
  callNative('activationBackward', kind, y, dy, dx, n, alpha);
}

/**
 * One step of torch.optim.Adam (amsgrad off) on the first n elements, in place:
 * g = grad + weightDecay * param; m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
 * param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps). step counts from 1.
 */
export function adamStep(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  step: number,
): void {
  const fn = 'adamStep';
  checkArgumentCount(fn, arguments, 11);
  checkDimension(fn, 'n', n);
  checkAdamScalars(fn, beta1, beta2, eps, weightDecay, step);
  checkLearningRate(fn, 'lr', lr);
  const shape = `n = ${n}`;
  checkFloat32Array(fn, 'param', param, { atLeast: n }, shape);
  checkFloat32Array(fn, 'grad', grad, { atLeast: n }, shape);
  checkFloat32Array(fn, 'm', m, { atLeast: n }, shape);
  checkFloat32Array(fn, 'v', v, { atLeast: n }, shape);
  callNative('adamStep', param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step);
}

/**
 * adamStep on every entry (whole arrays) in one native call, the work split evenly across the
 * threads: a network's dozen parameter arrays cost one wake-up of the thread team, not one each.
 */
export function adamStepAll(entries: readonly AdamEntry[], beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void {
  const fn = 'adamStepAll';
  checkArgumentCount(fn, arguments, 6);
  callNative('adamStepAll', ...nativeAdamUpdate(fn, { entries, beta1, beta2, eps, weightDecay, step }));
}

/** An update checked and laid out as the addon reads it: [entries, beta1, beta2, eps, weightDecay, step] (native/src/optimizer.h). */
export function nativeAdamUpdate(fn: string, { entries, beta1, beta2, eps, weightDecay, step }: AdamUpdate): unknown[] {
  if (!Array.isArray(entries)) throw invalid(`${fn}: entries must be an array`);
  checkAdamScalars(fn, beta1, beta2, eps, weightDecay, step);
  const native = entries.map((e, i) => {
    const at = `entries[${i}]`;
    if (typeof e !== 'object' || e === null) throw invalid(`${fn}: ${at} must be { param, grad, m, v, lr }`);
    checkLearningRate(fn, `${at}.lr`, e.lr);
    const n = e.param instanceof Float32Array ? e.param.length : 0;
    const shape = `${at}.param has ${n} elements`;
    for (const key of ['param', 'grad', 'm', 'v'] as const) checkFloat32Array(fn, `${at}.${key}`, e[key], n, shape);
    return [e.param, e.grad, e.m, e.v, e.lr];
  });
  return [native, beta1, beta2, eps, weightDecay, step];
}

function checkAdamScalars(fn: string, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void {
  for (const [name, value] of [['beta1', beta1], ['beta2', beta2], ['eps', eps], ['weightDecay', weightDecay]] as const) checkNumber(fn, name, value);
  checkRange(fn, 'beta1', beta1, beta1 >= 0 && beta1 < 1, 'in [0, 1)');
  checkRange(fn, 'beta2', beta2, beta2 >= 0 && beta2 < 1, 'in [0, 1)');
  checkRange(fn, 'eps', eps, eps >= 0, '>= 0');
  checkRange(fn, 'weightDecay', weightDecay, weightDecay >= 0, '>= 0');
  checkDimension(fn, 'step', step);
  checkRange(fn, 'step', step, step >= 1, 'at least 1 (steps count from 1)');
}

function checkLearningRate(fn: string, name: string, lr: number): void {
  checkNumber(fn, name, lr);
  checkRange(fn, name, lr, lr >= 0, '>= 0');
}

/**
 * One step of torch.optim.SGD (dampening 0) on the first n elements, in place:
 * g = grad + weightDecay * param; with momentum, buf = firstStep ? g : momentum buf + g and
 * g = nesterov ? g + momentum buf : buf; param -= lr g. Without momentum, velocity is not
 * used and may be empty.
 */
export function sgdStep(
  param: Float32Array,
  grad: Float32Array,
  velocity: Float32Array,
  n: number,
  lr: number,
  momentum: number,
  weightDecay: number,
  nesterov: boolean,
  firstStep: boolean,
): void {
  const fn = 'sgdStep';
  checkArgumentCount(fn, arguments, 9);
  checkDimension(fn, 'n', n);
  for (const [name, value] of [['lr', lr], ['momentum', momentum], ['weightDecay', weightDecay]] as const)
    checkNumber(fn, name, value);
  checkRange(fn, 'lr', lr, lr >= 0, '>= 0');
  checkRange(fn, 'momentum', momentum, momentum >= 0, '>= 0');
  checkRange(fn, 'weightDecay', weightDecay, weightDecay >= 0, '>= 0');
  checkBoolean(fn, 'nesterov', nesterov);
  checkBoolean(fn, 'firstStep', firstStep);
  if (nesterov && momentum === 0) throw invalid(`${fn}: nesterov momentum needs momentum > 0`);
  const shape = `n = ${n}`;
  checkFloat32Array(fn, 'param', param, { atLeast: n }, shape);
  checkFloat32Array(fn, 'grad', grad, { atLeast: n }, shape);
  // Without momentum the velocity is not read and may be empty.
  checkFloat32Array(fn, 'velocity', velocity, { atLeast: momentum === 0 ? 0 : n }, `${shape} with momentum`);
  callNative('sgdStep', param, grad, velocity, n, lr, momentum, weightDecay, nesterov, firstStep);
}

/**
 * Mean loss over the rows x cols elements of pred against target (sum accumulated in
 * double), as torch's MSELoss / L1Loss / BCELoss with reduction 'mean'; bce clamps each log
 * at -100 and needs predictions in [0, 1]. With perSample, also writes each row's mean
 * into perSample[r]. The mean of zero elements is NaN.
 */
export function lossForward(
  kind: LossKind,
  pred: Float32Array,
  target: Float32Array,
  rows: number,
  cols: number,
  perSample: Float32Array | null,
): number {
  const fn = 'lossForward';
  checkArgumentCount(fn, arguments, 6);
  checkOneOf(fn, 'loss', kind, LOSS_KINDS);
  checkDimension(fn, 'rows', rows);
  checkDimension(fn, 'cols', cols);
  const shape = `${rows} rows x ${cols} columns`;
  checkFloat32Array(fn, 'pred', pred, { atLeast: rows * cols }, shape);
  checkFloat32Array(fn, 'target', target, { atLeast: rows * cols }, shape);
  checkOptionalFloat32Array(fn, 'perSample', perSample, { atLeast: rows }, `${rows} rows`);
  return callNative<number>('lossForward', kind, pred, target, rows, cols, perSample);
}

/**
 * grad = gradient of the mean loss over n elements with respect to pred: mse 2 (p - t) / n,
 * mae sign(p - t) / n (0 where p == t), bce (p - t) / (max(p (1 - p), 1e-12) n) as torch.
 * grad may be the same array as pred.
 */
export function lossBackward(kind: LossKind, pred: Float32Array, target: Float32Array, n: number, grad: Float32Array): void {
  const fn = 'lossBackward';
  checkArgumentCount(fn, arguments, 5);
  checkOneOf(fn, 'loss', kind, LOSS_KINDS);
  checkDimension(fn, 'n', n);
  const shape = `n = ${n}`;
  checkFloat32Array(fn, 'pred', pred, { atLeast: n }, shape);
  checkFloat32Array(fn, 'target', target, { atLeast: n }, shape);
  checkFloat32Array(fn, 'grad', grad, { atLeast: n }, shape);
  callNative('lossBackward', kind, pred, target, n, grad);
}
