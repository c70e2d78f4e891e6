import { invalid, shapeMismatch } from '../errors.js';
import { callNative } from './addon.js';

/**
 * Typed wrappers over the native kernels of dense networks: matrix multiply (oneDNN
 * sgemm), bias, activations, optimizers and losses (native/src/{gemm,bias,activation,
 * optimizer,loss}.cc). Arrays are row-major float32, used in place without copies.
 * Every wrapper checks its arguments here, naming the function and the argument, and
 * the native side checks them again, so a wrong call throws and never crashes.
 */

export type ActivationKind = 'relu' | 'leaky_relu' | 'sigmoid' | 'tanh';
export type LossKind = 'mse' | 'bce' | 'mae';

const ACTIVATION_KINDS: readonly string[] = ['relu', 'leaky_relu', 'sigmoid', 'tanh'];
const LOSS_KINDS: readonly string[] = ['mse', 'bce', 'mae'];

function checkArgumentCount(fn: string, args: IArguments, expected: number): void {
  if (args.length !== expected) throw invalid(`${fn}: expects ${expected} arguments, got ${args.length}`);
}

function checkSize(fn: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalid(`${fn}: ${name} must be a non-negative integer, got ${String(value)}`);
}

function checkNumber(fn: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${fn}: ${name} must be a finite number, got ${String(value)}`);
}

function checkFlag(fn: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalid(`${fn}: ${name} must be a boolean, got ${String(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** A Float32Array holding at least `needed` elements; `shape` explains where `needed` comes from. */
function checkFloats(fn: string, name: string, array: unknown, needed: number, shape: string): asserts array is Float32Array {
  if (!(array instanceof Float32Array)) throw invalid(`${fn}: ${name} must be a Float32Array, got ${describe(array)}`);
  if (array.length < needed)
    throw shapeMismatch(`${fn}: ${name} has ${array.length} elements, needs at least ${needed} (${shape})`);
}

function checkKind(fn: string, kind: unknown, known: readonly string[], what: string): void {
  if (typeof kind !== 'string' || !known.includes(kind))
    throw invalid(`${fn}: unknown ${what} '${String(kind)}' (use one of: ${known.join(', ')})`);
}

function checkRange(fn: string, name: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw invalid(`${fn}: ${name} must be ${expected}, got ${value}`);
}

/** Elements a row-major matrix of `rows` x `cols` with row stride `ld` spans. */
function matrixSpan(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/**
 * Row-major C[M, N] = alpha * op(A) * op(B) + beta * C, where op(A) is A [M, K] or, with
 * transA, the transpose of A [K, M] (likewise B: [K, N] or [N, K]). lda, ldb and ldc are
 * the row strides of A, B and C as stored. With beta = 0, C is overwritten (NaN in C does
 * not propagate).
 */
export function sgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  lda: number,
  B: Float32Array,
  ldb: number,
  beta: number,
  C: Float32Array,
  ldc: number,
): void {
  const fn = 'sgemm';
  checkArgumentCount(fn, arguments, 13);
  checkFlag(fn, 'transA', transA);
  checkFlag(fn, 'transB', transB);
  checkSize(fn, 'M', M);
  checkSize(fn, 'N', N);
  checkSize(fn, 'K', K);
  checkNumber(fn, 'alpha', alpha);
  checkSize(fn, 'lda', lda);
  checkSize(fn, 'ldb', ldb);
  checkNumber(fn, 'beta', beta);
  checkSize(fn, 'ldc', ldc);
  const [aRows, aCols] = transA ? [K, M] : [M, K];
  const [bRows, bCols] = transB ? [N, K] : [K, N];
  if (lda < Math.max(aCols, 1)) throw invalid(`${fn}: lda must be at least ${Math.max(aCols, 1)} (A is ${aRows}x${aCols}), got ${lda}`);
  if (ldb < Math.max(bCols, 1)) throw invalid(`${fn}: ldb must be at least ${Math.max(bCols, 1)} (B is ${bRows}x${bCols}), got ${ldb}`);
  if (ldc < Math.max(N, 1)) throw invalid(`${fn}: ldc must be at least ${Math.max(N, 1)} (C is ${M}x${N}), got ${ldc}`);
  checkFloats(fn, 'A', A, matrixSpan(aRows, aCols, lda), `A is ${aRows}x${aCols} with row stride ${lda}`);
  checkFloats(fn, 'B', B, matrixSpan(bRows, bCols, ldb), `B is ${bRows}x${bCols} with row stride ${ldb}`);
  checkFloats(fn, 'C', C, matrixSpan(M, N, ldc), `C is ${M}x${N} with row stride ${ldc}`);
  if (K === 0) {
    // An empty product leaves C = beta * C, but oneDNN's sgemm skips the scaling for K = 0
    // in some transpose combinations, so this case is done here.
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) C[i * ldc + j] = beta === 0 ? 0 : beta * C[i * ldc + j];
    return;
  }
  callNative('sgemm', transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/** y[r * cols + c] += bias[c]: adds the bias to every row of y [rows, cols]. */
export function biasAdd(y: Float32Array, bias: Float32Array, rows: number, cols: number): void {
  const fn = 'biasAdd';
  checkArgumentCount(fn, arguments, 4);
  checkSize(fn, 'rows', rows);
  checkSize(fn, 'cols', cols);
  checkFloats(fn, 'y', y, rows * cols, `${rows} rows x ${cols} columns`);
  checkFloats(fn, 'bias', bias, cols, `${cols} columns`);
  callNative('biasAdd', y, bias, rows, cols);
}

/** dbias[c] = sum over rows of dy[r * cols + c], summed in double; overwrites dbias. */
export function biasGrad(dy: Float32Array, rows: number, cols: number, dbias: Float32Array): void {
  const fn = 'biasGrad';
  checkArgumentCount(fn, arguments, 4);
  checkSize(fn, 'rows', rows);
  checkSize(fn, 'cols', cols);
  checkFloats(fn, 'dy', dy, rows * cols, `${rows} rows x ${cols} columns`);
  checkFloats(fn, 'dbias', dbias, cols, `${cols} columns`);
  callNative('biasGrad', dy, rows, cols, dbias);
}

function checkActivation(fn: string, kind: ActivationKind, alpha: number): void {
  checkKind(fn, kind, ACTIVATION_KINDS, 'activation');
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
  checkSize(fn, 'n', n);
  checkFloats(fn, 'x', x, n, `n = ${n}`);
  checkFloats(fn, 'y', y, n, `n = ${n}`);
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
  checkSize(fn, 'n', n);
  checkFloats(fn, 'y', y, n, `n = ${n}`);
  checkFloats(fn, 'dy', dy, n, `n = ${n}`);
  checkFloats(fn, 'dx', dx, n, `n = ${n}`);
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
  checkSize(fn, 'n', n);
  checkAdamScalars(fn, beta1, beta2, eps, weightDecay, step);
  checkLearningRate(fn, 'lr', lr);
  const shape = `n = ${n}`;
  checkFloats(fn, 'param', param, n, shape);
  checkFloats(fn, 'grad', grad, n, shape);
  checkFloats(fn, 'm', m, n, shape);
  checkFloats(fn, 'v', v, n, shape);
  callNative('adamStep', param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step);
}

/** One parameter of adamStepAll: four arrays of equal length and its learning rate. */
export interface AdamEntry {
  param: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
  lr: number;
}

/**
 * adamStep on every entry (whole arrays) in one native call, the work split evenly across the
 * threads: a network's dozen parameter arrays cost one wake-up of the thread team, not one each.
 */
export function adamStepAll(entries: readonly AdamEntry[], beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void {
  const fn = 'adamStepAll';
  checkArgumentCount(fn, arguments, 6);
  if (!Array.isArray(entries)) throw invalid(`${fn}: entries must be an array`);
  checkAdamScalars(fn, beta1, beta2, eps, weightDecay, step);
  const native = entries.map((e, i) => {
    const at = `entries[${i}]`;
    if (typeof e !== 'object' || e === null) throw invalid(`${fn}: ${at} must be { param, grad, m, v, lr }`);
    checkLearningRate(fn, `${at}.lr`, e.lr);
    const n = e.param instanceof Float32Array ? e.param.length : 0;
    const shape = `${at}.param has ${n} elements`;
    for (const key of ['param', 'grad', 'm', 'v'] as const) checkFloats(fn, `${at}.${key}`, e[key], n, shape);
    for (const key of ['grad', 'm', 'v'] as const)
      if (e[key].length !== n) throw shapeMismatch(`${fn}: ${at}.${key} has ${e[key].length} elements, ${shape}`);
    return [e.param, e.grad, e.m, e.v, e.lr];
  });
  callNative('adamStepAll', native, beta1, beta2, eps, weightDecay, step);
}

function checkAdamScalars(fn: string, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void {
  for (const [name, value] of [['beta1', beta1], ['beta2', beta2], ['eps', eps], ['weightDecay', weightDecay]] as const) checkNumber(fn, name, value);
  checkRange(fn, 'beta1', beta1, beta1 >= 0 && beta1 < 1, 'in [0, 1)');
  checkRange(fn, 'beta2', beta2, beta2 >= 0 && beta2 < 1, 'in [0, 1)');
  checkRange(fn, 'eps', eps, eps >= 0, '>= 0');
  checkRange(fn, 'weightDecay', weightDecay, weightDecay >= 0, '>= 0');
  checkSize(fn, 'step', step);
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
  checkSize(fn, 'n', n);
  for (const [name, value] of [['lr', lr], ['momentum', momentum], ['weightDecay', weightDecay]] as const)
    checkNumber(fn, name, value);
  checkRange(fn, 'lr', lr, lr >= 0, '>= 0');
  checkRange(fn, 'momentum', momentum, momentum >= 0, '>= 0');
  checkRange(fn, 'weightDecay', weightDecay, weightDecay >= 0, '>= 0');
  checkFlag(fn, 'nesterov', nesterov);
  checkFlag(fn, 'firstStep', firstStep);
  if (nesterov && momentum === 0) throw invalid(`${fn}: nesterov momentum needs momentum > 0`);
  const shape = `n = ${n}`;
  checkFloats(fn, 'param', param, n, shape);
  checkFloats(fn, 'grad', grad, n, shape);
  checkFloats(fn, 'velocity', velocity, momentum === 0 ? 0 : n, `${shape} with momentum`);
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
  checkKind(fn, kind, LOSS_KINDS, 'loss');
  checkSize(fn, 'rows', rows);
  checkSize(fn, 'cols', cols);
  const shape = `${rows} rows x ${cols} columns`;
  checkFloats(fn, 'pred', pred, rows * cols, shape);
  checkFloats(fn, 'target', target, rows * cols, shape);
  if (perSample !== null) checkFloats(fn, 'perSample', perSample, rows, `${rows} rows`);
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
  checkKind(fn, kind, LOSS_KINDS, 'loss');
  checkSize(fn, 'n', n);
  const shape = `n = ${n}`;
  checkFloats(fn, 'pred', pred, n, shape);
  checkFloats(fn, 'target', target, n, shape);
  checkFloats(fn, 'grad', grad, n, shape);
  callNative('lossBackward', kind, pred, target, n, grad);
}
